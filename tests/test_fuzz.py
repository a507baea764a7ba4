"""Fuzzing the formula compiler, for a bounded time in CI and as long as wanted locally.

Three generators feed :func:`kinerja.FormulaEngine.compile`:

(a) arbitrary text, weighted toward the characters that matter (operators, quotes,
    brackets, control characters, look-alike letters);
(b) near-valid formulas from a grammar that mixes the language's constructs with refused
    ones (attributes, subscripts, strings, lambdas, comprehensions, other operators,
    keyword arguments, large powers, long literals, comments, backslashes);
(c) mutations (insertions, deletions, replacements of characters and tokens) of valid
    formulas.

For every input: compiling raises nothing but :class:`kinerja.FormulaError`; a compiled
formula evaluates on random exact inputs to finite Decimals or raises nothing but
:class:`kinerja.EvaluationError`; the interval backend (used by replay) raises nothing,
agrees with the exact backend on which inputs have no value, and gives the exact value
itself on degenerate intervals when the formula does not divide; the kernels' Python-source
backend gives the exact backend's value or gives up; the unit check raises
nothing but FormulaError; nothing outside the allow-list runs (sentinels), no file
appears in the working directory and the environment is unchanged.

In CI each target runs a fixed, derandomized set of examples (about 20-40 s for the
module on two cores). For a longer local run set ``KINERJA_FUZZ_SECONDS``: each target
then runs fresh random examples until that many seconds have passed, for example
``KINERJA_FUZZ_SECONDS=600 .venv/bin/pytest tests/test_fuzz.py -x``.
"""

from __future__ import annotations

import contextlib
import decimal
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kinerja
from _hostile import trapped
from kinerja._backends import AMBIGUOUS, Interval, NotAvailable
from kinerja._functions import FUNCTIONS
from kinerja._kernel import GIVE_UP, NotTranslatedError, python_function
from kinerja._numbers import EXACT as EXACT_CONTEXT
from kinerja._units import known_units, registry

FUZZ_SECONDS = float(os.environ.get("KINERJA_FUZZ_SECONDS", "0") or 0)


