"""Kernels: one generated Python function per compiled indicator, for the one-call path.

Why this exists: a full result through the general path costs about 120 Python calls
(simpleeval's dispatch, n/a propagation, group bookkeeping, frozen-object construction),
which keeps :meth:`Catalog.evaluate_indicator` near 40 µs. A kernel does the common case,
complete and clean inputs for one indicator, in straight-line code. For anything else (a
missing, unusual or negative input, a zero denominator, an n/a anywhere, a warning to
note, a value outside every band) it returns None and the caller takes the general path,
which alone words problems and notes. A kernel therefore adds speed and no behaviour of
its own; ``tests/test_kernel.py`` checks that both paths give equal results.

The formula part is one more backend of the checked tree: a table of emitters turns each
node into Python source. Scalar arithmetic becomes calls of the exact Decimal context's
own methods (what the exact backend's operators do inside that context); everything else
calls the exact backend's table functions, the same objects the general path calls. The
source holds only names the emitter makes up (``v0``, ``c0``, ``f0``), parentheses and
commas: no text from a definition reaches it, and every value it uses is bound by name.
"""

from __future__ import annotations

import ast
import decimal
import functools
import itertools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._achievement import against_target, published_achievement, status
from ._backends import EXACT as EXACT_BACKEND
from ._backends import EXACT_BOOLEAN
from ._bands import classify
from ._formula import COMPARE_SYMBOLS
from ._functions import FUNCTIONS
from ._numbers import (
    EXACT,
    INT_LIMIT,
    MAX_INPUT_DIGITS,
    ONLY_DECIMAL,
    ONLY_INT,
    exact_series,
    round_half_up,
    to_decimal,
    written_out_digits,
)
from ._results import (
    RESULT_DRAFT,
    SAMPLING_DRAFT,
    BandResult,
    IndicatorResult,
    Note,
    SamplingResult,
)
from ._units import is_count

if TYPE_CHECKING:
    from ._catalog import CompiledIndicator
    from ._formula import Formula
    from ._model import BandSet

Kernel = Callable[[Mapping[str, Any], int], IndicatorResult | None]

_ZERO = Decimal(0)
_ONE = Decimal(1)

# Scalar arithmetic: the exact context's methods are what the exact backend's operators
# compute inside that context, without entering it on every call. Not a power: the
# context gives 0 ** -1 as Infinity, where the exact backend says n/a.
_SCALAR_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: EXACT.add,
    ast.Sub: EXACT.subtract,
    ast.Mult: EXACT.multiply,
    ast.Div: EXACT.divide,
}
_SCALAR_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: EXACT.minus, ast.UAdd: EXACT.plus}

# A formula's kernel gives up (returns None) on these; the general path then decides.
GIVE_UP = (ArithmeticError, LookupError, TypeError, ValueError)


class NotTranslatedError(Exception):
    """A node the source emitter does not translate; the indicator keeps the general path."""


class _Source:
    """Python source for one checked tree, and the values its names stand for."""

    def __init__(self, arguments: Mapping[str, str], series: frozenset[str]) -> None:
        self.arguments = arguments  # input name -> argument name (v0, v1, ...)
        self.series = series  # input names that hold a series
        # Series inputs that some node reads as Decimals. The others are only operands of
        # the exact context's methods (element-wise arithmetic, sum, mean), which convert
        # ints exactly themselves: a series of ints may reach them unconverted.
        self.decimal_series: set[str] = set()
        self.bound: dict[str, Any] = {}  # made-up name -> value (constants, functions)
        self.needs_context = False  # a table function computes in the current context
        self._ids = itertools.count()

    def bind(self, value: Any, prefix: str) -> str:
        name = f"{prefix}{next(self._ids)}"
        self.bound[name] = value
        return name

    def table(self, function: Callable[..., Any], *args: str) -> str:
        # A call of one of the exact backend's own functions: same object, same semantics.
        self.needs_context = True
        return f"{self.bind(function, 'f')}({', '.join(args)})"

    def is_series(self, node: ast.AST) -> bool:
        # Whether the node's value is a series. A wrong answer only costs speed: the
        # element-wise helpers and the scalar methods raise on the other shape (give up).
        if isinstance(node, ast.Name):
            return node.id in self.series
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            spec = FUNCTIONS.get(node.func.id)
            if spec is not None and spec.shape == "reduce" and len(node.args) == 1:
                return False
        return any(self.is_series(child) for child in ast.iter_child_nodes(node))

    def emit(self, node: ast.AST) -> str:
        emitter = _EMITTERS.get(type(node))
        if emitter is None:
            raise NotTranslatedError(type(node).__name__)
        return emitter(self, node)

    def operand(self, node: ast.AST) -> str:
        # An operand of the exact context's methods: a series input may stay ints here.
        if isinstance(node, ast.Name) and node.id in self.series:
            return _name(self, node, as_decimals=False)
        return self.emit(node)


