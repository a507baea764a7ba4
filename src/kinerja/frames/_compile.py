"""Checked formula trees compiled once more: to narwhals expressions.

This is the dataframe backend of the formula language. Like the scalar backends in
:mod:`kinerja._backends` it walks the tree the checker in :mod:`kinerja._formula` already
accepted, with one handler per node type and one per function of
:data:`kinerja._functions.FUNCTIONS`; nothing outside those tables is ever built.

Each sub-expression compiles to a :class:`Term` of three parts:

``value``
    A Float64 expression. n/a is null and propagates through every operator, as
    :class:`~kinerja._backends.NotAvailable` does on the exact path. A condition is a
    number too: 1.0 (true), 0.0 (false) or null (n/a), so that ``and``, ``or`` and
    ``not`` are arithmetic and behave the same on every backend (pandas and Dask answer
    ``False`` instead of null when a comparison meets a missing value).
``magnitude``
    A bound on the size of the numbers the value was computed from. The float64
    rounding error of the value is at most a small multiple of ``magnitude * 2**-52``.
``hazards``
    Expressions that are 1.0 on the rows where that error could change a decision:
    a comparison of two values closer than the tolerance, a non-zero denominator within
    the tolerance of zero, a ``round()`` within the tolerance of a tie. Such rows are
    recomputed exactly (see :mod:`kinerja.frames._settle`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import narwhals as nw

from .._functions import FUNCTIONS

# Relative tolerance: float64 results closer than this (relative to their magnitude) to a
# rounding tie, a comparison boundary or zero are settled exactly. Float64 carries about
# 2.2e-16 relative error per operation; summing n rows adds at most n times that (far less
# with the pairwise sums the engines use), so 1e-8 leaves room for sums of ~10**7 rows.
TOLERANCE = 1e-8

F64 = nw.Float64
Expr = Any  # nw.Expr; narwhals' own annotations are generic and noisy here.

REDUCERS = ("sum", "mean", "min", "max")


def lit(value: float) -> Expr:
    """A Float64 literal."""
    return nw.lit(value, dtype=F64)


ZERO = 0.0
ONE = 1.0


def null_like(*operands: Expr) -> Expr:
    """0.0, or null where any operand is null (pandas-like backends lose nulls in comparisons)."""
    out: Expr = None
    for operand in operands:
        term = operand * ZERO
        out = term if out is None else out + term
    return out


def truth(condition: Expr, *operands: Expr) -> Expr:
    """A boolean expression as 1.0/0.0, null where any operand is null."""
    base = nw.when(condition).then(lit(ONE)).otherwise(lit(ZERO))
    return base + null_like(*operands) if operands else base


def flag(condition: Expr) -> Expr:
    """1.0 where ``condition`` holds, 0.0 elsewhere (also where it is null)."""
    return nw.when(condition).then(lit(ONE)).otherwise(lit(ZERO))


def floor(expr: Expr) -> Expr:
    """Floor as Float64 (Spark's FLOOR answers a long)."""
    return expr.floor().cast(F64)


def half_up_units(value: Expr, decimals: int) -> Expr:
    """``value`` rounded half away from zero, in units of ``10**-decimals``.

    ``floor(|v| * 10**d + 0.5)`` is a whole number, held exactly in float64. Ties that
    float64 cannot see exactly are caught by :func:`tie_hazard` and settled exactly.
    """
    scale = float(10**decimals)
    units = floor(value.abs() * scale + 0.5)
    # The sign as a factor (exact: units is whole), so that units is computed once: the
    # query runs unoptimised and computes both branches of a when.
    return units * nw.when(value < 0).then(lit(-1.0)).otherwise(lit(1.0))


def half_up(value: Expr, decimals: int) -> Expr:
    """Round half away from zero to ``decimals`` places (within an ulp of the decimal).

    Some engines divide by a constant as a multiplication by its reciprocal, so the result
    may be one ulp off the float nearest the decimal; published values are therefore
    built from :func:`half_up_units` after collection, with a true division.
    """
    return half_up_units(value, decimals) / float(10**decimals)


def tie_hazard(value: Expr, magnitude: Expr, decimals: int) -> Expr:
    """1.0 where ``value`` may be within float error of a half-way point at ``decimals``."""
    scale = float(10**decimals)
    # The fractional part of a non-negative float, exactly (fmod and x - floor(x) agree
    # there), in one operation rather than computing the scaled value twice.
    fraction = (value.abs() * scale) % 1.0
    window = magnitude * (TOLERANCE * scale) + 1e-300
    return flag((fraction - 0.5).abs() <= window)


def near_hazard(difference: Expr, magnitude: Expr) -> Expr:
    """1.0 where a non-zero ``difference`` is within the tolerance of zero.

    An exact float zero is trusted: with whole-number inputs it is exact, and a spurious
    zero needs a cancellation far beyond the tolerance.
    """
    size = difference.abs()
    return flag((size > 0) & (size <= magnitude * TOLERANCE))


@dataclass(slots=True)
class Term:
    """A compiled sub-expression: value, magnitude and hazard flags (see the module doc)."""

    value: Expr
    magnitude: Expr
    hazards: list[Expr] = field(default_factory=list)
    kind: str = "number"  # or "bool"
    const: float | None = None  # the value, when it is a constant (folded at compile time)


def constant(value: float) -> Term:
    """A folded constant."""
    return Term(lit(value), lit(abs(value)), const=value)


def hazard_sum(hazards: Iterable[Expr]) -> Expr:
    """The hazards as one Float64 column: the count of raised flags (nulls count as 0)."""
    out: Expr = lit(ZERO)
    for hazard in hazards:
        out = out + hazard.fill_null(ZERO)
    return out


def masked(hazards: list[Expr], condition: Expr) -> list[Expr]:
    """Hazards that count only where ``condition`` holds (the branch actually chosen)."""
    return [nw.when(condition).then(h).otherwise(lit(ZERO)) for h in hazards]


# ---------------------------------------------------------------- series typing


def series_of(node: ast.AST, dims: Mapping[str, str | None]) -> str | None:
    """The dimension a checked sub-tree runs over, or None for a scalar."""
    if isinstance(node, ast.Name):
        return dims.get(node.id)
    if isinstance(node, ast.Constant):
        return None
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        if name in REDUCERS and len(node.args) == 1:
            return None
        args = node.args[1:] if name == "round" else node.args
        return _first(series_of(a, dims) for a in args)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            return series_of(node.left, dims)
        return _first(series_of(a, dims) for a in (node.left, node.right))
    if isinstance(node, ast.UnaryOp):
        return series_of(node.operand, dims)
    if isinstance(node, ast.Compare):
        return _first(series_of(a, dims) for a in (node.left, *node.comparators))
    if isinstance(node, ast.BoolOp):
        return _first(series_of(a, dims) for a in node.values)
    if isinstance(node, ast.IfExp):
        return _first(series_of(a, dims) for a in (node.test, node.body, node.orelse))
    return None


def _first(values: Iterable[str | None]) -> str | None:
    for value in values:
        if value is not None:
            return value
    return None


def is_reduction(node: ast.AST, dims: Mapping[str, str | None]) -> bool:
    """A call that reduces one series to a scalar (``mean(melapor / ditugaskan)``)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in REDUCERS
        and len(node.args) == 1
        and series_of(node.args[0], dims) is not None
    )


def reductions(tree: ast.AST, dims: Mapping[str, str | None]) -> list[ast.Call]:
    """Every reduction in ``tree``, innermost first (a nested one before its user)."""
    found: list[ast.Call] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            visit(child)
        if is_reduction(node, dims):
            assert isinstance(node, ast.Call)
            found.append(node)

    visit(tree)
    return found


def names_in(node: ast.AST) -> set[str]:
    """The names a sub-tree uses."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - set(FUNCTIONS)


# ---------------------------------------------------------------- the compiler


class Compiler:
    """Compiles one checked tree in one context.

    Args:
        name: Gives the :class:`Term` of an input or reference name in this context.
        reduction: Gives the :class:`Term` of an already computed reduction node.
        dims: Each input name's series dimension (None for a scalar input).
    """

    def __init__(
        self,
        name: Callable[[str], Term],
        reduction: Callable[[ast.Call], Term],
        dims: Mapping[str, str | None],
    ) -> None:
        self.name = name
        self.reduction = reduction
        self.dims = dims
        self.nodes: dict[type, Callable[[Any], Term]] = {
            ast.BinOp: self._binop,
            ast.UnaryOp: self._unary,
            ast.Compare: self._compare,
            ast.BoolOp: self._boolop,
            ast.IfExp: self._ifexp,
            ast.Call: self._call,
            ast.Name: self._name,
            ast.Constant: self._constant,
        }
        self.functions: dict[str, Callable[[ast.Call], Term]] = {
            "abs": self._abs,
            "coalesce": self._coalesce,
            "max": self._pick(minimum=False),
            "mean": self._mean,
            "min": self._pick(minimum=True),
            "round": self._round,
            "sum": self._sum,
            "where": self._where,
        }
        missing = set(FUNCTIONS) - set(self.functions)
        assert not missing, f"the frame backend lacks {sorted(missing)}"

    def compile(self, node: ast.AST) -> Term:
        """The :class:`Term` of a checked sub-tree."""
        return self.nodes[type(node)](node)

    # -------------------------------------------------------------- leaves

    def _name(self, node: ast.Name) -> Term:
        return self.name(node.id)

    def _constant(self, node: ast.Constant) -> Term:
        value: Any = node.value
        if type(value) is bool:
            return Term(lit(ONE if value else ZERO), lit(ZERO), kind="bool")
        number = float(value if type(value) is Decimal else Decimal(str(value)))
        return constant(number)

    # -------------------------------------------------------------- operators

    def _binop(self, node: ast.BinOp) -> Term:
        left = self.compile(node.left)
        if isinstance(node.op, ast.Pow):
            return self._power(left, _exponent(node.right))
        right = self.compile(node.right)
        folded = _fold(node.op, left, right)
        if folded is not None:
            return folded
        hazards = [*left.hazards, *right.hazards]
        a, b = left.value, right.value
        if isinstance(node.op, ast.Add):
            return Term(a + b, left.magnitude + right.magnitude, hazards)
        if isinstance(node.op, ast.Sub):
            return Term(a - b, left.magnitude + right.magnitude, hazards)
        if isinstance(node.op, ast.Mult):
            return Term(a * b, left.magnitude * right.magnitude, hazards)
        assert isinstance(node.op, ast.Div)
        return divide(left, right)

    def _power(self, base: Term, exponent: int) -> Term:
        if exponent == 0:
            # 0 ** 0 is 1 on the exact path; n/a ** 0 stays n/a.
            return Term(lit(ONE) + null_like(base.value), lit(ONE), base.hazards)
        value, magnitude = base.value, base.magnitude
        for _ in range(abs(exponent) - 1):
            value = value * base.value
            magnitude = magnitude * base.magnitude
        term = Term(value, magnitude, list(base.hazards))
        if exponent > 0:
            return term
        return divide(Term(lit(ONE), lit(ONE)), term)

    def _unary(self, node: ast.UnaryOp) -> Term:
        inner = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return Term(lit(ONE) - inner.value, lit(ZERO), inner.hazards, kind="bool")
        if isinstance(node.op, ast.USub):
            if inner.const is not None:
                return constant(-inner.const)
            return Term(-inner.value, inner.magnitude, inner.hazards)
        return inner

    def _compare(self, node: ast.Compare) -> Term:
        left = self.compile(node.left)
        result: Term | None = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.compile(comparator)
            one = compare(op, left, right)
            result = one if result is None else conjunction([result, one])
            left = right
        assert result is not None
        return result

    def _boolop(self, node: ast.BoolOp) -> Term:
        terms = [self.compile(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return conjunction(terms)
        # a or b = 1 - (1 - a)(1 - b): null when either is null, as on the exact path.
        product: Expr = None
        for term in terms:
            factor = lit(ONE) - term.value
            product = factor if product is None else product * factor
        hazards = [h for t in terms for h in t.hazards]
        return Term(lit(ONE) - product, lit(ZERO), hazards, kind="bool")

    def _ifexp(self, node: ast.IfExp) -> Term:
        return choose(self.compile(node.test), self.compile(node.body), self.compile(node.orelse))

    # -------------------------------------------------------------- functions

    def _call(self, node: ast.Call) -> Term:
        assert isinstance(node.func, ast.Name)
        if is_reduction(node, self.dims):
            return self.reduction(node)
        return self.functions[node.func.id](node)

    def _abs(self, node: ast.Call) -> Term:
        inner = self.compile(node.args[0])
        return Term(inner.value.abs(), inner.magnitude, inner.hazards)

    def _coalesce(self, node: ast.Call) -> Term:
        terms = [self.compile(a) for a in node.args]
        chosen = terms[-1]
        for term in reversed(terms[:-1]):
            present = ~term.value.is_null()
            chosen = Term(
                nw.when(present).then(term.value).otherwise(chosen.value),
                nw.when(present).then(term.magnitude).otherwise(chosen.magnitude),
                [*term.hazards, *masked(chosen.hazards, term.value.is_null())],
            )
        return chosen

    def _pick(self, *, minimum: bool) -> Callable[[ast.Call], Term]:
        def pick(node: ast.Call) -> Term:
            terms = [self.compile(a) for a in node.args]
            result = terms[0]
            for term in terms[1:]:
                a, b = result.value, term.value
                keep_a = (a <= b) if minimum else (a >= b)
                # The smaller of two values that float error could swap differs from the
                # other by less than that error: no decision to guard.
                result = Term(
                    nw.when(keep_a).then(a).otherwise(b) + null_like(a, b),
                    nw.max_horizontal(result.magnitude, term.magnitude),
                    [*result.hazards, *term.hazards],
                )
            return result

        return pick

    def _sum(self, node: ast.Call) -> Term:
        terms = [self.compile(a) for a in node.args]
        return _add_all(terms)

    def _mean(self, node: ast.Call) -> Term:
        total = _add_all([self.compile(a) for a in node.args])
        count = float(len(node.args))
        if count == 1:
            return total
        return Term(total.value / count, total.magnitude / count, total.hazards)

    def _round(self, node: ast.Call) -> Term:
        inner = self.compile(node.args[0])
        places = 0
        if len(node.args) > 1:
            literal = node.args[1]
            assert isinstance(literal, ast.Constant)
            given: Any = literal.value  # the checker made it an exact Decimal
            places = int(given)
        return Term(
            half_up(inner.value, places),
            inner.magnitude,
            [*inner.hazards, tie_hazard(inner.value, inner.magnitude, places)],
        )

    def _where(self, node: ast.Call) -> Term:
        condition, a, b = (self.compile(arg) for arg in node.args)
        return choose(condition, a, b)


def _fold(op: ast.operator, left: Term, right: Term) -> Term | None:
    """``left op right`` when one side is a constant: fewer expressions, no false hazards."""
    a, b = left.const, right.const
    if a is not None and b is not None:
        if isinstance(op, ast.Add):
            return constant(a + b)
        if isinstance(op, ast.Sub):
            return constant(a - b)
        if isinstance(op, ast.Mult):
            return constant(a * b)
        if isinstance(op, ast.Div) and b != 0:
            return constant(a / b)
        return None
    if b is not None:
        if isinstance(op, ast.Mult):
            return Term(left.value * b, left.magnitude * abs(b), left.hazards)
        if isinstance(op, ast.Div) and b != 0:
            return Term(left.value / b, left.magnitude / abs(b), left.hazards)
        if isinstance(op, ast.Add | ast.Sub) and b == 0:
            return left
    if a is not None and isinstance(op, ast.Mult):
        return Term(right.value * a, right.magnitude * abs(a), right.hazards)
    if a is not None and isinstance(op, ast.Add) and a == 0:
        return right
    return None


def _exponent(node: ast.AST) -> int:
    if isinstance(node, ast.UnaryOp):
        inner = _exponent(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    assert isinstance(node, ast.Constant)
    given: Any = node.value
    return int(given)


def _add_all(terms: list[Term]) -> Term:
    result = terms[0]
    for term in terms[1:]:
        result = Term(
            result.value + term.value,
            result.magnitude + term.magnitude,
            [*result.hazards, *term.hazards],
        )
    return result


def divide(numerator: Term, denominator: Term) -> Term:
    """``a / b`` with null for a zero denominator (never inf or NaN)."""
    a, b = numerator.value, denominator.value
    nonzero = b != 0
    quotient = nw.when(nonzero).then(a / b)
    size = b.abs()
    magnitude = nw.when(nonzero).then(
        (numerator.magnitude + quotient.abs() * denominator.magnitude) / size
    )
    hazards = [
        *numerator.hazards,
        *denominator.hazards,
        near_hazard(b, denominator.magnitude),
    ]
    return Term(quotient, magnitude, hazards)


_OPERATORS: dict[type, Callable[[Expr, Expr], Expr]] = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}


def compare(op: ast.cmpop, left: Term, right: Term) -> Term:
    """One comparison as a 1.0/0.0/null truth value, with its closeness hazard."""
    a, b = left.value, right.value
    value = truth(_OPERATORS[type(op)](a, b), a, b)
    hazards = [
        *left.hazards,
        *right.hazards,
        near_hazard(a - b, left.magnitude + right.magnitude),
    ]
    return Term(value, lit(ZERO), hazards, kind="bool")


def conjunction(terms: list[Term]) -> Term:
    """``a and b``: the product of truth values (null when either is null)."""
    value = terms[0].value
    for term in terms[1:]:
        value = value * term.value
    return Term(value, lit(ZERO), [h for t in terms for h in t.hazards], kind="bool")


def choose(condition: Term, yes: Term, no: Term) -> Term:
    """``yes if condition else no``; null when the condition is n/a."""
    holds = condition.value == 1
    value = nw.when(holds).then(yes.value).otherwise(no.value) + null_like(condition.value)
    magnitude = nw.when(holds).then(yes.magnitude).otherwise(no.magnitude)
    hazards = [
        *condition.hazards,
        *masked(yes.hazards, holds),
        *masked(no.hazards, condition.value == 0),
    ]
    return Term(value, magnitude, hazards, kind=yes.kind)
