"""Known simpleeval escape payloads: every one is refused at compile and nothing runs.

Each payload must raise :class:`kinerja.FormulaError` (never SyntaxError, RecursionError,
MemoryError, ValueError, ...), quickly, with the default engine and with engines whose
length, size or depth limits are lifted (so that the allow-list itself, not only a limit,
refuses it). While the tests run, process-, file- and eval-level functions are replaced
by sentinels that raise :class:`EscapeExecutedError` (a BaseException, so no ``except
Exception`` in the library can swallow it) and record the call.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import os
import shutil
import socket
import subprocess
import time
import types
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

import kinerja
from kinerja._units import known_units, registry

NAMES = ["a", "x", "q", "s"]


class EscapeExecutedError(BaseException):
    """Raised by a sentinel: something outside the allow-list ran."""


class Sentinels:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def trap(self, label: str) -> Callable[..., Any]:
        def sentinel(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(f"{label}{args!r:.80}")
            raise EscapeExecutedError(label)

        return sentinel


FORBIDDEN_IMPORTS = {"os", "subprocess", "shutil", "socket", "ctypes", "pty", "posix", "sys"}


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    # Build the unit registry before open() is trapped (it reads units.txt once).
    registry()
    known_units()
    kinerja.compile_formula("a / x * 100", ["a", "x"], units={"a": "person", "x": "person"})


@pytest.fixture(autouse=True)
def sentinels(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sentinels]:
    record = Sentinels()
    for module, names in (
        (
            os,
            [
                "system",
                "popen",
                "execv",
                "execve",
                "execvp",
                "spawnv",
                "fork",
                "remove",
                "unlink",
                "rmdir",
                "kill",
            ],
        ),
        (subprocess, ["Popen", "run", "call", "check_output"]),
        (shutil, ["rmtree"]),
        (socket, ["socket"]),
        (io, ["open"]),
        (builtins, ["open", "eval", "exec", "breakpoint", "input"]),
    ):
        for name in names:
            if hasattr(module, name):
                monkeypatch.setattr(module, name, record.trap(f"{module.__name__}.{name}"))
    real_import = builtins.__import__

    def guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".", maxsplit=1)[0] in FORBIDDEN_IMPORTS:
            record.calls.append(f"import {name}")
            raise EscapeExecutedError(f"import {name}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    yield record
    assert record.calls == [], f"something outside the allow-list ran: {record.calls}"


ALL_ENGINES = ("default", "long", "large", "unbounded")
BOUNDED_DEPTH = ("default", "long", "large")  # valid formulas, refused for their depth


class Payload(NamedTuple):
    id: str
    text: str
    engines: tuple[str, ...] = ALL_ENGINES  # the engines that must refuse it


def deep(opening: str, core: str, closing: str, levels: int) -> str:
    return opening * levels + core + closing * levels


PAYLOADS = [
    # attribute and dunder walks
    Payload("subclasses-walk", "().__class__.__bases__[0].__subclasses__()"),
    Payload("mro", "a.__class__.__mro__"),
    Payload("int-class", "(1).__class__"),
    Payload("globals-attr", "x.__globals__"),
    Payload("dict-attr", "a.__dict__"),
    Payload("real-attr", "a.real"),
    Payload("list-class", "[].__class__"),
    Payload("dict-class", "{}.__class__"),
    Payload(
        "os-through-globals",
        "a.__class__.__base__.__subclasses__()[-1].__init__.__globals__['sys']"
        ".modules['os'].system('id')",
    ),
    Payload("numpy-method", "a.tofile('/tmp/kinerja-escape')"),
    Payload("pint-method", "q.ito('m')"),
    # generator frames
    Payload("generator-frame", "(x for x in ()).gi_frame.f_back.f_globals"),
    Payload("generator", "(x for x in (1, 2))"),
    # format tricks and f-strings
    Payload("format-method", "'{0.__class__}'.format(a)"),
    Payload("fstring-dunder", "f'{a.__class__}'"),
    Payload("fstring", "f'{a}'"),
    Payload("percent-format", "'%s' % a"),
    Payload("string", "'a' * 3"),
    Payload("bytes", "b'x'"),
    # builtins and modules
    Payload("import-os", "__import__('os').system('id')"),
    Payload("open-read", "open('/etc/passwd').read()"),
    Payload("eval", "eval('1')"),
    Payload("exec", "exec('import os')"),
    Payload("getattr", "getattr(a, 'x')"),
    Payload("setattr", "setattr(a, 'x', 1)"),
    Payload("type", "type(a)"),
    Payload("compile", "compile('1', 'f', 'eval')"),
    Payload("globals", "globals()"),
    Payload("locals", "locals()"),
    Payload("vars", "vars()"),
    Payload("dir", "dir()"),
    Payload("operator-attrgetter", "operator.attrgetter('__class__')(a)"),
    Payload("os-popen", "os.popen('id').read()"),
    Payload("os-system", "os.system('id')"),
    Payload("subprocess", "subprocess.Popen('id')"),
    Payload("builtins-name", "__builtins__"),
    Payload("builtins-subscript", "__builtins__['eval']('1')"),
    Payload("import-name", "__import__"),
    Payload("dunder-name", "__class__"),
    Payload("underscore-name", "_"),
    Payload("undeclared-os", "os"),
    Payload("print", "print('x')"),
    Payload("breakpoint", "breakpoint()"),
    Payload("input", "input()"),
    Payload("super", "super()"),
    Payload("memoryview", "memoryview(b'x')"),
    Payload("dict-call", "dict(a=1)"),
    Payload("float-nan", "float('nan')"),
    Payload("hidden-in-where", "where(a > 0, a, os.system('id'))"),
    Payload("hidden-in-branch", "a if a > 0 else __import__('os')"),
    Payload("import-statement", "import os"),
    Payload("statement-after", "a; __import__('os').system('id')"),
    Payload("newline-statement", "a\n__import__('os').system('id')"),
    # lambdas, comprehensions, walrus, starred, keywords, containers
    Payload("lambda", "lambda: 1"),
    Payload("lambda-call", "(lambda: os.system('id'))()"),
    Payload("list-comprehension", "[x for x in (1, 2)]"),
    Payload("dict-comprehension", "{x: 1 for x in (1,)}"),
    Payload("set-comprehension", "{x for x in (1,)}"),
    Payload("walrus", "(y := 1)"),
    Payload("walrus-in-call", "sum((y := a), y)"),
    Payload("starred", "sum(*a)"),
    Payload("double-starred", "sum(**a)"),
    Payload("keyword", "round(a, ndigits=2)"),
    Payload("keyword-key", "max(a, key=abs)"),
    Payload("subscript", "a[0]"),
    Payload("slice", "a[::-1]"),
    Payload("tuple", "(a, x)"),
    Payload("list", "[a]"),
    Payload("set", "{a}"),
    Payload("dict", "{a: x}"),
    Payload("none", "None"),
    Payload("ellipsis", "..."),
    Payload("complex", "1j"),
    Payload("await", "await a"),
    Payload("yield", "(yield a)"),
    # refused operators
    Payload("matmul", "a @ a"),
    Payload("floordiv", "a // a"),
    Payload("mod", "a % a"),
    Payload("shift", "a << 1"),
    Payload("invert", "~a"),
    Payload("bitand", "a & a"),
    Payload("in", "where(a in x, 1, 0)"),
    Payload("is", "where(a is x, 1, 0)"),
    # huge powers
    Payload("power-tower", "9**9**9"),
    Payload("power-2-1000", "2**1000"),
    Payload("power-a-99999", "a**99999"),
    Payload("power-negative", "a ** -99999"),
    Payload("power-tower-a", "a**4**4"),
    Payload("power-10-10-10", "10 ** 10 ** 10"),
    Payload("power-3999999", "3999999**3999999"),
    Payload("power-float", "a ** 0.5"),
    Payload("power-name", "a ** x"),
    Payload("power-bool", "a ** True"),
    # nesting and size
    Payload("unary-1000", deep("-(", "a", ")", 1000)),
    Payload("parens-500", deep("(", "a", ")", 500)),
    Payload("sum-5000", "+".join(["a"] * 5000)),
    Payload("unary-5000", "-" * 5000 + "a"),
    Payload("not-1000", "where(" + "not " * 1000 + "a > 0, 1, 0)"),
    Payload("abs-70", deep("abs(", "a", ")", 70), BOUNDED_DEPTH),
    Payload("where-70", deep("where(a > 0, ", "a", ", 0)", 70), BOUNDED_DEPTH),
    Payload("sum-300", "a + " * 300 + "a", BOUNDED_DEPTH),
    Payload("long-whitespace", " " * 2000 + "a", ("default",)),
    Payload("long-literal-run", "1" * 1001),
    # huge literals
    Payload("exponent-literal", "1e999999"),
    Payload("negative-exponent-literal", "1e-999999"),
    Payload("digits-5000", "1" + "0" * 4999),
    Payload("digits-41", "1" + "0" * 40),
    Payload("hex-literal", "0x" + "f" * 100),
    Payload("hex-small", "0x10"),
    # odd characters
    Payload("null-byte", "a\x00"),
    Payload("only-null", "\x00"),
    Payload("null-in-string", "'\x00'"),
    Payload("latin-identifier", "é + 1"),
    Payload("cyrillic-identifier", "а + 1"),
    Payload("zero-width-space", "a\u200b + 1"),
    Payload("line-separator", "a\u2028+ 1"),
    Payload("empty", ""),
    Payload("blank", " \n\t "),
]

# Calls of something that is not a function name: the checker refuses them at compile
# time (only a name from the function table can be called), and the second test shows
# that nothing in them would run even if a checker let one through.
NON_NAME_CALLEES = [
    Payload("constant-callee", "(1)(__import__('os').system('id'))"),
    Payload("expression-callee", "(a + 1)(open('/etc/passwd').read())"),
    Payload("branch-callee", "(a if a > 0 else x)(().__class__.__subclasses__())"),
    Payload("call-callee", "where(a > 0, a, x)(os.popen('id'))"),
    Payload("keyword-callee", "(1)(a, key=os.system)"),
]

# Python's parser folds these (NFKC) to the ASCII name 'a', a declared input.
NFKC_IDENTIFIERS = [
    Payload("fullwidth-identifier", "ａ + 1"),
    Payload("math-bold-identifier", "𝐚 + 1"),
]

DEFAULT = kinerja.FormulaEngine()
# Limits lifted one at a time, so the allow-list, not just one limit, must refuse each.
LONG = kinerja.FormulaEngine(max_length=10_000_000)
LARGE = kinerja.FormulaEngine(max_length=10_000_000, max_nodes=10_000_000)
UNBOUNDED = kinerja.FormulaEngine(max_length=10_000_000, max_nodes=10_000_000, max_depth=10_000_000)
ENGINES = {"default": DEFAULT, "long": LONG, "large": LARGE, "unbounded": UNBOUNDED}


def compile_time(engine: kinerja.FormulaEngine, text: str) -> float:
    """Best of five compile times; each compile must raise FormulaError."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        with pytest.raises(kinerja.FormulaError) as caught:
            engine.compile(text, NAMES)
        best = min(best, time.perf_counter() - start)
        # not SyntaxError, RecursionError, MemoryError, ValueError (or a subclass)
        assert type(caught.value) in (kinerja.FormulaError, kinerja.UnitError)
        assert isinstance(caught.value.reason, str) and caught.value.reason
    return best


