"""Thread safety: one catalog, one formula, one replay, shared by 8 threads at once.

A loaded :class:`kinerja.Catalog` and a compiled :class:`kinerja.Formula` are documented
as safe to share between threads. Each test computes the expected answer in one thread,
then starts 8 threads together (a Barrier) that repeat the same work many times; the
interpreter's switch interval is shortened so that threads interleave inside
evaluations. Every thread's every answer must equal the single-threaded one.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import pytest

import kinerja
from kinerja._backends import Interval

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
REHSOS = ROOT / "indicators" / "rehsos"
REHSOS_EXAMPLE = ROOT / "examples" / "rehsos-2023"
THREADS = 8

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _interleave() -> Iterator[None]:
    # Switch threads every 10 µs instead of 5 ms: races show up in a few iterations.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(previous)


def together(work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in 8 threads that start at the same moment; return their results."""
    barrier = threading.Barrier(THREADS)

    def start(index: int) -> T:
        barrier.wait(timeout=60)
        return work(index)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(start, range(THREADS)))


def canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)


# ------------------------------------------------------------------ catalogs


@pytest.fixture(scope="module")
def demo() -> tuple[kinerja.Catalog, kinerja.YearData]:
    return kinerja.load(DEMO / "indicators"), kinerja.load_data(DEMO / "data-2023.toml")


@pytest.fixture(scope="module")
def rehsos() -> tuple[kinerja.Catalog, list[kinerja.YearData]]:
    return kinerja.load(REHSOS), kinerja.load_years(REHSOS_EXAMPLE / "data")


def evaluate_rehsos(catalog: kinerja.Catalog, years: list[kinerja.YearData]) -> str:
    history = catalog.evaluate_years(years)
    return canonical({year: results.to_dict() for year, results in history.items()})


def test_one_catalog_evaluated_from_8_threads_gives_the_single_thread_results(
    demo: tuple[kinerja.Catalog, kinerja.YearData],
    rehsos: tuple[kinerja.Catalog, list[kinerja.YearData]],
) -> None:
    demo_catalog, demo_data = demo
    rehsos_catalog, rehsos_years = rehsos
    expected_demo = canonical(demo_catalog.evaluate(demo_data, year=2023).to_dict())
    expected_rehsos = evaluate_rehsos(rehsos_catalog, rehsos_years)
    assert "demo.kemampuan" in expected_demo and "rehsos." in expected_rehsos

    def work(index: int) -> list[str]:
        found = []
        for iteration in range(12):
            # Threads alternate between the catalogs, so that both run at once.
            if (index + iteration) % 2:
                found.append(canonical(demo_catalog.evaluate(demo_data, year=2023).to_dict()))
            else:
                found.append(evaluate_rehsos(rehsos_catalog, rehsos_years))
        return found

    for index, found in enumerate(together(work)):
        for iteration, document in enumerate(found):
            expected = expected_demo if (index + iteration) % 2 else expected_rehsos
            assert document == expected, f"thread {index}, iteration {iteration}"


def test_evaluate_indicator_from_8_threads_with_different_inputs(
    demo: tuple[kinerja.Catalog, kinerja.YearData],
) -> None:
    catalog, _ = demo

    def expected(index: int, iteration: int) -> Decimal:
        num, den = 1000 + index * 37 + iteration, 2000 + iteration * 11
        return kinerja.round_half_up(Decimal(num) * 100 / Decimal(den), 2)

    def work(index: int) -> list[bool]:
        checks = []
        for iteration in range(200):
            num, den = 1000 + index * 37 + iteration, 2000 + iteration * 11
            result = catalog.evaluate_indicator(
                "demo.kemampuan", {"pm_meningkat": num, "pm_dimonev": den}, year=2023
            )
            checks.append(result.value == expected(index, iteration))
        return checks

    assert all(all(checks) for checks in together(work))


# ------------------------------------------------------------------ one compiled formula

FORMULA = (
    "where(b > 0, a / b * 100, 0) + round(max(s) - min(s), 2) + mean(s) "
    "+ (a ** 2 if a < 50 else -a) + coalesce(sum(s), 0)"
)
NAMES = {"a": None, "b": None, "s": "bulan"}


def reference(a: int, b: int, s: list[int]) -> Fraction:
    """The formula computed by hand, exactly, for a thread's own inputs."""
    ratio = Fraction(a * 100, b) if b > 0 else Fraction(0)
    spread = Fraction(max(s) - min(s))
    mean = Fraction(sum(s), len(s))
    branch = Fraction(a**2) if a < 50 else Fraction(-a)
    return ratio + spread + mean + branch + sum(s)


def inputs_for(index: int, iteration: int) -> tuple[int, int, list[int]]:
    a = (index * 13 + iteration) % 100
    b = (index + iteration) % 7  # 0 sometimes: the where() branch
    s = [index, iteration % 11, index * iteration % 17, 5]
    return a, b, s


