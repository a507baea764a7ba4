"""Backends of the formula language: one simpleeval evaluator, different tables.

A checked formula tree is evaluated by :class:`Evaluator`, a ``simpleeval.SimpleEval``
whose operator, function and node tables come from a :class:`Backend`:

* ``EXACT``: Decimal scalars and tuples of Decimals (series); n/a propagates like SQL null.
* ``UNITS``: pint quantities, used once at load to infer and check a formula's unit.

simpleeval's default ``safe_*`` operators break on quantities and sequences, so every
backend brings its own operator table.
"""

from __future__ import annotations

import ast
import functools
import operator
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simpleeval import FeatureNotAvailable, NameNotDefined, SimpleEval

from ._numbers import round_half_up


class NotAvailable:
    """A value that does not exist (missing input, division by zero); it propagates.

    Any arithmetic or comparison with n/a is n/a, as SQL null does; ``coalesce`` and
    ``where`` are the ways around it.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"NotAvailable({self.reason!r})"

    def _same(self, *_: object) -> NotAvailable:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = _same
    __neg__ = __pos__ = __abs__ = _same

    def __bool__(self) -> bool:
        raise TypeError("n/a has no truth value")


def _zip(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """Apply a binary operation element-wise, broadcasting scalars."""
    if type(a) is tuple:
        if type(b) is tuple:
            if len(a) != len(b):
                return NotAvailable(f"series of different lengths ({len(a)} and {len(b)})")
            return tuple(map(op, a, b))
        return tuple(op(x, b) for x in a)
    return tuple(op(a, y) for y in b)


def _lift(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Make a scalar binary operation series-aware (the scalar path stays one type test)."""

    def apply(a: Any, b: Any) -> Any:
        if type(a) is tuple or type(b) is tuple:
            return _zip(op, a, b)
        return op(a, b)

    return apply