def cases() -> Iterator[Any]:
    for payload in PAYLOADS:
        for label, engine in ENGINES.items():
            if label not in payload.engines:
                continue
            yield pytest.param(engine, payload.text, id=f"{payload.id}-{label}")


@pytest.mark.parametrize(("engine", "text"), list(cases()))
def test_payload_is_refused_quickly(
    engine: kinerja.FormulaEngine, text: str, sentinels: Sentinels
) -> None:
    assert compile_time(engine, text) < 0.05


@pytest.mark.parametrize("text", [p.text for p in PAYLOADS], ids=[p.id for p in PAYLOADS])
def test_payload_is_refused_with_units_too(text: str) -> None:
    with pytest.raises(kinerja.FormulaError):
        kinerja.compile_formula(text, NAMES, units=dict.fromkeys(NAMES, "person"), unit="person")


def test_long_whitespace_compiles_when_the_length_limit_is_lifted() -> None:
    # The one payload refused only by max_length: a formula, just a very padded one.
    assert LONG.compile(" " * 2000 + "a", NAMES).evaluate({"a": 1}) == 1


@pytest.mark.parametrize(
    "text", [p.text for p in NON_NAME_CALLEES], ids=[p.id for p in NON_NAME_CALLEES]
)
def test_non_name_callee_is_refused(text: str) -> None:
    compile_time(DEFAULT, text)


