"""Time ``kinerja.load`` on 1,000 generated indicator files, cold and warm, with a split.

Run from the repository root::

    .venv/bin/python benchmarks/bench_load.py             # about a minute
    .venv/bin/python benchmarks/bench_load.py --keep DIR  # also leave the files in DIR

The files are generated into a temporary folder with a fixed seed: ratio, weights and
expression forms with units, targets (some ranges), sampling, disaggregation, references
between indicators, a few indicators with two versions in force, and one band set.

* cold: each run is a fresh ``python`` process that imports kinerja and loads the folder
  (so pint's import and registry build are included); timed inside the child, and the
  whole process from outside.
* warm: in this process, after one load; the median of the timed loads.
* split: the loader's phases replayed one by one with kinerja's private functions (no
  profiler), then a cProfile of one warm load, aggregated by package.

This script prints figures; it never asserts on time.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.metadata
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from _source import source_state

HERE = Path(__file__).resolve().parent
GOAL_SECONDS = 2.0  # the goal: loading and validating 1,000 files <= 2 s

COUNT_UNITS = ["person", "institution", "document", "household", "region", "satker", "activity"]
COUNT_ALIASES = {"person": "orang", "institution": "lembaga", "document": "dokumen"}
GROUPS = {
    "anak": "Anak",
    "lanjut_usia": "Lanjut Usia",
    "disabilitas": "Penyandang Disabilitas",
    "korban_bencana": "Korban Bencana",
}
WORDS = [
    "pelayanan",
    "rehabilitasi",
    "sosial",
    "pemberdayaan",
    "perlindungan",
    "jaminan",
    "penanganan",
    "fakir miskin",
    "kelembagaan",
    "pendampingan",
    "anggaran",
    "pengawasan",
]

BANDS = """kind = "bands"
id = "ikm"
name = "Kategori Indeks Kepuasan Masyarakat (PermenPANRB 14/2017)"
bands = [
  { label = "D", name = "Tidak Baik", min = 25.00, max = 64.99 },
  { label = "C", name = "Kurang Baik", min = 65.00, max = 76.60 },
  { label = "B", name = "Baik", min = 76.61, max = 88.30 },
  { label = "A", name = "Sangat Baik", min = 88.31, max = 100.00 },
]
"""


# ----------------------------------------------------------------------- generation


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _targets(rng: random.Random, years: range, unit: str) -> list[str]:
    lines = ["", "[targets]"]
    base = (
        rng.choice([70, 75, 80, 85, 90]) if unit in {"percent", "point"} else rng.randint(10, 900)
    )
    for offset, year in enumerate(years):
        value = Decimal(base) + Decimal(offset) * Decimal("2.5")
        if unit == "percent" and rng.random() < 0.05:
            lines.append(f"{year} = {{ min = {value}, max = {value + 10} }}")
        else:
            lines.append(f"{year} = {value}")
    return lines


def _header(ident: str, name: str, unit: str, rng: random.Random, **extra: Any) -> list[str]:
    lines = [
        f"id = {_quote(ident)}",
        f"name = {_quote(name)}",
        f"description = {_quote('Diukur setiap tahun oleh unit kerja; sumber data: laporan ' + rng.choice(WORDS) + '.')}",
        f"goal = {_quote('sasaran.' + str(rng.randint(1, 40)))}",
        f"unit = {_quote(unit)}",
    ]
    for key, value in extra.items():
        lines.append(f"{key} = {value}")
    return lines


def _ratio(ident: str, rng: random.Random, years: range, in_force: str | None) -> list[str]:
    count = rng.choice(COUNT_UNITS)
    shown = COUNT_ALIASES.get(count, count) if rng.random() < 0.3 else count
    polarity = "lower_is_better" if rng.random() < 0.15 else "higher_is_better"
    banded = rng.random() < 0.25
    extra: dict[str, Any] = {"polarity": _quote(polarity), "decimals": 2}
    if banded:
        extra["bands"] = _quote("ikm")
    if in_force:
        extra["in_force"] = in_force
    name = f"Persentase {rng.choice(WORDS)} {rng.choice(WORDS)} yang memenuhi standar"
    lines = _header(ident, name, "percent", rng, **extra)
    two_part = rng.random() < 0.3
    numerator = "baru + lanjutan" if two_part else "memenuhi"
    lines += [
        "",
        "[formula]",
        f"numerator = {_quote(numerator)}",
        'denominator = "dinilai"',
        "factor = 100",
        "",
        "[inputs]",
    ]
    if two_part:
        lines.append(f'baru = {{ unit = "{shown}", label = "Yang baru memenuhi standar" }}')
        lines.append(f'lanjutan = {{ unit = "{shown}", label = "Yang lanjutan memenuhi standar" }}')
    else:
        lines.append(f'memenuhi = {{ unit = "{shown}", label = "Yang memenuhi standar" }}')
    lines.append(f'dinilai = {{ unit = "{shown}", label = "Yang dinilai (sampel)" }}')
    sampled = rng.random() < 0.2
    if sampled:
        lines.append(f'populasi = {{ unit = "{shown}", label = "Populasi" }}')
        lines += [
            "",
            "[sampling]",
            'sample = "dinilai"',
            'population = "populasi"',
            'note = "Pengumpulan data melalui metode sampling"',
        ]
    if rng.random() < 0.15:
        chosen = rng.sample(sorted(GROUPS), rng.randint(2, 4))
        lines += ["", "[disaggregation]", 'dimension = "kluster"']
        lines.append("groups = { " + ", ".join(f"{g} = {_quote(GROUPS[g])}" for g in chosen) + " }")
    return lines + _targets(rng, years, "percent")


def _weights(ident: str, rng: random.Random, years: range, in_force: str | None) -> list[str]:
    size = rng.randint(3, 8)
    names = [f"aspek_{k}" for k in range(1, size + 1)]
    weights = [rng.choice([5, 10, 15, 20, 25]) for _ in names]
    extra: dict[str, Any] = {"decimals": 2}
    if in_force:
        extra["in_force"] = in_force
    lines = _header(ident, f"Indeks {rng.choice(WORDS)} {rng.choice(WORDS)}", "point", rng, **extra)
    lines += [
        "",
        "[formula]",
        "weights = { "
        + ", ".join(f"{n} = {w}" for n, w in zip(names, weights, strict=True))
        + " }",
        "",
        "[inputs]",
    ]
    lines += [f'{n} = {{ unit = "point", label = "Nilai {n.replace("_", " ")}" }}' for n in names]
    return lines + _targets(rng, years, "point")


def _expr(
    ident: str,
    rng: random.Random,
    years: range,
    points: list[str],
    percents: list[str],
) -> tuple[list[str], str, bool]:
    """An expression-form indicator; returns its lines, its unit, and whether it refers."""
    choices = ["series", "budget", "growth", "where", "capped", "total", "rounded"]
    if points:
        choices += ["ref_point"] * 2
    if len(percents) >= 2:
        choices += ["ref_percent"] * 2
    kind = rng.choice(choices)
    count = rng.choice(COUNT_UNITS)
    refers = False
    if kind == "series":
        unit, expr = "percent", "mean(melapor / ditugaskan) * 100"
        inputs = [
            f'melapor = {{ unit = "{count}", over = "bulan", label = "Yang melapor" }}',
            f'ditugaskan = {{ unit = "{count}", over = "bulan", label = "Yang ditugaskan" }}',
        ]
    elif kind == "budget":
        unit, expr = "percent", "realisasi / pagu * 100"
        inputs = ['realisasi = { unit = "IDR" }', 'pagu = { unit = "Rp" }']
    elif kind == "growth":
        unit, expr = "percent", "(realisasi - realisasi_lalu) / realisasi_lalu * 100"
        inputs = ['realisasi = { unit = "IDR" }', 'realisasi_lalu = { unit = "IDR" }']
    elif kind == "where":
        unit, expr = "percent", "where(pagu > 0, realisasi / pagu * 100, 0)"
        inputs = ['realisasi = { unit = "IDR" }', 'pagu = { unit = "IDR" }']
    elif kind == "capped":
        unit, expr = "percent", "min(selesai / rencana, 1) * 100"
        inputs = [f'selesai = {{ unit = "{count}" }}', f'rencana = {{ unit = "{count}" }}']
    elif kind == "total":
        unit, expr = count, "sum(jumlah)"
        inputs = [f'jumlah = {{ unit = "{count}", over = "bulan", label = "Jumlah per bulan" }}']
    elif kind == "rounded":
        unit, expr = "point", "round(nilai_a, 2) * 0.7 + nilai_b * 0.3"
        inputs = ['nilai_a = { unit = "point" }', 'nilai_b = { unit = "poin" }']
    elif kind == "ref_point":
        unit, expr, refers = "point", "0.5 * smart + 0.5 * ikpa", True
        inputs = [
            'smart = { unit = "point" }',
            f"ikpa = {{ indicator = {_quote(rng.choice(points))} }}",
        ]
    else:
        unit, expr, refers = "percent", "0.6 * utama + 0.4 * coalesce(pendukung, 0)", True
        first, second = rng.sample(percents, 2)
        inputs = [
            f"utama = {{ indicator = {_quote(first)} }}",
            f"pendukung = {{ indicator = {_quote(second)} }}",
        ]
    lines = _header(
        ident, f"Capaian {rng.choice(WORDS)} {rng.choice(WORDS)}", unit, rng, decimals=2
    )
    lines += ["", "[formula]", f"expr = {_quote(expr)}", "", "[inputs]", *inputs]
    return lines + _targets(rng, years, unit), unit, refers


def generate(root: Path, count: int = 1000, seed: int = 2023) -> Counter[str]:
    """Write ``count`` indicator files and one band-set file under ``root``."""
    rng = random.Random(seed)
    stats: Counter[str] = Counter()
    points: list[str] = []  # ids with unit point, for references (only earlier ones: no cycles)
    percents: list[str] = []
    (root / "bands").mkdir(parents=True, exist_ok=True)
    (root / "bands" / "ikm.toml").write_text(BANDS, encoding="utf-8")
    stats["band set files"] += 1
    written = 0
    number = 0
    while written < count:
        number += 1
        folder = root / f"satker_{number % 20:02d}"
        folder.mkdir(exist_ok=True)
        ident = f"kemensos.s{number % 20:02d}.ik{number:04d}"
        draw = rng.random()
        if draw < 0.45:
            versioned = rng.random() < 0.04 and written + 2 <= count
            if versioned:
                old = _ratio(ident, rng, range(2020, 2023), "{ until = 2022 }")
                new = _ratio(ident, rng, range(2023, 2026), "{ from = 2023 }")
                (folder / f"ik{number:04d}_2020.toml").write_text("\n".join(old) + "\n")
                (folder / f"ik{number:04d}_2023.toml").write_text("\n".join(new) + "\n")
                written += 2
                stats["ratio (2 versions, 2 files)"] += 2
                percents.append(ident)
                continue
            lines = _ratio(ident, rng, range(2022, 2026), None)
            stats["ratio"] += 1
            if "bands" in "\n".join(lines[:8]):
                stats["  of which banded"] += 1
            percents.append(ident)
        elif draw < 0.65:
            lines = _weights(ident, rng, range(2022, 2026), None)
            stats["weights"] += 1
            points.append(ident)
        else:
            lines, unit, refers = _expr(ident, rng, range(2022, 2026), points, percents)
            stats["expr"] += 1
            if refers:
                stats["  of which refer to other indicators"] += 1
            if unit == "point":
                points.append(ident)
            elif unit == "percent":
                percents.append(ident)
        (folder / f"ik{number:04d}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += 1
    stats["indicator files"] = written
    return stats


# ----------------------------------------------------------------------- timing

CHILD = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import kinerja
t1, c1 = time.perf_counter(), time.process_time()
catalog = kinerja.load(sys.argv[1])
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "import_cpu": c1 - c0,
                  "load_cpu": c2 - c1, "n": len(catalog)}))
"""