def fuzz_settings(examples: int) -> settings:
    """Fixed examples in CI; fresh random ones, round after round, for a timed local run."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=FUZZ_SECONDS <= 0,
        database=None,
        print_blob=FUZZ_SECONDS > 0,
        suppress_health_check=list(HealthCheck),
    )


DECLARED: dict[str, str | None] = {"a": None, "b": None, "x": None, "s": "bulan", "t": "bulan"}
UNITS = {"a": "person", "b": "person", "x": "institution", "s": "person", "t": "person"}
ENGINES = (
    kinerja.FormulaEngine(),
    kinerja.FormulaEngine(max_depth=8, max_nodes=30, max_exponent=2, max_literal_length=6),
    kinerja.FormulaEngine(max_length=100_000, max_nodes=100_000, max_depth=400),
)


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    # Build the unit registry before open() is trapped (it reads units.txt once).
    registry()
    known_units()
    kinerja.compile_formula("a / b * 100", DECLARED, units=UNITS, unit="percent")


# ------------------------------------------------------------------ the checks


def is_value(found: Any) -> bool:
    return type(found) is Decimal and found.is_finite()


def check_interval(found: Any) -> None:
    if type(found) is tuple:
        for item in found:
            check_interval(item)
        return
    # a Decimal is an exact value: a bare input, or a constant
    assert type(found) in (Interval, Decimal, NotAvailable, bool) or found is AMBIGUOUS, found
    if type(found) is Decimal:
        assert found.is_finite(), found
    if type(found) is Interval:
        assert found.low.is_finite() and found.high.is_finite(), found
        assert found.low <= found.high, found


def missing(found: Any) -> Any:
    """Where a result has no value: True/False, or a tuple of them for a series."""
    if type(found) is tuple:
        return tuple(type(v) is NotAvailable for v in found)
    return type(found) is NotAvailable


def check_backends_agree(formula: kinerja.Formula, values: dict[str, Any]) -> None:
    exact = formula.evaluate_exact(values)
    intervals = formula.evaluate_intervals(values)
    check_interval(intervals)
    assert missing(exact) == missing(intervals), (formula.text, exact, intervals)
    if "/" in formula.text or "mean" in formula.text:
        return  # interval division multiplies by 1/b: the same value, rounded differently
    found = intervals if type(intervals) is tuple else (intervals,)
    expected = exact if type(exact) is tuple else (exact,)
    for value, interval in zip(expected, found, strict=True):
        if type(value) is Decimal:
            bounds = Interval(interval) if type(interval) is Decimal else interval
            assert bounds == Interval(value), (formula.text, value, interval)


ARGUMENTS = {name: f"v{index}" for index, name in enumerate(DECLARED)}
SERIES = frozenset(name for name, over in DECLARED.items() if over)


def check_python_source_agrees(formula: kinerja.Formula, values: dict[str, Any]) -> None:
    """The kernels' backend (Python source) gives the exact backend's value, to the last
    digit of its representation, or gives up; it needs no decimal context unless it says so.

    Defining the function runs ``exec`` on the generated source (which holds no text of
    the formula), so only the call runs under the sentinels.
    """
    try:
        function, needs_context = python_function(formula, ARGUMENTS, SERIES)
    except NotTranslatedError:
        return
    expected = formula.evaluate_exact(values)
    # Without the exact context, a wrong assumption would show under a 3-digit context.
    context = EXACT_CONTEXT if needs_context else decimal.Context(prec=3)
    try:
        with trapped(), decimal.localcontext(context):
            found = function(*[values[name] for name in ARGUMENTS])
    except GIVE_UP:
        return
    items = found if type(found) is tuple else (found,)
    if all(type(v) is Decimal for v in items):
        assert repr(found) == repr(expected), (formula.text, values, found, expected)


def check_formula(engine: kinerja.FormulaEngine, text: str, inputs: list[dict[str, Any]]) -> None:
    """Compile ``text``; evaluate what compiles on every input; all under the sentinels."""
    evaluated: list[tuple[kinerja.Formula, dict[str, Any]]] = []
    with trapped():
        try:
            formula = engine.compile(text, DECLARED)
        except kinerja.FormulaError as exc:
            assert type(exc) is kinerja.FormulaError, type(exc)
            assert isinstance(exc.reason, str) and exc.reason
            return
        try:
            engine.compile(text, DECLARED, units=UNITS)
        except kinerja.FormulaError as exc:
            assert isinstance(exc.reason, str) and exc.reason
        for given_values in inputs:
            values = dict(given_values)
            decimals = values.pop("decimals")
            try:
                result = formula.evaluate(values, decimals=decimals)
            except kinerja.EvaluationError as exc:
                assert isinstance(exc.reason, str) and exc.reason
            else:
                found = result if isinstance(result, tuple) else (result,)
                assert all(is_value(v) for v in found), (text, result)
                if decimals is not None:
                    assert all(v.as_tuple().exponent == -decimals for v in found), result
            exact = {n: tuple(v) if isinstance(v, list) else v for n, v in values.items()}
            check_backends_agree(formula, exact)
            evaluated.append((formula, exact))
    for formula, exact in evaluated:
        check_python_source_agrees(formula, exact)


def run_bounded(target: Callable[[], None], tmp_path: Path) -> None:
    """Run a Hypothesis target in an empty working directory; prove it left no trace."""
    environment = dict(os.environ)
    with contextlib.chdir(tmp_path):
        stop = time.monotonic() + FUZZ_SECONDS
        rounds = 0
        while True:
            target()
            rounds += 1
            if time.monotonic() >= stop:
                break
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "the fuzzed code created files"
    assert dict(os.environ) == environment, "the fuzzed code changed the environment"
    assert rounds >= 1


# ------------------------------------------------------------------ inputs

NUMBERS = st.one_of(
    st.sampled_from([Decimal(0), Decimal(1), Decimal(-1), Decimal("0.5"), Decimal(100)]),
    st.integers(-(10**6), 10**6).map(lambda u: Decimal(u).scaleb(-3)),
    st.sampled_from([Decimal("1e40"), Decimal("-1e40"), Decimal("1e-40"), Decimal(10**44)]),
)


def input_sets() -> st.SearchStrategy[list[dict[str, Any]]]:
    one = st.fixed_dictionaries(
        {
            "a": NUMBERS,
            "b": NUMBERS,
            "x": NUMBERS,
            "s": st.lists(NUMBERS, max_size=3),
            "t": st.lists(NUMBERS, max_size=3),
            "decimals": st.sampled_from([None, 0, 2, 10]),
        }
    )
    return st.lists(one, min_size=1, max_size=3)


# ------------------------------------------------------------------ (a) arbitrary text

HOSTILE_CHARS = [
    *"abstx0123456789.+-*/%<>=!()[]{},:;'\"#\\_ @~^&|`$?",
    "\x00",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\u00a0",
    "\u200b",
    "\u2028",
    "\u202e",
    "é",
    "а",  # Cyrillic a
    "ａ",  # fullwidth a
    "𝐚",  # mathematical bold a
    "１",  # fullwidth 1
]
TEXT = st.one_of(
    st.text(st.sampled_from(HOSTILE_CHARS), max_size=80),
    st.text(max_size=60),
    st.text(st.characters(codec="ascii"), max_size=120),
)


@fuzz_settings(1000)
@given(engine=st.sampled_from(ENGINES), text=TEXT, inputs=input_sets())
def _fuzz_arbitrary_text(engine: kinerja.FormulaEngine, text: str, inputs: list[Any]) -> None:
    check_formula(engine, text, inputs)


def test_fuzz_arbitrary_text(tmp_path: Path) -> None:
    run_bounded(_fuzz_arbitrary_text, tmp_path)


# ------------------------------------------------------------------ (b) near-valid grammar

NAME_ATOMS = st.sampled_from(["a", "b", "x", "s", "t", "sum(s)", "mean(t)", "max(s)"])
NUMBER_ATOMS = st.sampled_from(["0", "1", "2", "2.5", "100", "0.001", "1e3", "1_000", ".5"])
CONDITION_ATOMS = st.sampled_from(["True", "False", "a > 0", "s >= b", "0 < x <= 100"])
ARITHMETIC = ["+", "-", "*", "/"]
COMPARISONS = ["<", "<=", ">", ">=", "==", "!="]

# Refused constructs, each wrapping a generated part (or standing alone).
FORBIDDEN: list[Callable[[str, str], str]] = [
    lambda e, f: f"({e}).real",
    lambda e, f: f"({e}).__class__.__mro__",
    lambda e, f: f"{e}[0]",
    lambda e, f: f"({e})[::-1]",
    lambda e, f: f"'{e}'",
    lambda e, f: f"f'{{{e}}}'",
    lambda e, f: f"'{{0.__class__}}'.format({e})",
    lambda e, f: f"(lambda: {e})()",
    lambda e, f: f"[{e} for _ in s]",
    lambda e, f: f"sum({e} for x in s)",
    lambda e, f: f"[{e}]",
    lambda e, f: f"({e}, {f})",
    lambda e, f: f"{{{e}: {f}}}",
    lambda e, f: f"({e}) % 2",
    lambda e, f: f"({e}) // ({f})",
    lambda e, f: f"({e}) @ ({f})",
    lambda e, f: f"~({e})",
    lambda e, f: f"({e}) ^ 2",
    lambda e, f: f"where({e} is {f}, 1, 0)",
    lambda e, f: f"where({e} in {f}, 1, 0)",
    lambda e, f: f"sqrt({e})",
    lambda e, f: f"max({e}, key={f})",
    lambda e, f: f"sum(*{e})",
    lambda e, f: f"(y := {e})",
    lambda e, f: f"__import__('os').system('id') + {e}",
    lambda e, f: f"os.popen('id') and {e}",
    lambda e, f: f"({e})({f})",
    lambda e, f: f"({e}) ** ({f})",
    lambda e, f: f"({e}) ** 5",
    lambda e, f: f"({e}) ** 0.5",
    lambda e, f: f"({e}) ** 9 ** 9",
    lambda e, f: f"{e} + None",
    lambda e, f: f"{e} + 1j",
    lambda e, f: f"{e} + 1e999",
    lambda e, f: f"{e} + {'9' * 50}",
    lambda e, f: f"{e} # {f}",
    lambda e, f: f"({e} \\\n + {f})",
    lambda e, f: f"getattr({e}, 'real')",
    lambda e, f: f"{e}; {f}",
    lambda e, f: f"{e}\n{f}",
    lambda e, f: f"({e}\x0c\n+ {f})",
    lambda e, f: f"{e}\x00",
]


@st.composite
def condition(draw: st.DrawFn, depth: int) -> str:
    """A true/false part: a comparison of two formulas, or and/or/not of conditions."""
    kind = draw(st.integers(0, 4))
    if kind == 0 or depth <= 0:
        return draw(CONDITION_ATOMS)
    if kind <= 2:
        left, right = draw(formula(depth - 1)), draw(formula(depth - 1))
        return f"{left} {draw(st.sampled_from(COMPARISONS))} {right}"
    if kind == 3:
        word = draw(st.sampled_from(["and", "or"]))
        return f"({draw(condition(depth - 1))} {word} {draw(condition(depth - 1))})"
    return f"(not {draw(condition(depth - 1))})"


@st.composite
def formula(draw: st.DrawFn, depth: int = 4) -> str:
    """A near-valid formula: the language's constructs, and now and then a refused one.

    (A composite rather than st.recursive: Hypothesis' repr of a recursive strategy built
    from st.builds grows exponentially with its depth, and is computed on a failure.)
    """
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.one_of(NAME_ATOMS, NUMBER_ATOMS))
    inner = formula(depth - 1)
    kind = draw(st.integers(0, 10))
    if kind == 0:
        return f"({draw(inner)} {draw(st.sampled_from(ARITHMETIC))} {draw(inner)})"
    if kind == 1:
        return f"{draw(st.sampled_from(['-', '+']))}{draw(inner)}"
    if kind == 2:
        return f"({draw(inner)}) ** {draw(st.sampled_from(['2', '-1', '0', '4', '-2', '3']))}"
    if kind == 3:
        return f"({draw(inner)} if {draw(condition(depth - 1))} else {draw(inner)})"
    if kind == 4:
        return f"where({draw(condition(depth - 1))}, {draw(inner)}, {draw(inner)})"
    if kind == 5:
        name = draw(st.sampled_from(sorted(set(FUNCTIONS) - {"round", "where"})))
        args = draw(st.lists(inner, min_size=1, max_size=4))
        return f"{name}({', '.join(args)})"
    if kind == 6:
        return f"round({draw(inner)}, {draw(st.integers(0, 10))})"
    if kind <= 9:
        return f"({draw(inner)} {draw(st.sampled_from(ARITHMETIC))} {draw(inner)})"
    make = draw(st.sampled_from(FORBIDDEN))  # one time in eleven: a refused construct
    return make(draw(inner), draw(inner))


GRAMMAR = formula()


@fuzz_settings(700)
@given(engine=st.sampled_from(ENGINES), text=GRAMMAR, inputs=input_sets())
def _fuzz_grammar(engine: kinerja.FormulaEngine, text: str, inputs: list[Any]) -> None:
    check_formula(engine, text, inputs)


def test_fuzz_near_valid_formulas(tmp_path: Path) -> None:
    run_bounded(_fuzz_grammar, tmp_path)


# ------------------------------------------------------------------ (c) mutations

VALID = [
    "pm_meningkat / pm_dimonev * 100",
    "0.5 * a + 0.5 * b",
    "mean(s / t) * 100",
    "sum(s) / sum(t) * 100",
    "where(b > 0, a / b * 100, 0)",
    "a / b * 100 if b != 0 else 0",
    "round(max(s) - min(t), 2)",
    "coalesce(a, b, 0) + abs(x - 1)",
    "(10 * a + 20 * b + 5 * x) / 35",
    "where(0 < a <= 100 and not b > 5, 1, 0) * x ** 2",
    "mean(where(s > t, s, t)) - a ** -2",
    "-(a - b) / (x + 1_000) + .5e3",
]
TOKENS = [
    ".",
    ".__class__",
    "[0]",
    "**",
    "** 9",
    "'",
    '"',
    "#",
    "\\",
    "lambda:",
    "os.",
    "(",
    ")",
    ",",
    "=",
    ":=",
    "*",
    "for x in s",
    "if",
    "else",
    "not",
    "__import__",
    "1e999",
    "9" * 45,
    "\x00",
    "\x0c\n",
    "\n",
    "é",
]
EDIT_CHARS = st.one_of(st.sampled_from(HOSTILE_CHARS), st.sampled_from(TOKENS))


def mutate(text: str, edits: list[tuple[int, float, str]]) -> str:
    for kind, where, piece in edits:
        position = int(where * len(text))
        if kind == 0:  # insert
            text = text[:position] + piece + text[position:]
        elif kind == 1:  # delete one to three characters
            text = text[:position] + text[position + 1 + len(piece) % 3 :]
        else:  # replace one character
            text = text[:position] + piece + text[position + 1 :]
    return text


EDITS = st.lists(
    st.tuples(st.integers(0, 2), st.floats(0, 1, allow_nan=False), EDIT_CHARS),
    min_size=1,
    max_size=4,
)


@fuzz_settings(900)
@given(
    engine=st.sampled_from(ENGINES),
    seed=st.sampled_from(VALID),
    edits=EDITS,
    inputs=input_sets(),
)
def _fuzz_mutations(
    engine: kinerja.FormulaEngine, seed: str, edits: list[Any], inputs: list[Any]
) -> None:
    text = mutate(seed, edits).replace("pm_meningkat", "a").replace("pm_dimonev", "b")
    check_formula(engine, text, inputs)


def test_fuzz_mutations_of_valid_formulas(tmp_path: Path) -> None:
    run_bounded(_fuzz_mutations, tmp_path)


def test_the_valid_seeds_compile() -> None:
    # The mutation target starts from formulas that compile, or it fuzzes only the parser.
    for text in VALID:
        kinerja.compile_formula(
            text.replace("pm_meningkat", "a").replace("pm_dimonev", "b"), DECLARED
        )