def _binop(source: _Source, node: ast.BinOp) -> str:
    scalar = _SCALAR_BINARY.get(type(node.op))
    if scalar is None:
        left, right = source.emit(node.left), source.emit(node.right)
        return source.table(EXACT_BACKEND.operators[type(node.op)], left, right)
    operation = source.bind(scalar, "f")
    shape = (source.is_series(node.left), source.is_series(node.right))
    if shape == (False, False):
        return f"{operation}({source.emit(node.left)}, {source.emit(node.right)})"
    left, right = source.operand(node.left), source.operand(node.right)
    return f"{source.bind(_ELEMENTWISE[shape], 'f')}({operation}, {left}, {right})"


# Element-wise arithmetic with the exact context's methods, a scalar broadcast: what the
# exact backend's lifted operators do, in C loops (map) instead of a call per element.
# Series of different lengths (n/a on the general path) give up.
def _each_pair(operation: Callable[[Any, Any], Any], a: Any, b: Any) -> tuple[Any, ...]:
    if len(a) != len(b):
        raise ValueError("series of different lengths")
    return tuple(map(operation, a, b))


def _each_left(operation: Callable[[Any, Any], Any], a: Any, b: Any) -> tuple[Any, ...]:
    return tuple(map(operation, a, itertools.repeat(b, len(a))))


def _each_right(operation: Callable[[Any, Any], Any], a: Any, b: Any) -> tuple[Any, ...]:
    return tuple(map(operation, itertools.repeat(a, len(b)), b))


_ELEMENTWISE = {(True, True): _each_pair, (True, False): _each_left, (False, True): _each_right}


def _unaryop(source: _Source, node: ast.UnaryOp) -> str:
    operand = source.emit(node.operand)
    scalar = _SCALAR_UNARY.get(type(node.op))
    if scalar is None or source.is_series(node.operand):
        return source.table(EXACT_BACKEND.operators[type(node.op)], operand)
    return f"{source.bind(scalar, 'f')}({operand})"


def _compare(source: _Source, node: ast.Compare) -> str:
    # A chain (a < b < c) evaluates every side and combines with n/a rules; not worth it.
    if len(node.ops) != 1:
        raise NotTranslatedError("chained comparison")
    left, right = source.emit(node.left), source.emit(node.comparators[0])
    if source.is_series(node):
        return source.table(EXACT_BACKEND.operators[type(node.ops[0])], left, right)
    return f"({left} {COMPARE_SYMBOLS[type(node.ops[0])]} {right})"


def _boolop(source: _Source, node: ast.BoolOp) -> str:
    # Every operand is evaluated, then folded from the left, as the exact backend does.
    combine = EXACT_BOOLEAN[type(node.op)]
    values = [source.emit(v) for v in node.values]
    folded = values[0]
    for value in values[1:]:
        folded = source.table(combine, folded, value)
    return folded


def _ifexp(source: _Source, node: ast.IfExp) -> str:
    # Lazy like the exact backend; an n/a test has no truth value and gives up.
    test, body, orelse = source.emit(node.test), source.emit(node.body), source.emit(node.orelse)
    return f"({body} if {test} else {orelse})"


def _call(source: _Source, node: ast.Call) -> str:
    func = node.func
    if not isinstance(func, ast.Name) or node.keywords or func.id not in EXACT_BACKEND.functions:
        raise NotTranslatedError("call")
    reduction = _SERIES_REDUCTIONS.get(func.id)
    if reduction is not None and len(node.args) == 1 and source.is_series(node.args[0]):
        return f"{source.bind(reduction, 'f')}({source.operand(node.args[0])})"
    folded = _SCALAR_REDUCTIONS.get(func.id)
    if folded is not None and len(node.args) > 1 and not any(map(source.is_series, node.args)):
        return f"{source.bind(folded, 'f')}({', '.join(source.emit(a) for a in node.args)})"
    return source.table(EXACT_BACKEND.functions[func.id], *[source.emit(a) for a in node.args])


# sum and mean of one series with the exact context's methods: the exact backend's
# left fold from Decimal(0) in that context, without entering it. An n/a element (a
# TypeError here) or an empty mean (0 / 0, InvalidOperation; n/a there) gives up.
def _series_sum(values: tuple[Any, ...]) -> Decimal:
    total: Decimal = functools.reduce(EXACT.add, values, _ZERO)
    return total


