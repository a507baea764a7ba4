"""Hostile formulas as data: every case in ``corpus/formulas/`` is refused at compile.

Each ``corpus/formulas/<case>.toml`` holds one hostile formula and the answer kinerja must
give:

* ``formula``: the text (TOML escapes spell control and non-ASCII characters), or a
  ``[build]`` table for very long ones: ``head + open * repeat + core + close * repeat +
  tail``, or, with ``item``, ``head + separator.join([item] * repeat) + tail``;
* ``names`` (optional): the declared input names, default ``["a", "x", "q", "s"]``;
  ``[series]`` (optional) gives some of them a dimension (``s = "bulan"``);
* ``[engine]`` (optional): :class:`kinerja.FormulaEngine` limits, to lift one limit and
  show that another layer refuses the formula too;
* ``reason``: the exact :attr:`kinerja.FormulaError.reason`, or ``reason_contains``: a
  part of it (for Python's own syntax messages, which change between versions). After an
  intended change of messages, ``KINERJA_CORPUS_UPDATE=1 pytest tests/test_formula_corpus.py``
  rewrites the ``reason`` lines; review the diff.

For every case: the compile raises :class:`kinerja.FormulaError` itself (never
SyntaxError, RecursionError, MemoryError, ValueError, ...), nothing outside the
allow-list runs (sentinels, see ``tests/_hostile.py``), and compiling takes under 50 ms
(best of 5). The same formula in an indicator file is refused by ``kinerja.load`` with
the same reason.

This module also runs the Python blocks of ``docs/security.md``.
"""

from __future__ import annotations

import os
import re
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

import kinerja
from _hostile import trapped
from kinerja._units import known_units, registry

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus" / "formulas"
SECURITY = ROOT / "docs" / "security.md"
DEFAULT_NAMES = ["a", "x", "q", "s"]
BUDGET = 0.05  # seconds, best of five compiles
UPDATE = bool(os.environ.get("KINERJA_CORPUS_UPDATE"))

# Escape and denial-of-service classes of the issue, by case-name prefix.
CLASSES = {
    "walk_": "dunder and attribute walks",
    "frame_": "generator frames (gi_frame, f_back, f_globals)",
    "format_": "format and str.format tricks, strings",
    "operator_": "the operator module",
    "os_": "os and other dangerous functions",
    "value_": "values passed in through names",
    "name_": "declared names that could shadow the language",
    "construct_": "other refused constructs",
    "power_": "huge powers",
    "deep_": "deep nesting of each node kind",
    "long_": "very long expressions",
    "literal_": "huge and many literals",
    "wide_": "wide calls",
    "unicode_": "unicode tricks",
    "null_": "null bytes",
    "control_": "control characters",
    "newline_": "line breaks before a statement",
    "comment_": "comments",
    "backslash_": "backslashes",
}


class Case:
    """One corpus file, read and built."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.stem
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        known = {"formula", "build", "names", "series", "engine", "reason", "reason_contains"}
        unknown = set(document) - known
        assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
        assert ("formula" in document) != ("build" in document), path.name
        assert ("reason" in document) != ("reason_contains" in document), path.name
        self.text: Any = document["formula"] if "formula" in document else build(document["build"])
        self.names: Any = document.get("names", DEFAULT_NAMES)
        series: dict[str, str] = document.get("series", {})
        if series:
            self.names = {name: series.get(name) for name in self.names}
        self.limits: dict[str, int] = document.get("engine", {})
        self.reason: str | None = document.get("reason")
        self.reason_contains: str | None = document.get("reason_contains")

    def engine(self) -> kinerja.FormulaEngine:
        return kinerja.FormulaEngine(**self.limits)

    def check_reason(self, error: kinerja.FormulaError) -> None:
        if self.reason is not None:
            if UPDATE and error.reason != self.reason:
                self.rewrite_reason(error.reason)
            assert error.reason == self.reason, f"{self.name}: {error.reason!r}"
        else:
            assert self.reason_contains is not None
            assert self.reason_contains in error.reason, f"{self.name}: {error.reason!r}"

    def rewrite_reason(self, reason: str) -> None:
        """Write the current reason into the case file (KINERJA_CORPUS_UPDATE=1)."""
        lines = self.path.read_text(encoding="utf-8").splitlines()
        lines = [
            f"reason = {toml_string(reason)}" if ln.startswith("reason = ") else ln for ln in lines
        ]
        self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.reason = reason


def build(spec: dict[str, Any]) -> str:
    head, tail, repeat = spec.get("head", ""), spec.get("tail", ""), spec["repeat"]
    if "item" in spec:
        return str(head + spec["separator"].join([spec["item"]] * repeat) + tail)
    return str(head + spec["open"] * repeat + spec["core"] + spec["close"] * repeat + tail)


CASES = [Case(path) for path in sorted(CORPUS.glob("*.toml"))]


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    # Build the unit registry before open() is trapped (it reads units.txt once).
    registry()
    known_units()
    kinerja.compile_formula("a / x * 100", ["a", "x"], units={"a": "person", "x": "person"})


def compile_refused(case: Case) -> tuple[kinerja.FormulaError, float]:
    """Compile five times under the sentinels; return the error and the best time."""
    engine = case.engine()
    best = float("inf")
    error: kinerja.FormulaError | None = None
    with trapped():
        for _ in range(5):
            start = time.perf_counter()
            try:
                engine.compile(case.text, case.names)
            except kinerja.FormulaError as exc:
                error = exc
            except Exception as exc:  # the point: no other exception type, ever
                pytest.fail(f"{case.name}: {type(exc).__name__}: {exc}")
            else:
                pytest.fail(f"{case.name}: compiled, but it must be refused")
            best = min(best, time.perf_counter() - start)
    assert error is not None
    return error, best


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_formula_is_refused_quickly_and_runs_nothing(case: Case) -> None:
    error, best = compile_refused(case)
    assert type(error) is kinerja.FormulaError, type(error)
    case.check_reason(error)
    assert str(error).startswith(error.reason)
    assert best < BUDGET, f"{case.name}: {best * 1000:.1f} ms"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_formula_is_refused_with_units_too(case: Case) -> None:
    names = case.names if isinstance(case.names, list | dict) else []
    units = {name: "person" for name in names if isinstance(name, str)}
    with trapped(), pytest.raises(kinerja.FormulaError) as caught:
        case.engine().compile(case.text, case.names, units=units)
    case.check_reason(caught.value)


INDICATOR = """id = "uji.hostile"
name = "hostile formula"
unit = "person"
decimals = 2