@pytest.mark.parametrize(
    "text", [p.text for p in NON_NAME_CALLEES], ids=[p.id for p in NON_NAME_CALLEES]
)
def test_non_name_callee_never_runs(text: str, sentinels: Sentinels) -> None:
    # Whatever the checker does with it, evaluating it (or checking its units) runs
    # nothing: the sentinel fixture fails the test if the payload got anywhere.
    try:
        formula = kinerja.compile_formula(text, NAMES)
    except kinerja.FormulaError:
        return
    with pytest.raises(Exception) as caught:
        formula.evaluate(dict.fromkeys(NAMES, 1))
    assert not isinstance(caught.value, EscapeExecutedError)
    with pytest.raises(kinerja.FormulaError):
        kinerja.compile_formula(text, NAMES, units=dict.fromkeys(NAMES, "person"))


@pytest.mark.parametrize(
    "text", [p.text for p in NFKC_IDENTIFIERS], ids=[p.id for p in NFKC_IDENTIFIERS]
)
def test_non_ascii_identifier_is_refused(text: str) -> None:
    compile_time(DEFAULT, text)


@pytest.mark.parametrize("count", [390, 450])  # 450 is refused (max_nodes), after the work
def test_compile_work_is_linear_in_the_text(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted, not timed, so that the result does not depend on the machine's speed.
    split = getattr(ast, "_splitlines_no_ff", None)
    if split is None:
        pytest.skip("this Python's ast has no _splitlines_no_ff to count")
    scanned: list[int] = []

    def counting(source: str, *args: Any, **kwargs: Any) -> Any:
        scanned.append(len(source))
        return split(source, *args, **kwargs)

    monkeypatch.setattr(ast, "_splitlines_no_ff", counting)
    text = "min(" + ",".join(["1"] * count) + ")"
    assert len(text) <= DEFAULT.max_length
    with contextlib.suppress(kinerja.FormulaError):
        DEFAULT.compile(text, NAMES)
    assert sum(scanned) <= 2 * len(text), f"{sum(scanned)} characters scanned"


# ------------------------------------------------------------------ values through names


def test_an_undeclared_name_is_refused() -> None:
    for text in ("os", "os.system('id')", "a + os", "sys", "builtins"):
        with pytest.raises(kinerja.FormulaError):
            kinerja.compile_formula(text, ["a"])


def test_names_that_could_shadow_the_language_cannot_be_declared() -> None:
    for name in ("__import__", "_private", "sum", "where", "None", "lambda", "a.b", "é"):
        with pytest.raises(kinerja.FormulaError):
            kinerja.compile_formula("1", [name])


class Trap:
    """A value that records any use of it as a number, callable or attribute holder."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.used.append(f"getattr {name}")
        raise AttributeError(name)

    def _record(self, label: str) -> Callable[..., Any]:
        def use(*_: Any) -> Any:
            self.used.append(label)
            raise EscapeExecutedError(label)

        return use

    def __call__(self, *args: Any) -> Any:
        return self._record("call")()

    def __add__(self, other: Any) -> Any:
        return self._record("add")()

    __radd__ = __add__

    def __mul__(self, other: Any) -> Any:
        return self._record("mul")()

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        return self._record("div")()

    __rtruediv__ = __truediv__

    def __float__(self) -> float:
        return self._record("float")()  # type: ignore[no-any-return]

    def __int__(self) -> int:
        return self._record("int")()  # type: ignore[no-any-return]

    def __index__(self) -> int:
        return self._record("index")()  # type: ignore[no-any-return]

    def __bool__(self) -> bool:
        return self._record("bool")()  # type: ignore[no-any-return]

    def __iter__(self) -> Any:
        return self._record("iter")()


def values_that_are_not_numbers() -> Iterator[Any]:
    yield pytest.param(os, id="module-os")
    yield pytest.param(types.ModuleType("fake"), id="module")
    yield pytest.param(os.system, id="function")
    yield pytest.param(print, id="builtin")
    yield pytest.param("__import__('os').system('id')", id="code-text")
    yield pytest.param("1e999999999", id="overflowing-text")
    for special in ("NaN", "Infinity", "-Infinity"):
        yield pytest.param(
            Decimal(special),
            id=f"decimal-{special.lower()}",
        )
    yield pytest.param(True, id="bool")
    yield pytest.param(None, id="none")
    yield pytest.param({"__class__": 1}, id="dict")
    yield pytest.param(b"1", id="bytes")
    yield pytest.param(1j, id="complex")
    yield pytest.param(object(), id="object")


@pytest.mark.parametrize("value", list(values_that_are_not_numbers()))
def test_a_declared_name_with_a_non_number_value_is_refused_at_evaluate(
    value: Any, sentinels: Sentinels
) -> None:
    formula = kinerja.compile_formula("a / 2 + 1", ["a"])
    with pytest.raises(kinerja.EvaluationError):
        formula.evaluate({"a": value})
    series = kinerja.compile_formula("sum(a)", {"a": "m"})
    with pytest.raises(kinerja.EvaluationError):
        series.evaluate({"a": [1, value]})


def test_a_trap_value_is_never_used() -> None:
    trap = Trap()
    formula = kinerja.compile_formula("a * 2 + a / 3", ["a"])
    with pytest.raises(kinerja.EvaluationError):
        formula.evaluate({"a": trap})
    with pytest.raises(kinerja.EvaluationError):
        kinerja.compile_formula("sum(a)", {"a": "m"}).evaluate({"a": [trap]})
    assert trap.used == []


def test_sentinels_are_live(sentinels: Sentinels) -> None:
    # The fixture really replaces the functions a payload would need.
    with pytest.raises(EscapeExecutedError):
        os.system("true")
    with pytest.raises(EscapeExecutedError), builtins.open("/etc/passwd"):
        pass
    with pytest.raises(EscapeExecutedError):
        subprocess.Popen(["true"])
    assert len(sentinels.calls) == 3
    sentinels.calls.clear()