def _series_mean(values: tuple[Any, ...]) -> Decimal:
    return EXACT.divide(functools.reduce(EXACT.add, values, _ZERO), len(values))


_SERIES_REDUCTIONS: dict[str, Callable[[tuple[Any, ...]], Decimal]] = {
    "sum": _series_sum,
    "mean": _series_mean,
}


# sum and mean of several scalars: the exact backend's left fold of the arguments (from
# the first, not from 0), and the division by their count, in that context.
def _scalar_sum(*values: Any) -> Decimal:
    total: Decimal = functools.reduce(EXACT.add, values)
    return total


def _scalar_mean(*values: Any) -> Decimal:
    return EXACT.divide(functools.reduce(EXACT.add, values), len(values))


_SCALAR_REDUCTIONS: dict[str, Callable[..., Decimal]] = {"sum": _scalar_sum, "mean": _scalar_mean}


def _name(source: _Source, node: ast.Name, *, as_decimals: bool = True) -> str:
    found = source.arguments.get(node.id)
    if found is None:
        raise NotTranslatedError(f"name {node.id!r}")
    if as_decimals and node.id in source.series:
        source.decimal_series.add(node.id)
    return found


def _constant(source: _Source, node: ast.Constant) -> str:
    value: Any = node.value
    if type(value) is not Decimal and type(value) is not bool:
        raise NotTranslatedError("constant")
    return source.bind(value, "c")


_EMITTERS: dict[type, Callable[[_Source, Any], str]] = {
    ast.BinOp: _binop,
    ast.UnaryOp: _unaryop,
    ast.Compare: _compare,
    ast.BoolOp: _boolop,
    ast.IfExp: _ifexp,
    ast.Call: _call,
    ast.Name: _name,
    ast.Constant: _constant,
}


def python_function(
    formula: Formula, arguments: Mapping[str, str], series: frozenset[str] = frozenset()
) -> tuple[Callable[..., Any], bool]:
    """The formula as a Python function of the named arguments, and whether it needs the
    exact context entered (it calls table functions that compute in the current context).

    The function takes Decimals (tuples of them for series inputs) in the order of
    ``arguments``; it raises a decimal signal on a zero denominator or an invalid
    operation, where the general path gives n/a.

    Raises:
        NotTranslatedError: the tree holds something the emitter leaves to the general path.
    """
    source = _Source(arguments, series)
    body = source.emit(formula.tree)
    function: Callable[..., Any] = _define(
        "formula", list(arguments.values()), [f"return {body}"], source.bound
    )
    return function, source.needs_context


def _define(name: str, parameters: list[str], body: list[str], bound: Mapping[str, Any]) -> Any:
    """Define a function from lines of made-up source. ``bound`` values reach it as closure
    variables (no per-call cost, unlike keyword defaults); it sees no builtins."""
    lines = [
        f"def make({', '.join(bound)}):",
        f"    def {name}({', '.join(parameters)}):",
        *(f"        {line}" for line in body),
        f"    return {name}",
    ]
    scope: dict[str, Any] = {"__builtins__": {}}
    # Made-up names only (see the module docstring): no definition text is executed.
    exec(compile("\n".join(lines) + "\n", "<kinerja kernel>", "exec"), scope)
    return scope["make"](**bound)


def _no_target_notes(
    cache: dict[int, tuple[Note, ...]], year: int, last_notes: tuple[Note, ...]
) -> tuple[Note, ...]:
    # Notes are frozen, so a year's notes are made once (for a bounded number of years).
    notes = (Note(f"no target for {year}"), *last_notes)
    if len(cache) < 64:
        cache[year] = notes
    return notes


# How a kernel reads each kind of input (arg stands for v0, v1, ...). Whatever the
# general path would refuse, warn about or read differently gives up here.
_READ_NUMBER = """\
t = type({arg})
if t is Decimal:
    {whole_shortcut}if not {arg}.is_finite() or not ({short}) and written_out({arg}) > DIGITS{whole_decimal}:
        return None
elif t is int:
    if {arg} {int_low} or {arg} >= LIMIT:
        return None
    {arg} = Decimal({arg})
else:
    {arg} = to_decimal({arg})
    if {whole_other}:
        return None"""
_WHOLE = " or {arg} < ZERO or {arg} != {arg}.to_integral_value()"
# For a count: a Decimal with exponent 0 (how whole numbers usually come) is finite and
# whole, and has adjusted() + 1 digits; only its sign and size are left to test.
_WHOLE_SHORTCUT = """if {arg}.same_quantum(ONE):
        if {arg} < ZERO or {arg}.adjusted() >= DIGITS:
            return None
    el"""
