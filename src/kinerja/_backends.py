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

from simpleeval import SimpleEval

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
            total: Any = Decimal(0)
            for value in only:
                total = total + value
            return total
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
                return _first_missing(only) or functools.reduce(pairwise, only)
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


def _exact_ifexp(ev: Evaluator, node: ast.IfExp) -> Any:
    # Lazy like Python: only the chosen branch is evaluated.
    test = ev._eval(node.test)
    if type(test) is NotAvailable:
        return test
    return ev._eval(node.body) if test else ev._eval(node.orelse)


def _exact_boolop(ev: Evaluator, node: ast.BoolOp) -> Any:
    combine = _lift(_and if isinstance(node.op, ast.And) else _or)
    return functools.reduce(combine, [ev._eval(v) for v in node.values])


def _chain_compare(ev: Evaluator, node: ast.Compare) -> Any:
    left = ev._eval(node.left)
    result: Any = True
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = ev._eval(comparator)
        outcome = ev.operators[type(op)](left, right)
        result = outcome if result is True else _lift(_and)(result, outcome)
        left = right
    return result


# ---------------------------------------------------------------- unit (pint) backend


def _same_units(*args: Any) -> Any:
    # Adding the arguments is how pint checks that they share a dimension.
    functools.reduce(operator.add, args)
    return args[0]


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
        ast.Pow: _lift(operator.pow),
        ast.USub: _lift1(operator.neg),
        ast.UAdd: _lift1(operator.pos),
        ast.Not: _lift1(_not),
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
    nodes={ast.IfExp: _exact_ifexp, ast.BoolOp: _exact_boolop, ast.Compare: _chain_compare},
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
        **_COMPARISONS,
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


class Evaluator(SimpleEval):  # type: ignore[misc]
    """simpleeval's evaluator with a backend's tables installed.

    It carries per-call state (``names``, ``expr``), so each thread gets its own
    instance through :func:`evaluator`.
    """

    def __init__(self, backend: Backend) -> None:
        super().__init__(
            operators=dict(backend.operators), functions=dict(backend.functions), names={}
        )
        self.backend = backend
        for node_type, handler in backend.nodes.items():
            self.nodes[node_type] = functools.partial(handler, self)


_local = threading.local()


def evaluator(backend: Backend) -> Evaluator:
    """This thread's evaluator for ``backend``."""
    found: Evaluator | None = getattr(_local, backend.name, None)
    if found is None:
        found = Evaluator(backend)
        setattr(_local, backend.name, found)
    return found