def cold_runs(root: Path, runs: int) -> dict[str, list[float]]:
    """Fresh processes: wall and CPU seconds of the import and of the first load."""
    keys = ("import", "load", "import_cpu", "load_cpu")
    found: dict[str, list[float]] = {key: [] for key in (*keys, "process")}
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(root)], capture_output=True, text=True, check=True
        )
        found["process"].append(time.perf_counter() - start)
        data = json.loads(out.stdout)
        for key in keys:
            found[key].append(data[key])
    return found


def warm_runs(root: Path, runs: int) -> tuple[list[float], list[float]]:
    """Loads in this process after one untimed load: wall and CPU seconds."""
    import kinerja

    kinerja.load(root)
    wall, cpu = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        kinerja.load(root)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return wall, cpu


def phases_once(root: Path) -> dict[str, float]:
    """Replay the loader's phases one at a time (private API; mirrors kinerja._loader.load)."""
    import kinerja
    from kinerja._formula import DEFAULT_ENGINE, check_units
    from kinerja._loader import _compile_indicator, _files, _Source
    from kinerja._model import BandSet, Indicator
    from kinerja._toml import key_lines, read_toml

    split: dict[str, float] = {}
    start = time.perf_counter()
    files = _files(root)
    split["find files (rglob)"] = time.perf_counter() - start

    start = time.perf_counter()
    read = [read_toml(p, str(p)) for p in files]
    split["read + TOML parse (tomllib)"] = time.perf_counter() - start

    start = time.perf_counter()
    sources = [
        _Source(str(p), key_lines(text)) for p, (_, text, _) in zip(files, read, strict=True)
    ]
    split["key line map (regex, for messages)"] = time.perf_counter() - start

    start = time.perf_counter()
    models: list[Any] = []
    for document, _, _ in read:
        assert document is not None
        model = BandSet if document.get("kind") == "bands" else Indicator
        models.append(model.model_validate(document))
    split["pydantic validation"] = time.perf_counter() - start

    quoted = _private_loader("_quoted_numbers")
    if quoted is not None:  # a lint for numbers written as text, run on every document
        start = time.perf_counter()
        for (document, _, _), source, model in zip(read, sources, models, strict=True):
            quoted(type(model), document, (), source, None)
        split["quoted-number lint (_quoted_numbers)"] = time.perf_counter() - start

    pairs = [(m, s) for m, s in zip(models, sources, strict=True) if isinstance(m, Indicator)]
    start = time.perf_counter()
    compiled = [_compile_indicator(m, s, DEFAULT_ENGINE)[0] for m, s in pairs]
    split["formula compile (parse, allow-list, names)"] = time.perf_counter() - start

    unit_of = {m.id: m.unit for m, _ in pairs}
    start = time.perf_counter()
    for entry in compiled:
        assert entry is not None
        definition = entry.definition
        units = {
            name: spec.unit if spec.unit is not None else unit_of[spec.indicator or ""]
            for name, spec in definition.inputs.items()
        }
        check_units(entry.formula, units, definition.unit)
        if entry.numerator is not None and entry.denominator is not None:
            check_units(entry.numerator, units, None)
            check_units(entry.denominator, units, None)
    split["unit check (pint, per formula)"] = time.perf_counter() - start

    start = time.perf_counter()
    kinerja.load(root)
    split["whole"] = time.perf_counter() - start
    return split