def _lift1(op: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(a: Any) -> Any:
        if type(a) is tuple:
            return tuple(map(op, a))
        return op(a)

    return apply


# ---------------------------------------------------------------- exact (Decimal) backend


def _divide(a: Any, b: Any) -> Any:
    # A zero denominator is "no value", never an exception or an infinity.
    if type(b) is Decimal and not b:
        return NotAvailable("division by zero")
    return a / b


def _power(a: Any, b: Any) -> Any:
    # The checker allows only small whole exponents; 0 ** -n has no value, 0 ** 0 is 1.
    if type(a) is Decimal and not a:
        if b < 0:
            return NotAvailable("division by zero (0 to a negative power)")
        if not b:
            return Decimal(1)
    return a**b


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if type(a) is NotAvailable:
            return a
        if type(b) is NotAvailable:
            return b
        return op(a, b)

    return apply


def _not(a: Any) -> Any:
    return a if type(a) is NotAvailable else not a


def _and(a: Any, b: Any) -> Any:
    if type(a) is NotAvailable:
        return a
    if type(b) is NotAvailable:
        return b
    return a and b


def _or(a: Any, b: Any) -> Any:
    if type(a) is NotAvailable:
        return a
    if type(b) is NotAvailable:
        return b
    return a or b


_ADD = _lift(operator.add)


def _first_missing(values: tuple[Any, ...]) -> NotAvailable | None:
    for value in values:
        if type(value) is NotAvailable:
            return value
    return None


def _exact_sum(*args: Any) -> Any:
    if len(args) == 1:
        (only,) = args
        if type(only) is tuple:
            # builtin sum: the same left fold with + from Decimal(0), in a C loop
            return sum(only, Decimal(0))
        return only
    return functools.reduce(_ADD, args)


def _exact_mean(*args: Any) -> Any:
    if len(args) == 1:
        (only,) = args
        if type(only) is tuple:
            if not only:
                return NotAvailable("mean of an empty series")
            return _exact_sum(only) / len(only)
        return only
    total = functools.reduce(_ADD, args)
    count = Decimal(len(args))
    return _lift1(lambda v: v / count)(total)


def _pick(choose: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def pairwise(a: Any, b: Any) -> Any:
        if type(a) is NotAvailable:
            return a
        if type(b) is NotAvailable:
            return b
        return choose(a, b)

    lifted = _lift(pairwise)

    def apply(*args: Any) -> Any:
        if len(args) == 1:
            (only,) = args
            if type(only) is tuple:
                if not only:
                    return NotAvailable("minimum or maximum of an empty series")
                missing = _first_missing(only)
                return missing if missing is not None else functools.reduce(pairwise, only)
            return only
        return functools.reduce(lifted, args)

    return apply


def _exact_round(value: Any, decimals: Any = Decimal(0)) -> Any:
    places = int(decimals)
    return _lift1(lambda v: v if type(v) is NotAvailable else round_half_up(v, places))(value)


def _coalesce2(a: Any, b: Any) -> Any:
    return b if type(a) is NotAvailable else a


def _exact_coalesce(*args: Any) -> Any:
    return functools.reduce(_lift(_coalesce2), args)


def _where1(condition: Any, a: Any, b: Any) -> Any:
    if type(condition) is NotAvailable:
        return condition
    return a if condition else b


def _exact_where(condition: Any, a: Any, b: Any) -> Any:
    if type(condition) is tuple or type(a) is tuple or type(b) is tuple:
        length = next(len(v) for v in (condition, a, b) if type(v) is tuple)
        columns = [v if type(v) is tuple else (v,) * length for v in (condition, a, b)]
        if any(len(c) != length for c in columns):
            return NotAvailable("series of different lengths in where()")
        return tuple(map(_where1, *columns))
    return _where1(condition, a, b)


def _exact_constant(ev: Evaluator, node: ast.Constant) -> Any:
    # The checker turned every number into a Decimal; anything else was never checked.
    value: Any = node.value
    if type(value) is Decimal or type(value) is bool:
        return value
    raise FeatureNotAvailable(f"the constant {value!r:.40} is not a checked number")


def _exact_ifexp(ev: Evaluator, node: ast.IfExp) -> Any:
    # Lazy like Python: only the chosen branch is evaluated.
    test = ev._eval(node.test)
    if type(test) is NotAvailable:
        return test
    return ev._eval(node.body) if test else ev._eval(node.orelse)


# How ``and`` / ``or`` combine two exact values (every operand is evaluated, then folded).
EXACT_BOOLEAN: dict[type, Callable[[Any, Any], Any]] = {ast.And: _lift(_and), ast.Or: _lift(_or)}


def _exact_boolop(ev: Evaluator, node: ast.BoolOp) -> Any:
    combine = EXACT_BOOLEAN[type(node.op)]
    return functools.reduce(combine, [ev._eval(v) for v in node.values])


def _chain_compare(ev: Evaluator, node: ast.Compare) -> Any:
    left = ev._eval(node.left)
    result: Any = True
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = ev._eval(comparator)
        outcome = ev.operators[type(op)](left, right)
        result = outcome if result is True else ev.operators[ast.And](result, outcome)
        left = right
    return result


# ---------------------------------------------------------------- unit (pint) backend


def _same_units(*args: Any) -> Any:
    # Adding the arguments is how pint checks that they share a dimension.
    functools.reduce(operator.add, args)
    return args[0]


def _units_compare(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    # A bare number is a threshold in the other side's unit ("pm > 5"); two quantities
    # must share a dimension, which pint checks by comparing them.
    def apply(a: Any, b: Any) -> Any:
        if isinstance(a, int | float) or isinstance(b, int | float):
            return True
        _same_units(a, b)  # pint's == and != answer False for other units instead of refusing
        return op(a, b)

    return apply


def _units_round(value: Any, decimals: Any = 0) -> Any:
    return value


def _units_where(condition: Any, a: Any, b: Any) -> Any:
    return _same_units(a, b)


def _units_ifexp(ev: Evaluator, node: ast.IfExp) -> Any:
    ev._eval(node.test)
    return _same_units(ev._eval(node.body), ev._eval(node.orelse))


def _units_boolop(ev: Evaluator, node: ast.BoolOp) -> Any:
    for value in node.values:
        ev._eval(value)
    return True


def _units_constant(ev: Evaluator, node: ast.Constant) -> Any:
    value: Any = node.value
    return float(value) if type(value) is Decimal else value


# ---------------------------------------------------------------- tables


_COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


@dataclass(frozen=True)
class Backend:
    """The tables that make one evaluator a backend."""

    name: str
    operators: Mapping[type, Callable[..., Any]]
    functions: Mapping[str, Callable[..., Any]]
    nodes: Mapping[type, Callable[[Evaluator, Any], Any]] = field(default_factory=dict)


EXACT = Backend(
    name="exact",
    operators={
        ast.Add: _ADD,
        ast.Sub: _lift(operator.sub),
        ast.Mult: _lift(operator.mul),
        ast.Div: _lift(_divide),
        ast.Pow: _lift(_power),
        ast.USub: _lift1(operator.neg),
        ast.UAdd: _lift1(operator.pos),
        ast.Not: _lift1(_not),
        ast.And: _lift(_and),
        **{op: _lift(_compare(fn)) for op, fn in _COMPARISONS.items()},
    },
    functions={
        "abs": _lift1(abs),
        "coalesce": _exact_coalesce,
        "max": _pick(lambda a, b: a if a >= b else b),
        "mean": _exact_mean,
        "min": _pick(lambda a, b: a if a <= b else b),
        "round": _exact_round,
        "sum": _exact_sum,
        "where": _exact_where,
    },
    nodes={
        ast.IfExp: _exact_ifexp,
        ast.BoolOp: _exact_boolop,
        ast.Compare: _chain_compare,
        ast.Constant: _exact_constant,
    },
)

UNITS = Backend(
    name="units",
    operators={
        ast.Add: operator.add,
        ast.Sub: operator.sub,
        ast.Mult: operator.mul,
        ast.Div: operator.truediv,
        ast.Pow: operator.pow,
        ast.USub: operator.neg,
        ast.UAdd: operator.pos,
        ast.Not: operator.not_,
        ast.And: lambda a, b: True,
        **{op: _units_compare(fn) for op, fn in _COMPARISONS.items()},
    },
    functions={
        "abs": abs,
        "coalesce": _same_units,
        "max": _same_units,
        "mean": _same_units,
        "min": _same_units,
        "round": _units_round,
        "sum": _same_units,
        "where": _units_where,
    },
    nodes={
        ast.IfExp: _units_ifexp,
        ast.BoolOp: _units_boolop,
        ast.Compare: _chain_compare,
        ast.Constant: _units_constant,
    },
)


# ---------------------------------------------------------------- interval backend
#
# Replay asks: which values could a formula give, when each published input is only known
# to its printed precision? Each value is an Interval [low, high]; operators return the
# tightest interval holding every result; a comparison that the intervals cannot decide
# is AMBIGUOUS, and a choice on it keeps both branches (their hull).


class Interval:
    """A closed interval of exact Decimals."""

    __slots__ = ("high", "low")

    def __init__(self, low: Decimal, high: Decimal | None = None) -> None:
        self.low = low
        self.high = low if high is None else high

    def __repr__(self) -> str:
        return f"Interval({self.low}, {self.high})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Interval) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self) -> int:
        return hash((self.low, self.high))

    def hull(self, other: Interval) -> Interval:
        """The smallest interval holding both."""
        return Interval(min(self.low, other.low), max(self.high, other.high))


class _Ambiguous:
    __slots__ = ()

    def __repr__(self) -> str:
        return "AMBIGUOUS"


AMBIGUOUS: Any = _Ambiguous()


def _iv(value: Any) -> Any:
    if type(value) is Decimal:
        return Interval(value)
    return value


def _interval_op(op: Callable[[Interval, Interval], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if type(a) is NotAvailable:
            return a
        if type(b) is NotAvailable:
            return b
        return op(_iv(a), _iv(b))

    return _lift(apply)


def _iv_add(a: Interval, b: Interval) -> Interval:
    return Interval(a.low + b.low, a.high + b.high)


def _iv_sub(a: Interval, b: Interval) -> Interval:
    return Interval(a.low - b.high, a.high - b.low)


def _iv_mul(a: Interval, b: Interval) -> Interval:
    products = (a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high)
    return Interval(min(products), max(products))


def _iv_div(a: Interval, b: Interval) -> Any:
    if b.low <= 0 <= b.high:
        if b.low == b.high == 0:
            return NotAvailable("division by zero")
        return NotAvailable("the denominator's interval includes 0")
    return _iv_mul(a, Interval(1 / b.high, 1 / b.low))


def _iv_pow(a: Interval, b: Interval) -> Any:
    exponent = int(b.low)
    if exponent == 0:
        return Interval(Decimal(1))  # as on the exact path: 0 ** 0 is 1
    if exponent < 0:
        return _iv_div(Interval(Decimal(1)), _iv_pow(a, Interval(Decimal(-exponent))))
    ends = (a.low**exponent, a.high**exponent)
    if exponent % 2 == 0 and a.low <= 0 <= a.high:
        return Interval(Decimal(0), max(ends))
    return Interval(min(ends), max(ends))


def _iv_neg(a: Any) -> Any:
    if type(a) is NotAvailable:
        return a
    a = _iv(a)
    return Interval(-a.high, -a.low)


def _iv_compare(decide: Callable[[Interval, Interval], bool | None]) -> Callable[[Any, Any], Any]:
    def apply(a: Interval, b: Interval) -> Any:
        found = decide(a, b)
        return AMBIGUOUS if found is None else found

    return _interval_op(apply)


def _certain(always: bool, never: bool) -> bool | None:
    if always:
        return True
    if never:
        return False
    return None


_IV_COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: _iv_compare(lambda a, b: _certain(a.high < b.low, a.low >= b.high)),
    ast.LtE: _iv_compare(lambda a, b: _certain(a.high <= b.low, a.low > b.high)),
    ast.Gt: _iv_compare(lambda a, b: _certain(a.low > b.high, a.high <= b.low)),
    ast.GtE: _iv_compare(lambda a, b: _certain(a.low >= b.high, a.high < b.low)),
    ast.Eq: _iv_compare(
        lambda a, b: _certain(a.low == a.high == b.low == b.high, a.high < b.low or b.high < a.low)
    ),
    ast.NotEq: _iv_compare(
        lambda a, b: _certain(a.high < b.low or b.high < a.low, a.low == a.high == b.low == b.high)
    ),
}


def _iv_not(a: Any) -> Any:
    if type(a) is NotAvailable or a is AMBIGUOUS:
        return a
    return not a


def _iv_logic(is_and: bool) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        for value in (a, b):
            if type(value) is NotAvailable:
                return value
        if is_and:
            if a is False or b is False:
                return False
            return AMBIGUOUS if AMBIGUOUS in (a, b) else True
        if a is True or b is True:
            return True
        return AMBIGUOUS if AMBIGUOUS in (a, b) else False

    return _lift(apply)


def _iv_either(a: Any, b: Any) -> Any:
    """Every value ``a`` or ``b`` can take: numbers' hull, conditions' agreement, per element."""
    if type(a) is tuple or type(b) is tuple:
        return _zip(_iv_either, a, b)
    for value in (a, b):
        if type(value) is NotAvailable:
            return value
    if type(a) is bool or type(b) is bool or a is AMBIGUOUS or b is AMBIGUOUS:
        return a if a is b else AMBIGUOUS
    return _iv(a).hull(_iv(b))


def _iv_choose(condition: Any, a: Any, b: Any) -> Any:
    if type(condition) is NotAvailable:
        return condition
    if condition is AMBIGUOUS:
        return _iv_either(a, b)
    return a if condition else b


def _iv_where(condition: Any, a: Any, b: Any) -> Any:
    if type(condition) is tuple or type(a) is tuple or type(b) is tuple:
        length = next(len(v) for v in (condition, a, b) if type(v) is tuple)
        columns = [v if type(v) is tuple else (v,) * length for v in (condition, a, b)]
        if any(len(c) != length for c in columns):
            return NotAvailable("series of different lengths in where()")
        return tuple(map(_iv_choose, *columns))
    return _iv_choose(condition, a, b)


def _iv_ifexp(ev: Evaluator, node: ast.IfExp) -> Any:
    test = ev._eval(node.test)
    if type(test) is NotAvailable:
        return test
    if test is AMBIGUOUS:
        return _iv_choose(test, ev._eval(node.body), ev._eval(node.orelse))
    return ev._eval(node.body) if test else ev._eval(node.orelse)


def _iv_boolop(ev: Evaluator, node: ast.BoolOp) -> Any:
    combine = _iv_logic(isinstance(node.op, ast.And))
    return functools.reduce(combine, [ev._eval(v) for v in node.values])


_IV_ADD = _interval_op(_iv_add)


def _iv_sum(*args: Any) -> Any:
    if len(args) == 1:
        (only,) = args
        if type(only) is tuple:
            return functools.reduce(_IV_ADD, only, Interval(Decimal(0)))
        return only
    return functools.reduce(_IV_ADD, args)


def _iv_mean(*args: Any) -> Any:
    if len(args) == 1 and type(args[0]) is tuple:
        items = args[0]
        if not items:
            return NotAvailable("mean of an empty series")
        return _interval_op(_iv_div)(_iv_sum(items), Decimal(len(items)))
    if len(args) == 1:
        return args[0]
    return _interval_op(_iv_div)(_iv_sum(*args), Decimal(len(args)))


def _iv_extreme(pick: Callable[..., Decimal]) -> Callable[..., Any]:
    def pairwise(a: Interval, b: Interval) -> Interval:
        return Interval(pick(a.low, b.low), pick(a.high, b.high))

    op = _interval_op(pairwise)

    def apply(*args: Any) -> Any:
        if len(args) == 1:
            (only,) = args
            if type(only) is tuple:
                if not only:
                    return NotAvailable("minimum or maximum of an empty series")
                return functools.reduce(op, only)
            return only
        return functools.reduce(op, args)

    return apply


def _iv_abs(a: Any) -> Any:
    if type(a) is NotAvailable:
        return a
    a = _iv(a)
    if a.low >= 0:
        return a
    if a.high <= 0:
        return Interval(-a.high, -a.low)
    return Interval(Decimal(0), max(-a.low, a.high))


def _iv_round(value: Any, decimals: Any = Decimal(0)) -> Any:
    places = int(_iv(decimals).low)

    def one(v: Any) -> Any:
        if type(v) is NotAvailable:
            return v
        v = _iv(v)
        return Interval(round_half_up(v.low, places), round_half_up(v.high, places))

    return _lift1(one)(value)


def _iv_constant(ev: Evaluator, node: ast.Constant) -> Any:
    value: Any = node.value
    return Interval(value) if type(value) is Decimal else value


INTERVALS = Backend(
    name="intervals",
    operators={
        ast.Add: _IV_ADD,
        ast.Sub: _interval_op(_iv_sub),
        ast.Mult: _interval_op(_iv_mul),
        ast.Div: _interval_op(_iv_div),
        ast.Pow: _interval_op(_iv_pow),
        ast.USub: _lift1(_iv_neg),
        ast.UAdd: _lift1(lambda a: a),
        ast.Not: _lift1(_iv_not),
        ast.And: _iv_logic(True),
        **_IV_COMPARISONS,
    },
    functions={
        "abs": _lift1(_iv_abs),
        "coalesce": _exact_coalesce,
        "max": _iv_extreme(max),
        "mean": _iv_mean,
        "min": _iv_extreme(min),
        "round": _iv_round,
        "sum": _iv_sum,
        "where": _iv_where,
    },
    nodes={
        ast.IfExp: _iv_ifexp,
        ast.BoolOp: _iv_boolop,
        ast.Compare: _chain_compare,
        ast.Constant: _iv_constant,
    },
)

BACKENDS: dict[str, Backend] = {b.name: b for b in (EXACT, UNITS, INTERVALS)}


# The node types of the formula language (what kinerja's checker lets through). The
# evaluator has handlers for these only: simpleeval's handlers for attributes, subscripts,
# strings, containers and comprehensions are removed, so even a tree that never went
# through the checker cannot reach them.
ALLOWED_NODES: tuple[type, ...] = (
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.BoolOp,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Constant,
)


class Evaluator(SimpleEval):  # type: ignore[misc]
    """simpleeval's evaluator with a backend's tables installed.

    It carries per-call state (``names``, ``expr``), so each thread gets its own
    instance through :func:`evaluator`.
    """

    nodes: dict[type, Callable[[Any], Any]]

    def __init__(self, backend: Backend) -> None:
        super().__init__(
            operators=dict(backend.operators), functions=dict(backend.functions), names={}
        )
        self.backend = backend
        inherited: dict[type, Callable[[Any], Any]] = self.nodes
        self.nodes = {node_type: inherited[node_type] for node_type in ALLOWED_NODES}
        self.nodes[ast.Name] = self._name
        self.nodes[ast.Call] = self._call
        for node_type, handler in backend.nodes.items():
            if node_type not in ALLOWED_NODES:
                raise ValueError(f"backend {backend.name!r}: {node_type.__name__} is not allowed")
            self.nodes[node_type] = functools.partial(handler, self)

    def _eval(self, node: Any) -> Any:
        # Only checked trees reach here: every node type is in the table, every name holds
        # a value kinerja made (Decimal, tuple, Interval, NotAvailable, pint quantity), and
        # calls go to the function table only. simpleeval's per-result scan for modules and
        # forbidden functions guards trees nobody checked; here it would only cost time,
        # and the table above already has no way to reach an attribute or a module.
        try:
            handler = self.nodes[type(node)]
        except KeyError:
            raise FeatureNotAvailable(
                f"{type(node).__name__} is not part of the formula language"
            ) from None
        return handler(node)

    def _name(self, node: ast.Name) -> Any:
        # Only the values given: never simpleeval's fallback to the function table.
        try:
            return self.names[node.id]
        except KeyError:
            raise NameNotDefined(node.id, self.expr) from None

    def _call(self, node: ast.Call) -> Any:
        # Only a function of the table, by name, with positional arguments.
        func = node.func
        if type(func) is not ast.Name or func.id not in self.functions:
            raise FeatureNotAvailable("only the formula language's functions can be called")
        if node.keywords:
            raise FeatureNotAvailable(f"{func.id}() takes no keyword arguments")
        return self.functions[func.id](*[self._eval(arg) for arg in node.args])


_local = threading.local()


def evaluator(backend: Backend) -> Evaluator:
    """This thread's evaluator for ``backend``."""
    found: Evaluator | None = getattr(_local, backend.name, None)
    if found is None:
        found = Evaluator(backend)
        setattr(_local, backend.name, found)
    return found
