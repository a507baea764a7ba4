"""Per-call cost of evaluating formulas and loaded indicators, next to baselines.

Run from the repository root::

    .venv/bin/python benchmarks/bench_evaluate.py            # the table (about 30 s)
    .venv/bin/python benchmarks/bench_evaluate.py --profile  # plus where the time goes

Every path is timed in the same process and interleaved round by round (round 1 times
path A, B, C, ...; round 2 the same again), so that a noisy neighbour slows all paths
alike. Each round times enough calls to fill about ``--budget`` seconds; the table shows
the median and the minimum per-call time over the rounds, in microseconds, and ratios of
medians against two baselines measured in the same run.

This script prints figures; it never asserts on time.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import decimal
import importlib
import importlib.metadata
import os
import platform
import pstats
import statistics
import sys
import time
import timeit
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import simpleeval
from _source import source_state

import kinerja
from kinerja import compile_formula

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "examples" / "demo" / "indicators"

GOAL_US = 10.0  # the goal: evaluating one loaded indicator <= 10 µs per call

TWO_PLACES = Decimal("0.01")

# Inputs from the shipped demo data (examples/demo/data-2023.toml).
KEMAMPUAN = {
    "pm_meningkat": Decimal(1794),
    "pm_dimonev": Decimal(2035),
    "pm_layanan": Decimal(5929),
}
IKPA = {
    name: Decimal(text)
    for name, text in {
        "revisi_dipa": "100.00",
        "deviasi": "73.22",
        "penyerapan": "71.44",
        "kontraktual": "90.18",
        "tagihan": "98.18",
        "up_tup": "95.81",
        "dispensasi": "90.00",
        "capaian_output": "99.69",
    }.items()
}
NKA = {"smart": Decimal("93.17"), "ikpa": Decimal("89.45")}
MELAPOR = [2050, 2060, 2071, 2040, 2055, 2060, 2049, 2051, 2048, 2052, 2050, 2046]
DITUGASKAN = [2099] * 12
SDM = {
    "melapor": tuple(Decimal(v) for v in MELAPOR),
    "ditugaskan": tuple(Decimal(v) for v in DITUGASKAN),
}


@dataclasses.dataclass
class Timed:
    """One timed path: a label, a statement and the names it uses."""

    group: str
    label: str
    stmt: str
    names: dict[str, Any]
    loops: int = 0
    per_call: list[float] = dataclasses.field(default_factory=list)
    cpu_per_call: list[float] = dataclasses.field(default_factory=list)

    def timer(self) -> timeit.Timer:
        return timeit.Timer(self.stmt, globals=self.names)

    def result(self) -> Any:
        return eval(self.stmt, dict(self.names))

    @property
    def median_us(self) -> float:
        return statistics.median(self.per_call) * 1e6

    @property
    def cpu_median_us(self) -> float:
        return statistics.median(self.cpu_per_call) * 1e6

    @property
    def min_us(self) -> float:
        return min(self.per_call) * 1e6


def build_paths() -> tuple[list[Timed], Any]:
    catalog = kinerja.load(DEMO)
    ratio = compile_formula("num / den * 100", names=["num", "den"])
    nka = compile_formula("0.5 * smart + 0.5 * ikpa", names=["smart", "ikpa"])
    sdm = compile_formula(
        "mean(melapor / ditugaskan) * 100", names={"melapor": "bulan", "ditugaskan": "bulan"}
    )
    num, den = Decimal(1794), Decimal(2035)
    evaluator = simpleeval.SimpleEval(names={"num": num, "den": den})
    parsed = evaluator.parse("num / den * 100")

    def handwritten(num: Decimal, den: Decimal) -> Decimal:
        return (num / den * 100).quantize(TWO_PLACES, ROUND_HALF_UP)

    def handwritten_float(num: float, den: float) -> float:
        return round(num / den * 100, 2)

    exact_nd = {"num": num, "den": den}
    paths = [
        # a. the compiled formula on exact Decimal inputs (the catalog's fast path)
        Timed(
            "a",
            "Formula.evaluate_exact  num / den * 100",
            "f(v)",
            {"f": ratio.evaluate_exact, "v": exact_nd},
        ),
        Timed(
            "a",
            "Formula.evaluate_exact  0.5 * smart + 0.5 * ikpa",
            "f(v)",
            {"f": nka.evaluate_exact, "v": NKA},
        ),
        Timed(
            "a",
            "Formula.evaluate_exact  mean(melapor / ditugaskan) * 100  (12 months)",
            "f(v)",
            {"f": sdm.evaluate_exact, "v": SDM},
        ),
        # b. the public evaluate(): conversion of int/str inputs, n/a check, rounding
        Timed(
            "b",
            "Formula.evaluate  num / den * 100  (int inputs, decimals=2)",
            "f(v, decimals=2)",
            {"f": ratio.evaluate, "v": {"num": 1794, "den": 2035}},
        ),
        Timed(
            "b",
            "Formula.evaluate  0.5 * smart + 0.5 * ikpa  (str inputs, decimals=2)",
            "f(v, decimals=2)",
            {"f": nka.evaluate, "v": {"smart": "93.17", "ikpa": "89.45"}},
        ),
        Timed(
            "b",
            "Formula.evaluate  mean(melapor / ditugaskan) * 100  (int lists, decimals=2)",
            "f(v, decimals=2)",
            {"f": sdm.evaluate, "v": {"melapor": MELAPOR, "ditugaskan": DITUGASKAN}},
        ),
        # c. one loaded indicator, full result (value, rounding, achievement, CI, notes)
        Timed(
            "c",
            "Catalog.evaluate_indicator  demo.kemampuan  (ratio + sampling CI)",
            "f('demo.kemampuan', v, year=2023)",
            {"f": catalog.evaluate_indicator, "v": KEMAMPUAN},
        ),
        Timed(
            "c",
            "Catalog.evaluate_indicator  demo.ikpa  (8 weights)",
            "f('demo.ikpa', v, year=2023)",
            {"f": catalog.evaluate_indicator, "v": IKPA},
        ),
        Timed(
            "c",
            "Catalog.evaluate_indicator  demo.nka  (expr, reference as input)",
            "f('demo.nka', v, year=2023)",
            {"f": catalog.evaluate_indicator, "v": NKA},
        ),
        Timed(
            "c",
            "Catalog.evaluate_indicator  demo.sdm  (expr over 12 months)",
            "f('demo.sdm', v, year=2023)",
            {"f": catalog.evaluate_indicator, "v": SDM},
        ),
        Timed(
            "c",
            "Catalog.evaluate_indicator  demo.sdm  (int lists, as TOML gives them)",
            "f('demo.sdm', v, year=2023)",
            {"f": catalog.evaluate_indicator, "v": {"melapor": MELAPOR, "ditugaskan": DITUGASKAN}},
        ),
        # c'. the same call without its kernel: the general path every input can take
        Timed(
            "c",
            "  general path (no kernel)  demo.kemampuan",
            "f(e, v, 2023)",
            {
                "f": catalog._evaluate_inputs,
                "e": catalog.compiled("demo.kemampuan", 2023),
                "v": KEMAMPUAN,
            },
        ),
        Timed(
            "c",
            "  general path (no kernel)  demo.sdm",
            "f(e, v, 2023)",
            {"f": catalog._evaluate_inputs, "e": catalog.compiled("demo.sdm", 2023), "v": SDM},
        ),
        # d. baselines, num / den * 100 on the same numbers
        Timed(
            "d",
            "baseline: hand-written Decimal (num/den*100).quantize",
            "f(num, den)",
            {"f": handwritten, "num": num, "den": den},
        ),
        Timed(
            "d",
            "baseline: hand-written float round(num/den*100, 2)",
            "f(num, den)",
            {"f": handwritten_float, "num": 1794.0, "den": 2035.0},
        ),
        Timed(
            "d",
            "baseline: simpleeval.simple_eval, parsing each call (Decimal)",
            "f('num / den * 100', names=v)",
            {"f": simpleeval.simple_eval, "v": exact_nd},
        ),
        Timed(
            "d",
            "baseline: simpleeval pre-parsed, default operators (Decimal)",
            "s.eval('num / den * 100', previously_parsed=tree)",
            {"s": evaluator, "tree": parsed},
        ),
    ]
    return paths, catalog


def calibrate(path: Timed, budget: float) -> None:
    """Pick a loop count so that one round of this path takes about ``budget`` seconds."""
    timer = path.timer()
    loops = 1
    while True:
        elapsed = min(timer.repeat(3, loops))
        if elapsed >= budget / 5:
            break
        loops *= 10
    path.loops = max(1, round(loops * budget / elapsed))


def run_rounds(paths: list[Timed], rounds: int) -> None:
    timers = [p.timer() for p in paths]
    for r in range(rounds):
        shift = r % len(paths)
        for index in list(range(shift, len(paths))) + list(range(shift)):
            path = paths[index]
            cpu = time.process_time()
            path.per_call.append(timers[index].timeit(path.loops) / path.loops)
            path.cpu_per_call.append((time.process_time() - cpu) / path.loops)


def show_value(value: Any) -> str:
    if isinstance(value, kinerja.IndicatorResult):
        value = value.value
    if isinstance(value, Decimal):
        return str(value.quantize(TWO_PLACES, ROUND_HALF_UP))
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def machine() -> str:
    return (
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, nproc={os.cpu_count()}, "
        f"kinerja {kinerja.__version__}, simpleeval {importlib.metadata.version('simpleeval')}"
    )


def print_table(paths: list[Timed], rounds: int) -> None:
    hand = next(p for p in paths if p.label.startswith("baseline: hand-written Decimal"))
    parse_each = next(p for p in paths if "parsing each call" in p.label)
    width = max(len(p.label) for p in paths)
    header = (
        f"{'path':<{width}}  {'median µs':>9}  {'min µs':>7}  {'CPU µs':>7}  {'× hand Dec':>10}  "
        f"{'× se parse':>10}  {'≤10 µs':>6}  value"
    )
    print(header)
    print("-" * len(header))
    group = None
    for p in paths:
        if group is not None and p.group != group:
            print()
        group = p.group
        meets = "yes" if p.median_us <= GOAL_US else "NO"
        print(
            f"{p.label:<{width}}  {p.median_us:>9.2f}  {p.min_us:>7.2f}  {p.cpu_median_us:>7.2f}  "
            f"{p.median_us / hand.median_us:>10.1f}  {p.median_us / parse_each.median_us:>10.2f}  "
            f"{meets:>6}  {show_value(p.result())}"
        )
    print()
    print(
        f"median and min over {rounds} interleaved rounds; loops per round: "
        + ", ".join(str(p.loops) for p in paths)
    )
    print(
        "median, min: wall-clock time per call; CPU µs: median of this process's CPU time per "
        "call (leaves out the time a busy neighbour holds the core)."
    )
    print(
        "× hand Dec: ratio of medians vs the hand-written Decimal function; "
        "× se parse: vs simpleeval.simple_eval parsing on each call. ≤10 µs: the median."
    )
    print()
    print(f"Goal: evaluating one loaded indicator <= {GOAL_US:g} µs per call")
    for p in paths:
        if p.label.startswith("Catalog.evaluate_indicator"):
            verdict = "met" if p.median_us <= GOAL_US else "NOT met"
            print(
                f"  {p.label.split('  ')[1]:<16} median {p.median_us:8.2f} µs "
                f"(min {p.min_us:.2f}, CPU {p.cpu_median_us:.2f})  {verdict}"
            )


# ----------------------------------------------------------------------- --profile


def profile(stmt: str, names: dict[str, Any], calls: int, top: int) -> None:
    """cProfile ``calls`` executions of ``stmt``; print the top functions by own time."""
    code = compile(f"for _ in range({calls}):\n    {stmt}", "<bench>", "exec")
    profiler = cProfile.Profile()
    profiler.enable()
    exec(code, dict(names))
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    print(f"  cProfile, {calls} calls of {stmt}: own time by function (share of profiled time)")
    for (file, line, func), (_cc, ncalls, tottime, cumtime, _callers) in rows:
        where = f"{Path(file).name}:{line}" if line else file
        print(
            f"    {100 * tottime / total:5.1f}%  own {1e6 * tottime / calls:6.2f} µs/call  "
            f"cum {1e6 * cumtime / calls:6.2f} µs/call  x{ncalls / calls:<4.0f} "
            f"{func}  ({where})"
        )


def median_us(stmt: str, names: dict[str, Any], budget: float, rounds: int) -> float:
    path = Timed("p", stmt, stmt, names)
    calibrate(path, budget)
    run_rounds([path], rounds)
    return path.median_us


def _private(module: str, name: str) -> Any:
    """A private kinerja name, or None when it has moved (the split then skips that line)."""
    try:
        return getattr(importlib.import_module(f"kinerja.{module}"), name)
    except (ImportError, AttributeError):
        return None


def components(catalog: Any, budget: float, rounds: int) -> None:
    """Time the parts of evaluate_indicator one by one (private names: lines may be skipped)."""
    entry = catalog.compiled("demo.kemampuan", 2023)
    result = catalog.evaluate_indicator("demo.kemampuan", KEMAMPUAN, year=2023)
    ratio = compile_formula("num / den * 100", names=["num", "den"])
    exact_backend = _private("_backends", "EXACT")
    evaluator = _private("_backends", "evaluator")
    ev = evaluator(exact_backend) if evaluator and exact_backend else None
    nd = {"num": Decimal(1794), "den": Decimal(2035)}
    if ev is not None:
        ev.names = nd
    names = {
        "catalog": catalog,
        "entry": entry,
        "values": dict(KEMAMPUAN),
        "value": result.exact,
        "target": entry.definition.targets[2023],
        "Catalog": kinerja.Catalog,
        "published_achievement": _private("_achievement", "published_achievement"),
        "round_half_up": kinerja.round_half_up,
        "wilson_fpc": _private("_sampling", "wilson_fpc"),
        "IndicatorResult": type(result),
        "fields": [getattr(result, f.name) for f in dataclasses.fields(result)],
        "n": KEMAMPUAN["pm_dimonev"],
        "N": KEMAMPUAN["pm_layanan"],
        "s": KEMAMPUAN["pm_meningkat"],
        "evaluate_exact": ratio.evaluate_exact,
        "nd": nd,
        "ev": ev,
        "tree": ratio.tree,
        "decimal": decimal,
        "CTX": _private("_numbers", "EXACT"),
        "evaluator": evaluator,
        "EXACT": exact_backend,
        "D": Decimal(1794),
    }
    parts = [
        (
            "full evaluate_indicator('demo.kemampuan', ...)",
            "catalog.evaluate_indicator('demo.kemampuan', values, year=2023)",
        ),
        ("  Catalog.compiled(id, year) lookup", "catalog.compiled('demo.kemampuan', 2023)"),
        (
            "  numerator.evaluate_exact (done twice: num, den)",
            "entry.numerator.evaluate_exact(values)",
        ),
        ("  Catalog._sampling: sums + Wilson CI", "Catalog._sampling(entry, [values], value)"),
        ("    wilson_fpc alone", "wilson_fpc(s, n, N)"),
        ("  published_achievement", "published_achievement(value, target, 'higher_is_better')"),
        ("  round_half_up (done twice)", "round_half_up(value, 2)"),
        ("  IndicatorResult(...) construction", "IndicatorResult(*fields)"),
        ("evaluate_exact num/den*100, whole", "evaluate_exact(nd)"),
        ("  evaluator(EXACT) thread-local lookup", "evaluator(EXACT)"),
        ("  with decimal.localcontext(EXACT): pass", "with decimal.localcontext(CTX): pass"),
        ("  ev._eval(tree) alone (simpleeval walk)", "ev._eval(tree)"),
        (
            "    ev._check_disallowed_items(Decimal): one call, 5 per evaluation",
            "ev._check_disallowed_items(D)",
        ),
    ]
    print("  component timings (median µs per call, no profiler; private API):")
    for label, stmt in parts:
        try:
            exec(stmt, dict(names))
        except Exception as exc:  # a private name moved: say so, time the rest
            print(f"    {'skipped':>8}  {label}  ({type(exc).__name__}: {exc})")
            continue
        print(f"    {median_us(stmt, names, budget, rounds):8.2f}  {label}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=31, help="interleaved rounds (31)")
    parser.add_argument(
        "--budget", type=float, default=0.03, help="seconds per path per round (0.03)"
    )
    parser.add_argument("--profile", action="store_true", help="also show where the time goes")
    args = parser.parse_args(argv)

    print(f"bench_evaluate: {machine()}")
    print(source_state())
    paths, catalog = build_paths()
    # Every path computes 1794/2035*100 = 88.16 or the demo's own value; show them.
    for path in paths:
        calibrate(path, args.budget)
    run_rounds(paths, args.rounds)
    print()
    print_table(paths, args.rounds)

    if args.profile:
        print()
        print("Where the time goes")
        profile(
            "f('demo.kemampuan', v, year=2023)",
            {"f": catalog.evaluate_indicator, "v": KEMAMPUAN},
            20000,
            15,
        )
        print()
        profile(
            "f('demo.ikpa', v, year=2023)", {"f": catalog.evaluate_indicator, "v": IKPA}, 20000, 10
        )
        print()
        compiled = compile_formula("num / den * 100", names=["num", "den"])
        profile(
            "f(v)",
            {"f": compiled.evaluate_exact, "v": {"num": Decimal(1794), "den": Decimal(2035)}},
            50000,
            10,
        )
        print()
        components(catalog, args.budget / 3, 15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