def test_one_formula_evaluated_concurrently_with_each_threads_own_inputs() -> None:
    formula = kinerja.compile_formula(FORMULA, NAMES)

    def work(index: int) -> list[str]:
        wrong = []
        for iteration in range(250):
            a, b, s = inputs_for(index, iteration)
            exact = formula.evaluate({"a": a, "b": b, "s": s}, decimals=10)
            expected = reference(a, b, s)
            # 60 significant digits, rounded to 10 places: within half a unit of 1e-10.
            if abs(Fraction(exact) - expected) > Fraction(1, 10**10):
                wrong.append(f"{index}/{iteration}: {exact} != {float(expected)}")
            # the fast path and the interval backend on the same shared tree
            fast = formula.evaluate_exact(
                {"a": Decimal(a), "b": Decimal(b), "s": tuple(map(Decimal, s))}
            )
            if kinerja.round_half_up(fast, 10) != exact:
                wrong.append(f"{index}/{iteration}: evaluate_exact gave {fast}")
            interval = formula.evaluate_intervals(
                {"a": Interval(Decimal(a)), "b": Decimal(b), "s": tuple(map(Decimal, s))}
            )
            # (compared as Fractions: Decimal arithmetic here would use this thread's context)
            low, high, value = Fraction(interval.low), Fraction(interval.high), Fraction(fast)
            if not (low - Fraction(1, 10**40) <= value <= high + Fraction(1, 10**40)):
                wrong.append(f"{index}/{iteration}: interval {interval} misses {fast}")
        return wrong

    assert [w for found in together(work) for w in found] == []


def test_parses_take_turns_and_a_clash_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    # CPython 3.11 keeps the recursion depth of its AST conversion in state shared by all
    # threads: two ast.parse calls at once (at different stack depths, with a thread switch
    # inside, as a garbage collection can cause) fail with "SystemError: AST constructor
    # recursion depth mismatch". A stress run of kinerja.load from 8 threads hit it about
    # once in 300 loads. kinerja's parses now take turns, and a clash with another
    # library's parse is retried.
    real_parse = ast.parse
    inside: list[int] = []
    overlaps: list[int] = []
    clashes = [SystemError("AST constructor recursion depth mismatch (before=33, after=29)")]

    def watched(*args: Any, **kwargs: Any) -> Any:
        inside.append(1)
        if len(inside) > 1:
            overlaps.append(len(inside))
        try:
            time.sleep(0.0005)  # let the other threads run while this one parses
            if clashes:
                raise clashes.pop()
            return real_parse(*args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(ast, "parse", watched)

    def work(index: int) -> list[str]:
        problems = []
        for iteration in range(20):
            try:
                kinerja.compile_formula(f"a * {index} + b / {iteration + 1}", ["a", "b"])
            except Exception as exc:
                problems.append(f"{type(exc).__name__}: {exc}")
        return problems

    assert [p for found in together(work) for p in found] == []
    assert overlaps == [], "two parses ran at once"
    assert clashes == [], "the clash was never raised"


def test_compiling_with_units_from_8_threads_at_once() -> None:
    # The unit check evaluates on pint quantities with a thread-local evaluator.
    units = {"a": "person", "b": "person", "s": "person"}
    texts = [
        ("where(b > 0, a / b * 100, 0)", "percent", "dimensionless"),
        ("a + sum(s)", "person", "[person]"),
        ("a ** 2 / b", None, "[person]"),
        ("mean(s) - min(s)", "person", "[person]"),
    ]

    def work(index: int) -> list[str]:
        found = []
        for iteration in range(30):
            text, unit, _ = texts[(index + iteration) % len(texts)]
            found.append(kinerja.compile_formula(text, NAMES, units=units, unit=unit).unit or "")
        return found

    for index, found in enumerate(together(work)):
        for iteration, unit in enumerate(found):
            assert unit == texts[(index + iteration) % len(texts)][2]


# ------------------------------------------------------------------ replay


def test_replay_from_8_threads_gives_the_single_thread_result(
    rehsos: tuple[kinerja.Catalog, list[kinerja.YearData]],
) -> None:
    catalog, _ = rehsos
    expected = canonical(kinerja.replay(catalog, REHSOS_EXAMPLE).to_dict())
    assert '"mismatch"' in expected

    def work(index: int) -> list[str]:
        return [canonical(kinerja.replay(catalog, REHSOS_EXAMPLE).to_dict()) for _ in range(2)]

    for index, found in enumerate(together(work)):
        assert all(document == expected for document in found), f"thread {index}"


# ------------------------------------------------------------------ loading


def test_loading_from_8_threads_at_once_gives_the_same_catalog() -> None:
    data = kinerja.load_data(DEMO / "data-2023.toml")
    expected = canonical(kinerja.load(DEMO / "indicators").evaluate(data, year=2023).to_dict())

    def work(index: int) -> str:
        catalog = kinerja.load(DEMO / "indicators")
        return canonical(catalog.evaluate(data, year=2023).to_dict())

    assert together(work) == [expected] * THREADS


def test_the_unit_registry_is_built_once_even_when_threads_ask_at_once() -> None:
    # In a fresh interpreter: in this one the registry already exists.
    script = (
        "import threading\n"
        "from kinerja._units import registry\n"
        "barrier = threading.Barrier(8)\n"
        "found = []\n"
        "def ask():\n"
        "    barrier.wait()\n"
        "    found.append(id(registry()))\n"
        "threads = [threading.Thread(target=ask) for _ in range(8)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(len(set(found)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "1"