# A cheap sufficient test for "at most DIGITS digits written out" (written_out decides
# otherwise): in plain notation the text has at least as many characters as digits, and
# -7 < adjusted() < DIGITS rules out the notations where it has fewer.
_SHORT = "-7 < {arg}.adjusted() < DIGITS and len(str({arg})) <= DIGITS"
# A series: tuples (or lists) of one number type take a fast path of C loops (map, min,
# max) that accepts only what the slow, per-element path below it accepts, unchanged;
# anything else takes the slow path, which decides.
_READ_SERIES = """\
if type({arg}) is not tuple:
    if type({arg}) is not list:
        return None
    {arg} = tuple({arg})
{fast}
else:
    {arg} = tuple([x if type(x) is Decimal and x.is_finite() and ({short_x} or written_out(x) <= DIGITS) \
else Decimal(x) if type(x) is int and -LIMIT < x < LIMIT else to_decimal(x) for x in {arg}])"""
_SERIES_FAST = {
    # Counts: exponent 0 (finite and whole), not negative, the largest within DIGITS digits.
    True: """\
kinds = set(map(type, {arg}))
if kinds == ONLY_DECIMAL and all(map(same_quantum, {arg}, repeat(ONE))) and min({arg}) >= ZERO \
and max({arg}).adjusted() < DIGITS:
    pass
elif kinds == ONLY_INT and min({arg}) >= 0 and max({arg}) < LIMIT:
    {ints}""",
    # Other numbers: what Formula.evaluate reads in bulk too.
    False: """\
fast = exact_series({arg}, keep_ints={keep_ints})
if fast is not None:
    {arg} = fast""",
}
# What becomes of a count series of ints that passed: Decimals where a node needs them
# (the table functions are written for Decimals), else the ints themselves (see
# _Source.operand); exact_series' keep_ints does the same for other series.
_SERIES_INTS = {True: "{arg} = tuple(map(Decimal, {arg}))", False: "pass"}
_SERIES_WHOLE = """
    for x in {arg}:
        if x < ZERO or x != x.to_integral_value():
            return None"""

_ACHIEVEMENT = """\
target = targets.get(year)
if target is None:
    achieved = None
    notes = no_target.get(year) or no_target_notes(no_target, year, last_notes)
else:
    notes = last_notes
    if type(target) is Decimal and target > ZERO:
        achieved = round_half_up(against_target(exact, target), 2)
    else:
        achieved = published_achievement(exact, target, polarity)
        if achieved is None:
            return None"""
_BAND = """\
hit = classify(band_set, rounded)
if hit is None:
    return None
band = band_results[id(hit)]"""
_SAMPLING = """\
n = {sample}
population = {population}
if n <= ZERO or n > population:
    return None
proportion = divide(exact, {factor})
if not ZERO <= proportion <= ONE:
    return None
drawn = SAMPLING_DRAFT(n, population, divide(n, population), decimals, proportion, {factor}, None)
drawn.__class__ = SAMPLING"""
_RESULT = """\
made = RESULT_DRAFT(ident, name, unit, decimals, year, goal, rounded, exact, target, \
achieved, status(achieved), {}, drawn, band, notes, file, COMPUTED, year)
made.__class__ = RESULT
return made"""