[formula]
expr = {expr}

[inputs]
a = {{ unit = "person" }}
x = {{ unit = "person" }}
q = {{ unit = "person" }}
s = {{ unit = "person" }}
"""


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, with every non-printable character escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(f"\\U{ord(char):08X}")
    return '"' + "".join(out) + '"'


LOADABLE = [
    c
    for c in CASES
    if isinstance(c.text, str) and c.names == DEFAULT_NAMES and not c.limits and len(c.text) < 5000
]


@pytest.mark.parametrize("case", LOADABLE, ids=[c.name for c in LOADABLE])
def test_hostile_formula_in_an_indicator_file_is_refused_at_load(
    case: Case, tmp_path: Path
) -> None:
    (tmp_path / "a.toml").write_text(INDICATOR.format(expr=toml_string(case.text)), "utf-8")
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    messages = [p.message for p in caught.value.problems]
    expected = case.reason if case.reason is not None else case.reason_contains
    assert expected is not None
    assert any(expected in m for m in messages), messages


def test_corpus_size_and_coverage() -> None:
    assert len(CASES) >= 60
    names = [c.name for c in CASES]
    for prefix, what in CLASSES.items():
        assert any(n.startswith(prefix) for n in names), f"no case for {what}"
    unclassified = [
        n
        for n in names
        if not n.startswith(tuple(CLASSES)) and n not in {"empty", "blank", "formula_not_text"}
    ]
    assert not unclassified, unclassified


def test_the_form_feed_formula_is_no_longer_read_as_another_number() -> None:
    # The bug this corpus found: a form feed is whitespace to Python's tokenizer but a
    # line break to str.splitlines, so literals after it were read at the wrong offset
    # and "(3\f\n+ 45)" evaluated to 7. Line breaks Python knows still work.
    with pytest.raises(kinerja.FormulaError, match="control character"):
        kinerja.compile_formula("(3\f\n+ 45)", [])
    for text in ("(3\n+ 45)", "(3\r\n+ 45)", "(3\r+ 45)", "(3\t+\n\t45)"):
        assert kinerja.compile_formula(text, []).evaluate({}) == 48, repr(text)


def test_columns_count_from_the_start_of_the_formula_on_every_line() -> None:
    with pytest.raises(kinerja.FormulaError) as caught:
        kinerja.compile_formula("(a +\n b.real)", ["a", "b"])
    assert caught.value.column == 6  # the 'b' of b.real, counted over the whole text
    with pytest.raises(kinerja.FormulaError) as caught:
        kinerja.compile_formula("  a +", ["a"])
    assert caught.value.expression == "a +"  # the column refers to the text shown


# ------------------------------------------------------------------ docs/security.md

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def test_security_doc_python_blocks_run(monkeypatch: pytest.MonkeyPatch) -> None:
    text = SECURITY.read_text(encoding="utf-8")
    blocks = [body for lang, body in _FENCE.findall(text) if lang == "python"]
    assert blocks, "no python blocks in docs/security.md"
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "docs.security"}
    for index, block in enumerate(blocks):
        code = compile(block, f"security.md python block {index + 1}", "exec")
        try:
            exec(code, namespace)
        except Exception as error:  # pragma: no cover - the message is the point
            pytest.fail(f"security.md, python block {index + 1} failed: {error!r}\n\n{block}")
    assert os.getcwd() == str(ROOT)


def test_security_doc_states_the_current_limits() -> None:
    text = SECURITY.read_text(encoding="utf-8")
    engine = kinerja.FormulaEngine()
    for limit in ("max_length", "max_depth", "max_nodes", "max_exponent", "max_literal_length"):
        row = re.search(rf"^\| `{limit}` \| (\d[\d_,]*) \|", text, re.MULTILINE)
        assert row, f"docs/security.md has no table row for {limit}"
        assert int(row.group(1).replace(",", "").replace("_", "")) == getattr(engine, limit)
    from kinerja._numbers import MAX_INPUT_DIGITS

    assert f"{MAX_INPUT_DIGITS} digits" in text