def _private_loader(name: str) -> Any:
    import kinerja._loader

    return getattr(kinerja._loader, name, None)


def phases(root: Path, runs: int) -> dict[str, float]:
    """Median of each phase over ``runs`` replays."""
    replays = [phases_once(root) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in replays) for key in replays[0]}


def _package(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        top = parts[parts.index("site-packages") + 1]
        return top.removesuffix(".py")
    if "kinerja" in parts:
        return "kinerja." + path.stem
    if path.stem == "__init__":
        return "stdlib " + path.parent.name
    if path.parent.name in {"tomllib", "json", "re", "importlib", "email"}:
        return f"stdlib {path.parent.name}.{path.stem}"
    return "stdlib " + path.stem


def profile_load(root: Path, top: int) -> None:
    import kinerja

    profiler = cProfile.Profile()
    profiler.enable()
    kinerja.load(root)
    profiler.disable()
    raw: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    by_package: Counter[str] = Counter()
    for (file, _line, func), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        package = _package(file)
        if package == "builtins (C)":
            package = "C: " + func.split(" of ")[0].strip("<>").replace("method ", "")
            package = package if tottime / total >= 0.01 else "C: other builtins"
        by_package[package] += tottime
    print(f"  cProfile of one warm load: {total:.2f} s profiled; own time by package/module:")
    for package, seconds in by_package.most_common(14):
        print(f"    {100 * seconds / total:5.1f}%  {seconds:6.3f} s  {package}")
    print("  cumulative time of the loader's steps (under the profiler):")
    wanted = {
        "read_toml": "_toml.py",
        "key_lines": "_toml.py",
        "model_validate": "main.py",
        "_compile_indicator": "_loader.py",
        "compile": "_formula.py",
        "check_units": "_formula.py",
        "infer_unit": "_formula.py",
        "registry": "_units.py",
        "unit_problem": "_units.py",
        "__init__": "_catalog.py",
    }
    for (file, _line, func), (_cc, ncalls, _tt, cumtime, _callers) in sorted(
        raw.items(), key=lambda kv: -kv[1][3]
    ):
        if wanted.get(func) == Path(file).name:
            label = f"{Path(file).stem}.{func}"
            print(f"    {100 * cumtime / total:5.1f}%  {cumtime:6.3f} s  x{ncalls:<5} {label}")
    print(f"  top {top} functions by own time:")
    rows = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    for (file, line, func), (_cc, ncalls, tottime, _ct, _callers) in rows:
        where = f"{Path(file).name}:{line}" if line else "C"
        print(f"    {100 * tottime / total:5.1f}%  {tottime:6.3f} s  x{ncalls:<7} {func} ({where})")


def machine() -> str:
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("pydantic", "pint", "simpleeval")
    )
    return (
        f"python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"nproc={os.cpu_count()}, {versions}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=1000, help="indicator files (1000)")
    parser.add_argument("--runs", type=int, default=5, help="cold and warm runs (5)")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--no-profile", action="store_true", help="skip the split and profile")
    args = parser.parse_args(argv)

    print(f"bench_load: {machine()}")
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        print(f"--keep {args.keep}: the folder exists and is not empty; give a new folder")
        return 2
    print(source_state())
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-") as tmp:
        root = args.keep or Path(tmp) / "indicators"
        stats = generate(root, args.files)
        total_bytes = sum(p.stat().st_size for p in root.rglob("*.toml"))
        print(
            f"generated {stats['indicator files']} indicator files + {stats['band set files']} "
            f"band set in {root} ({total_bytes / 1024:.0f} KiB):"
        )
        for key in (
            "ratio",
            "  of which banded",
            "ratio (2 versions, 2 files)",
            "weights",
            "expr",
            "  of which refer to other indicators",
        ):
            print(f"  {key:<38} {stats[key]:>5}")

        import kinerja

        try:
            catalog = kinerja.load(root)
        except kinerja.DefinitionError as exc:
            print(f"the generated files do not load:\n{exc}")
            return 1
        print(f"  loads as {catalog!r}")

        print()
        cold = cold_runs(root, args.runs)
        warm, warm_cpu = warm_runs(root, args.runs)
        med = statistics.median

        def both(x: list[float], y: list[float]) -> list[float]:
            return [a + b for a, b in zip(x, y, strict=True)]

        first = both(cold["import"], cold["load"])
        first_cpu = both(cold["import_cpu"], cold["load_cpu"])
        print(f"{'measure':<62} {'median':>8} {'min':>8} {'max':>8} {'CPU med':>8}")
        rows = [
            ("cold: import kinerja (fresh process)", cold["import"], cold["import_cpu"]),
            (
                "cold: first kinerja.load (incl. pint import + registry)",
                cold["load"],
                cold["load_cpu"],
            ),
            ("cold: import + first load", first, first_cpu),
            ("cold: whole process from outside (start, import, load, exit)", cold["process"], []),
            ("warm: kinerja.load in this process", warm, warm_cpu),
        ]
        for label, values, cpu in rows:
            shown_cpu = f"{med(cpu):7.3f}s" if cpu else f"{'-':>8}"
            print(
                f"{label:<62} {med(values):7.3f}s {min(values):7.3f}s {max(values):7.3f}s "
                f"{shown_cpu}"
            )
        print(
            f"({args.runs} runs each; cold runs are fresh processes, files in the OS cache; "
            "median, min, max: wall clock; CPU med: the process's CPU time, which leaves out "
            "the time a busy neighbour holds the core)"
        )
        print()
        print(
            f"Goal: loading and validating {stats['indicator files']} files <= {GOAL_SECONDS:g} s"
        )
        for label, wall, cpu in (
            ("warm load", warm, warm_cpu),
            ("cold import + first load", first, first_cpu),
        ):
            verdict = "met" if med(wall) <= GOAL_SECONDS else "NOT met"
            print(
                f"  {label}: median {med(wall):.3f} s wall ({verdict}); "
                f"min {min(wall):.3f} s; CPU median {med(cpu):.3f} s"
            )
        print(f"  per file (warm): {1e3 * med(warm) / stats['indicator files']:.2f} ms")

        if not args.no_profile:
            print()
            print(
                f"Split (the loader's phases replayed one after another, no profiler; "
                f"median of {args.runs} replays):"
            )
            try:
                split = phases(root, args.runs)
            except Exception as exc:  # the loader's private functions moved
                print(f"  skipped: {type(exc).__name__}: {exc}")
                split = {}
            whole = split.pop("whole", 0.0)
            for label, seconds in split.items():
                print(f"  {seconds:7.3f} s  {100 * seconds / whole:5.1f}%  {label}")
            if split:
                rest = whole - sum(split.values())
                note = "rest (references, cycles, bands, catalog)"
                if rest < 0:
                    note += ": below zero, i.e. within noise (the replay is a bit slower)"
                print(f"  {rest:7.3f} s  {100 * rest / whole:5.1f}%  {note}")
                print(
                    f"  {whole:7.3f} s  100.0%  whole kinerja.load (median, timed in the replays)"
                )
            print()
            profile_load(root, 15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