def kernel_for(entry: CompiledIndicator, band_sets: Mapping[str, BandSet]) -> Kernel | None:
    """A kernel for one compiled indicator, or None if it keeps the general path only.

    The kernel takes the inputs mapping of :meth:`Catalog.evaluate_indicator` and the
    year, and returns the result, or None whenever the general path must decide.
    """
    from ._catalog import _is_percent  # the general path's own test (imported late: a cycle)

    definition = entry.definition
    declared = definition.inputs
    arguments = {name: f"v{index}" for index, name in enumerate(declared)}
    series = frozenset(name for name, spec in declared.items() if spec.over is not None)
    source = _Source(arguments, series)
    try:
        if entry.numerator is not None and entry.denominator is not None:
            compute = [
                f"num = {source.emit(entry.numerator.tree)}",
                f"den = {source.emit(entry.denominator.tree)}",
            ]
            if entry.same_unit_ratio and _is_percent(entry):
                compute.append("if num > den:")  # the general path words the warning
                compute.append("    return None")
            factor = source.bind(entry.factor, "c")
            compute.append(f"exact = multiply(divide(num, den), {factor})")
        else:
            compute = [f"exact = {source.emit(entry.formula.tree)}"]
    except NotTranslatedError:
        return None

    # Inside the try: inputs that are no mapping give up too (the general path says why).
    body = ["try:", f"    if len(inputs) != {len(declared):d}:", "        return None"]
    reading = [f"{arg} = inputs[{source.bind(name, 'k')}]" for name, arg in arguments.items()]
    for name, spec in declared.items():
        arg = arguments[name]
        whole = spec.indicator is None and spec.unit is not None and is_count(spec.unit)
        if spec.over is not None:
            reading.append(
                _READ_SERIES.format(
                    arg=arg,
                    short_x=_SHORT.format(arg="x"),
                    fast=_SERIES_FAST[whole].format(
                        arg=arg,
                        ints=_SERIES_INTS[name in source.decimal_series].format(arg=arg),
                        keep_ints=name not in source.decimal_series,
                    ),
                )
                + (_SERIES_WHOLE.format(arg=arg) if whole else "")
            )
            continue
        reading.append(
            _READ_NUMBER.format(
                arg=arg,
                whole_decimal=_WHOLE.format(arg=arg) if whole else "",
                whole_shortcut=_WHOLE_SHORTCUT.format(arg=arg) if whole else "",
                int_low="< 0" if whole else "<= -LIMIT",
                whole_other=_WHOLE.format(arg=arg)[4:] if whole else "False",
                short=_SHORT.format(arg=arg),
            )
        )
    if source.needs_context:
        reading.append("with localcontext(EXACT):")
        reading.extend(f"    {line}" for line in compute)
    else:
        reading.extend(compute)
    # A value too large to publish exactly (see too_many_digits) is the general path's.
    top = EXACT.prec - 1 - definition.decimals
    reading.append(
        f"if type(exact) is not Decimal or not exact.is_finite() or exact.adjusted() > {top:d}:"
    )
    reading.append("    return None")
    reading.append("rounded = round_half_up(exact, decimals)")
    reading.append(_ACHIEVEMENT)
    reading.append("band = None")
    if definition.bands is not None:
        reading.append(_BAND)
    reading.append("drawn = None")
    sampling = definition.sampling
    if sampling is not None:
        reading.append(
            _SAMPLING.format(
                sample=arguments[sampling.sample],
                population=arguments[sampling.population],
                factor=source.bind(entry.factor, "c"),
            )
        )
    reading.append(_RESULT)
    body.extend(f"    {line}" for text in reading for line in text.splitlines())
    body.extend(["except GIVE_UP:", "    return None"])

    band_set = band_sets[definition.bands] if definition.bands is not None else None
    fixed: dict[str, Any] = {
        # The kernel sees no builtins; these are the few it uses.
        "len": len,
        "str": str,
        "type": type,
        "id": id,
        "int": int,
        "list": list,
        "tuple": tuple,
        "set": set,
        "map": map,
        "all": all,
        "min": min,
        "max": max,
        "ONLY_DECIMAL": ONLY_DECIMAL,
        "ONLY_INT": ONLY_INT,
        "exact_series": exact_series,
        "Decimal": Decimal,
        "to_decimal": to_decimal,
        "written_out": written_out_digits,
        "DIGITS": MAX_INPUT_DIGITS,
        "LIMIT": INT_LIMIT,
        "ZERO": _ZERO,
        "ONE": _ONE,
        # The context's method parses its two arguments cheaper than Decimal.same_quantum.
        "same_quantum": EXACT.same_quantum,
        "repeat": itertools.repeat,
        "EXACT": EXACT,
        "COMPUTED": "computed",
        "GIVE_UP": GIVE_UP,
        "localcontext": decimal.localcontext,
        "multiply": EXACT.multiply,
        "divide": EXACT.divide,
        "targets": definition.targets,
        "polarity": definition.polarity,
        "published_achievement": published_achievement,
        # What published_achievement computes for a non-zero number target, in one call.
        "against_target": against_target(definition.polarity),
        "round_half_up": round_half_up,
        "status": status,
        "no_target": {},
        "no_target_notes": _no_target_notes,
        "last_notes": (Note(sampling.note),) if sampling is not None and sampling.note else (),
        "classify": classify,
        "band_set": band_set,
        "band_results": {id(b): BandResult(band_set.id, b.label, b.name) for b in band_set.bands}
        if band_set is not None
        else None,
        "RESULT_DRAFT": RESULT_DRAFT,
        "RESULT": IndicatorResult,
        "SAMPLING_DRAFT": SAMPLING_DRAFT,
        "SAMPLING": SamplingResult,
        "ident": definition.id,
        "name": definition.name,
        "unit": definition.unit,
        "decimals": definition.decimals,
        "goal": definition.goal,
        "file": entry.file,
    }
    kernel: Kernel = _define("kernel", ["inputs", "year"], body, {**fixed, **source.bound})
    return kernel
