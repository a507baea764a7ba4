"""Compile once, evaluate many: the formula checker and the compiled :class:`Formula`.

A formula is parsed once with :mod:`ast`, checked against an allow-list (node types,
operators, the function table, declared names, limits), typed (number or true/false,
scalar or series) and its numeric literals are replaced by exact Decimals taken from
their source text. The checked tree is then evaluated by any backend in
:mod:`kinerja._backends`; nothing outside the allow-list is ever executed.
"""

from __future__ import annotations

import ast
import decimal
import keyword
import re
import threading
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NoReturn

from ._backends import EXACT, INTERVALS, UNITS, Backend, NotAvailable, evaluator
from ._errors import EvaluationError, FormulaError, UnitError, did_you_mean
from ._functions import FUNCTIONS
from ._numbers import EXACT as EXACT_CONTEXT
from ._numbers import (
    MAX_INPUT_DIGITS,
    exact_series,
    round_half_up,
    to_decimal,
    too_many_digits,
    written_out_digits,
)

Kind = Literal["number", "bool"]

_BINOPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_UNARY: dict[type, str] = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not"}
COMPARE_SYMBOLS: dict[type, str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}

# Operators outside the language, as written, with what to write instead.
_REFUSED_OPERATORS: dict[type, tuple[str, str | None]] = {
    ast.BitXor: ("^", "write ** for a power, as in x ** 2"),
    ast.FloorDiv: ("//", "write / and round(x, 0) if a whole number is wanted"),
    ast.Mod: ("%", "a percentage is a ratio times 100: a / b * 100"),
    ast.MatMult: ("@", None),
    ast.BitAnd: ("&", "write 'and' to combine conditions"),
    ast.BitOr: ("|", "write 'or' to combine conditions"),
    ast.LShift: ("<<", None),
    ast.RShift: (">>", None),
}

# Function names a planner may write in Indonesian, and the function meant.
_INDONESIAN_FUNCTIONS = {
    "maks": "max",
    "maksimum": "max",
    "min": "min",
    "minimum": "min",
    "rerata": "mean",
    "rata": "mean",
    "rata_rata": "mean",
    "ratarata": "mean",
    "jumlah": "sum",
    "total": "sum",
    "bulatkan": "round",
    "pembulatan": "round",
    "mutlak": "abs",
    "jika": "where",
}


def _refusal_hint(node: ast.AST) -> str | None:
    """A suggestion for a refused construct that a planner writes by mistake."""
    if isinstance(node, ast.Attribute):
        parts: list[str] = [node.attr]
        inner: ast.AST = node.value
        while isinstance(inner, ast.Attribute):
            parts.append(inner.attr)
            inner = inner.value
        if isinstance(inner, ast.Name) and not inner.id.startswith("_"):
            dotted = ".".join([inner.id, *reversed(parts)])
            if not any(p.startswith("_") for p in parts):
                # An indicator id written into the formula: it belongs under [inputs].
                return (
                    f"to use indicator {dotted!r}, declare an input such as "
                    f'{parts[0]} = {{ indicator = "{dotted}" }} and write {parts[0]} in the formula'
                )
    return None


# Why each refused construct is refused, in the words a planner reads.
_REFUSED: dict[type, str] = {
    ast.Attribute: "attribute access ('.') is not part of the formula language",
    ast.Subscript: "subscripts ('[...]') are not part of the formula language",
    ast.JoinedStr: "f-strings are not part of the formula language",
    ast.FormattedValue: "f-strings are not part of the formula language",
    ast.Lambda: "lambdas are not part of the formula language",
    ast.ListComp: "comprehensions are not part of the formula language",
    ast.SetComp: "comprehensions are not part of the formula language",
    ast.DictComp: "comprehensions are not part of the formula language",
    ast.GeneratorExp: "generator expressions are not part of the formula language",
    ast.List: "lists are not part of the formula language",
    ast.Tuple: "tuples are not part of the formula language",
    ast.Set: "sets are not part of the formula language",
    ast.Dict: "dicts are not part of the formula language",
    ast.NamedExpr: "assignment (':=') is not part of the formula language",
    ast.Starred: "unpacking ('*') is not part of the formula language",
    ast.Await: "await is not part of the formula language",
    ast.Yield: "yield is not part of the formula language",
    ast.YieldFrom: "yield is not part of the formula language",
    ast.Slice: "slices are not part of the formula language",
}


# ASCII control characters Python's tokenizer would accept or choke on; only tab, line feed
# and carriage return may appear in a formula. (A form feed is whitespace to Python but a
# line break to str.splitlines: it is refused rather than risk two views of one text.)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Python's own line endings, the ones its column offsets count from.
_LINE_END = re.compile(r"\r\n|\r|\n")
# Names, and (group 1) numbers as Python's tokenizer starts them (a digit after no name,
# or a dot and a digit: "x0.5" is the name x0 and the number .5) with the letters, digits,
# dots, underscores and exponent signs that follow: used to refuse a very long number
# before Python's parser converts it (its int conversion alone is quadratic in the digits)
# and a number run into a word ("1if"), which Python reads with a warning.
_NAME_OR_NUMBER = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*|((?:[0-9]|\.[0-9])(?:[eE][+-]|[0-9A-Za-z_.])*)"
)
# Python's own number syntax (ints, floats, hex, octal, binary, complex; underscores).
_PYTHON_NUMBER = re.compile(tokenize.Number)
# Quoted text (refused later, with its own reason): numbers inside it are not checked.
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
# CPython 3.11 keeps the recursion depth of its AST conversion in state shared by all
# threads: two ast.parse calls at once can fail with "SystemError: AST constructor recursion
# depth mismatch". kinerja's own parses take turns; a clash with another library's parse in
# another thread is retried.
_PARSE_LOCK = threading.Lock()
_PARSE_ATTEMPTS = 3
# Largest ``decimals`` accepted by Formula.evaluate.
MAX_DECIMALS = 60


def _line_starts(text: str) -> list[int]:
    """Offset of the start of each line of ``text``, as Python's tokenizer splits lines."""
    return [0, *(match.end() for match in _LINE_END.finditer(text))]


@dataclass(frozen=True, slots=True)
class _Type:
    kind: Kind
    series: str | None  # the dimension a series runs over, None for a scalar


def _names_map(names: Iterable[str] | Mapping[str, str | None]) -> dict[str, str | None]:
    if isinstance(names, str):
        raise FormulaError(
            f"names must be a list of input names, not the text {names!r}",
            suggestion=f"write names=[{names!r}]",
        )
    if isinstance(names, Mapping):
        items = list(names.items())
    else:
        try:
            items = [(name, None) for name in names]
        except TypeError:
            raise FormulaError(
                f"names must be a list of input names, not {type(names).__name__}"
            ) from None
    for name, over in items:
        if not isinstance(name, str):
            raise FormulaError(f"an input name must be text, not {type(name).__name__} {name!r}")
        if over is not None and not (isinstance(over, str) and over):
            raise FormulaError(
                f"input {name!r}: the dimension of a series must be a name such as 'bulan' "
                f"(or None for a single value), not {over!r}"
            )
    return dict(items)


class _Checker:
    """Walks a parsed tree once: allow-list, limits, names, types, exact literals."""

    def __init__(self, engine: FormulaEngine, text: str, names: dict[str, str | None]) -> None:
        self.engine = engine
        self.text = text
        self.names = names
        self.used: set[str] = set()
        self.count = 0
        self.line_starts = _line_starts(text)
        self.rules: dict[type, Any] = {
            ast.BinOp: self._binop,
            ast.UnaryOp: self._unary,
            ast.Compare: self._compare,
            ast.BoolOp: self._boolop,
            ast.IfExp: self._ifexp,
            ast.Call: self._call,
            ast.Name: self._name,
            ast.Constant: self._constant,
        }

    def segment(self, node: ast.expr) -> str:
        """The source text of ``node`` (formulas are ASCII, so offsets are characters)."""
        if node.end_lineno is None or node.end_col_offset is None:
            return ""
        start = self.line_starts[node.lineno - 1] + node.col_offset
        end = self.line_starts[node.end_lineno - 1] + node.end_col_offset
        return self.text[start:end]

    def column(self, node: ast.AST | None) -> int | None:
        """Offset of ``node`` in the whole formula text (not in its line)."""
        lineno: int | None = getattr(node, "lineno", None)
        col_offset: int | None = getattr(node, "col_offset", None)
        if lineno is None or col_offset is None:
            return None
        return self.line_starts[lineno - 1] + col_offset

    def fail(
        self, reason: str, node: ast.AST | None = None, suggestion: str | None = None
    ) -> NoReturn:
        raise FormulaError(
            reason, expression=self.text, column=self.column(node), suggestion=suggestion
        )

    def check(self, node: ast.AST, depth: int) -> _Type:
        self.count += 1
        if depth > self.engine.max_depth:
            self.fail(f"the formula nests deeper than {self.engine.max_depth} levels", node)
        if self.count > self.engine.max_nodes:
            self.fail(f"the formula has more than {self.engine.max_nodes} parts", node)
        rule = self.rules.get(type(node))
        if rule is None:
            reason = _REFUSED.get(
                type(node), f"{type(node).__name__} is not part of the formula language"
            )
            self.fail(reason, node, _refusal_hint(node))
        result: _Type = rule(node, depth + 1)
        return result

    def number(self, node: ast.AST, depth: int, role: str) -> _Type:
        found = self.check(node, depth)
        if found.kind != "number":
            self.fail(
                f"{role} must be a number, but this is a true/false condition",
                node,
                "use where(condition, 1, 0) to turn a condition into a number",
            )
        return found

    def condition(self, node: ast.AST, depth: int, role: str) -> _Type:
        found = self.check(node, depth)
        if found.kind != "bool":
            self.fail(
                f"{role} must be a condition (a comparison), but this is a number",
                node,
                "compare it, for example 'x > 0'",
            )
        return found

    def join(self, node: ast.AST, *types: _Type) -> str | None:
        dims = {t.series for t in types if t.series is not None}
        if len(dims) > 1:
            a, b = sorted(dims)
            self.fail(f"this mixes a series over {a!r} with a series over {b!r}", node)
        return dims.pop() if dims else None

    def _binop(self, node: ast.BinOp, depth: int) -> _Type:
        symbol = _BINOPS.get(type(node.op))
        if symbol is None:
            shown, hint = _REFUSED_OPERATORS.get(type(node.op), (type(node.op).__name__, None))
            self.fail(
                f"the operator {shown!r} is not part of the formula language "
                "(allowed: + - * / and ** with a small constant exponent)",
                node,
                hint,
            )
        left = self.number(node.left, depth, f"the left side of '{symbol}'")
        if isinstance(node.op, ast.Pow):
            self._exponent(node.right)
            right = _Type("number", None)
        else:
            right = self.number(node.right, depth, f"the right side of '{symbol}'")
        return _Type("number", self.join(node, left, right))

    def _exponent(self, node: ast.expr) -> None:
        target = node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            target = node.operand
        limit = self.engine.max_exponent
        if not (
            isinstance(target, ast.Constant) and type(target.value) is int and target.value <= limit
        ):
            self.fail(
                f"'**' needs a constant whole-number exponent between -{limit} and {limit}", node
            )
        self._constant(target, 0)

    def _unary(self, node: ast.UnaryOp, depth: int) -> _Type:
        if isinstance(node.op, ast.Not):
            inner = self.condition(node.operand, depth, "the operand of 'not'")
            return _Type("bool", inner.series)
        if type(node.op) not in _UNARY:
            self.fail("the operator '~' is not part of the formula language", node)
        inner = self.number(node.operand, depth, "the operand of a sign")
        return _Type("number", inner.series)

    def _compare(self, node: ast.Compare, depth: int) -> _Type:
        types = [self.number(node.left, depth, "a compared value")]
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if type(op) not in COMPARE_SYMBOLS:
                self.fail(
                    f"the comparison {type(op).__name__} is not part of the formula language "
                    "(allowed: < <= > >= == !=)",
                    node,
                )
            types.append(self.number(comparator, depth, "a compared value"))
        return _Type("bool", self.join(node, *types))

    def _boolop(self, node: ast.BoolOp, depth: int) -> _Type:
        word = "and" if isinstance(node.op, ast.And) else "or"
        types = [self.condition(v, depth, f"each side of '{word}'") for v in node.values]
        return _Type("bool", self.join(node, *types))

    def _ifexp(self, node: ast.IfExp, depth: int) -> _Type:
        test = self.condition(node.test, depth, "the condition of 'if ... else'")
        if test.series is not None:
            self.fail(
                f"'if ... else' needs one true/false condition, but this one is a series over "
                f"{test.series!r}",
                node.test,
                "use where(condition, a, b) to choose element by element",
            )
        body = self.check(node.body, depth)
        orelse = self.check(node.orelse, depth)
        if body.kind != orelse.kind:
            self.fail("both branches of 'if ... else' must be numbers, or both conditions", node)
        return _Type(body.kind, self.join(node, body, orelse))

    def _call(self, node: ast.Call, depth: int) -> _Type:
        if not isinstance(node.func, ast.Name):
            self.check(node.func, depth)  # an attribute or a subscript is refused there
            self.fail(
                "only the formula language's functions can be called "
                f"({', '.join(sorted(FUNCTIONS))})",
                node,
            )
        name = node.func.id
        spec = FUNCTIONS.get(name)
        if spec is None:
            english = _INDONESIAN_FUNCTIONS.get(name.lower())
            hint = f"did you mean {english!r}?" if english else did_you_mean(name, FUNCTIONS)
            self.fail(
                f"unknown function {name!r} (the functions are: {', '.join(sorted(FUNCTIONS))})",
                node,
                hint,
            )
        if node.keywords:
            self.fail(f"{name}() takes no keyword arguments", node)
        count = len(node.args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            if spec.max_args is None:
                wanted = f"at least {spec.min_args}"
            elif spec.max_args == spec.min_args:
                wanted = str(spec.min_args)
            else:
                wanted = f"{spec.min_args} to {spec.max_args}"
            self.fail(f"{name}() takes {wanted} argument(s), not {count}", node)
        types: list[_Type] = []
        for position, arg in enumerate(node.args):
            if position in spec.constant_args:
                if not (
                    isinstance(arg, ast.Constant)
                    and type(arg.value) is int
                    and 0 <= arg.value <= 10
                ):
                    self.fail(
                        f"argument {position + 1} of {name}() must be a whole number 0 to 10", arg
                    )
                self._constant(arg, depth)
                continue
            if name == "where" and position == 0:
                types.append(self.condition(arg, depth, "the first argument of where()"))
            else:
                types.append(self.number(arg, depth, f"an argument of {name}()"))
        series = self.join(node, *types)
        if spec.shape == "reduce" and count == 1:
            series = None
        return _Type("number", series)

    def _name(self, node: ast.Name, depth: int) -> _Type:
        name = node.id
        if name not in self.names:
            if name in FUNCTIONS:
                self.fail(f"{name!r} is a function; call it as {name}(...)", node)
            hint = did_you_mean(name, list(self.names))
            known = ", ".join(sorted(self.names)) or "none"
            self.fail(f"unknown name {name!r} (declared inputs: {known})", node, hint)
        self.used.add(name)
        return _Type("number", self.names[name])

    def _constant(self, node: ast.AST, depth: int) -> _Type:
        assert isinstance(node, ast.Constant)
        value: Any = node.value
        if type(value) is bool:
            return _Type("bool", None)
        if type(value) is Decimal:
            return _Type("number", None)
        if type(value) not in (int, float):
            what = {str: "text", bytes: "bytes", complex: "complex numbers"}.get(
                type(value), repr(value)
            )
            self.fail(f"{what} cannot appear in a formula; only numbers can", node)
        source = self.segment(node) or repr(value)
        if len(source) > self.engine.max_literal_length:
            self.fail(
                f"the number {source[:20]}... is longer than {self.engine.max_literal_length} characters",
                node,
            )
        try:
            exact = Decimal(source.replace("_", ""))
        except decimal.InvalidOperation:
            self.fail(f"{source!r} is not a number kinerja can read exactly", node)
        if not exact.is_finite() or abs(exact.adjusted()) > self.engine.max_literal_length:
            self.fail(f"the number {source!r} is out of range", node)
        setattr(node, "value", exact)  # noqa: B010  (the tree holds exact Decimals)
        return _Type("number", None)


class Formula:
    """A checked, compiled formula: parse once, evaluate many times on any backend.

    Build one with :meth:`FormulaEngine.compile` (or :func:`kinerja.compile_formula`).

    Attributes:
        text: The formula as written.
        names: The input names the formula uses.
        series: The dimension the result runs over, or None for a scalar result.
        unit: The result's unit dimensionality (``"[person]"``, ``"dimensionless"``) when
            the formula was compiled with input units, else None.

    Example:
        >>> f = compile_formula("num / den * 100", names=["num", "den"])
        >>> f.evaluate({"num": 1794, "den": 2035}, decimals=2)
        Decimal('88.16')
    """

    __slots__ = ("_dims", "_tree", "names", "series", "text", "unit")

    def __init__(
        self,
        text: str,
        tree: ast.expr,
        names: frozenset[str],
        series: str | None,
        unit: str | None,
        dims: Mapping[str, str | None] | None = None,
    ) -> None:
        self.text = text
        self._tree = tree
        self.names = names
        self.series = series
        self.unit = unit
        # Each name's dimension (None for a single value), when known: evaluate() checks
        # that a series input gets a list and a single-value input does not.
        self._dims: dict[str, str | None] | None = None if dims is None else dict(dims)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    @property
    def tree(self) -> ast.expr:
        """The checked tree (numeric literals are Decimals). Do not modify it."""
        return self._tree

    def evaluate(
        self, values: Mapping[str, Any], *, decimals: int | None = None
    ) -> Decimal | tuple[Decimal, ...]:
        """Evaluate exactly with Decimal arithmetic.

        Args:
            values: A value for each name the formula uses: ints, Decimals, dot-decimal
                strings (``"88.04"``), floats (taken from their shortest repr), or
                sequences of those for series inputs.
            decimals: Round the result half-up to this many places (once, at the end).

        Returns:
            A Decimal, or a tuple of Decimals for a series result.

        Raises:
            EvaluationError: the formula has no value for these inputs (a missing input,
                a value that is not a number, a list for a single-value input, a zero
                denominator, series of different lengths); ``reason`` says which.
            TypeError: ``values`` is not a mapping.
            ValueError: ``decimals`` is not a whole number from 0 to 60.

        Example:
            >>> compile_formula("a / b", names=["a", "b"]).evaluate({"a": "1", "b": 3}, decimals=4)
            Decimal('0.3333')
        """
        if not isinstance(values, Mapping):
            raise TypeError(
                f"values must be a mapping of input names to values, not {type(values).__name__}"
            )
        if decimals is not None and not (type(decimals) is int and 0 <= decimals <= MAX_DECIMALS):
            raise ValueError(
                f"decimals must be a whole number from 0 to {MAX_DECIMALS} (or None), "
                f"not {decimals!r}"
            )
        exact: dict[str, Any] = {}
        for name in self.names:
            if name not in values:
                raise EvaluationError(f"no value for input {name!r}", formula=self.text)
            over = None if self._dims is None else self._dims.get(name, ...)
            exact[name] = _exact_value(name, values[name], self.text, over)
        result = self.evaluate_exact(exact)
        if type(result) is NotAvailable:
            raise EvaluationError(result.reason, formula=self.text)
        if isinstance(result, tuple):
            missing = next((v for v in result if type(v) is NotAvailable), None)
            if missing is not None:
                raise EvaluationError(missing.reason, formula=self.text)
            if decimals is not None:
                return tuple(self._published(v, decimals) for v in result)
            return result
        assert isinstance(result, Decimal)
        return result if decimals is None else self._published(result, decimals)

    def _published(self, value: Decimal, decimals: int) -> Decimal:
        oversized = too_many_digits(value, decimals)
        if oversized is not None:
            raise EvaluationError(oversized, formula=self.text)
        return round_half_up(value, decimals)

    def evaluate_on(self, backend: Backend, values: Mapping[str, Any]) -> Any:
        """Evaluate on any backend (with its own kind of values), in the exact Decimal context."""
        with decimal.localcontext(EXACT_CONTEXT):
            return self.evaluate_in_context(backend, values)

    def evaluate_in_context(self, backend: Backend, values: Mapping[str, Any]) -> Any:
        """:meth:`evaluate_on` for callers already inside the exact Decimal context."""
        ev = evaluator(backend)
        ev.names = values
        ev.expr = self.text
        try:
            return ev._eval(self._tree)
        except decimal.Overflow:
            return NotAvailable("the result is too large to represent")
        except decimal.InvalidOperation:
            return NotAvailable("the result is not a number (invalid operation)")

    def evaluate_exact(self, values: Mapping[str, Any]) -> Any:
        """Evaluate on values that are already Decimals, tuples of them, or NotAvailable.

        The fast path used by catalogs: no conversion, and n/a comes back as a
        ``NotAvailable`` object with its reason instead of an exception.
        """
        return self.evaluate_on(EXACT, values)

    def evaluate_intervals(self, values: Mapping[str, Any]) -> Any:
        """Evaluate on :class:`~kinerja._backends.Interval` values (Decimals count as exact).

        Returns the Interval holding every value the formula can take when each input is
        anywhere in its interval, or NotAvailable. Used by replay to judge published
        figures computed from rounded published inputs.
        """
        return self.evaluate_on(INTERVALS, values)

    def infer_unit(self, units: Mapping[str, str]) -> Any:
        """Evaluate once on pint quantities and return the result's pint unit.

        Raises:
            UnitError: the formula adds, compares or chooses between incompatible units.
        """
        from ._units import registry

        reg = registry()
        names = sorted(self.names)
        last: Exception | None = None
        # Distinct primes as magnitudes, so that a - b is never zero by accident; then
        # distinct magnitudes close to 1, for powers of powers that overflow a float.
        trials: list[tuple[float, ...]] = [
            tuple(map(float, _PRIMES[shift : shift + len(names)])) for shift in (0, 7, 13)
        ]
        trials.append(tuple(1 + p / 10_000 for p in _PRIMES[: len(names)]))
        for magnitudes in trials:
            values = {
                name: reg.Quantity(float(m), units[name])
                for name, m in zip(names, magnitudes, strict=False)
            }
            ev = evaluator(UNITS)
            ev.names = values
            ev.expr = self.text
            try:
                result = ev._eval(self._tree)
            except (ZeroDivisionError, OverflowError) as exc:
                last = exc
                continue
            except Exception as exc:
                raise UnitError(_unit_reason(exc), expression=self.text) from None
            if isinstance(result, reg.Quantity):
                return result.units
            return reg.dimensionless
        if isinstance(last, OverflowError):
            raise UnitError(
                "cannot check units: the formula's numbers grow too large for the check "
                "(a power of a power, or very large numbers multiplied)",
                expression=self.text,
            )
        raise UnitError(
            f"cannot check units: the formula divides by zero for every trial input ({last})",
            expression=self.text,
        )


_PRIMES: tuple[int, ...] = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67)
_PRIMES += tuple(range(71, 4000, 2))


def _unit_reason(exc: Exception) -> str:
    units1 = getattr(exc, "units1", None)
    units2 = getattr(exc, "units2", None)
    if units1 is not None and units2 is not None:
        left = str(units1) or "a plain number"
        right = str(units2) or "a plain number"
        if left == "dimensionless":
            left = "a plain number"
        if right == "dimensionless":
            right = "a plain number"
        return f"incompatible units: {left} and {right} cannot be added, compared or mixed"
    return f"units do not work out: {exc}"


def _plain_decimal(value: Any) -> Decimal:
    """``to_decimal``, and a plain Decimal even from a subclass: only kinerja's values run."""
    result = to_decimal(value)
    return result if type(result) is Decimal else Decimal(result)


def _exact_value(name: str, value: Any, text: str, over: Any = ...) -> Any:
    """The exact value of one input; ``over`` is its dimension, None, or ... (unknown)."""
    sequence = isinstance(value, list | tuple)
    if over is None and sequence:
        raise EvaluationError(
            f"input {name!r} takes a single value, not a list of {len(value)}",
            formula=text,
        )
    if isinstance(over, str) and not sequence:
        raise EvaluationError(
            f"input {name!r} is a series over {over!r}: give a list of values, "
            f"not {type(value).__name__} {value!r:.40}",
            formula=text,
        )
    if (
        type(value) is Decimal
        and value.is_finite()
        and written_out_digits(value) <= MAX_INPUT_DIGITS
    ):
        return value  # what to_decimal would return, without its type tests
    if sequence:
        bulk = exact_series(value)
        if bulk is not None:
            return bulk
        try:
            return tuple(_plain_decimal(v) for v in value)
        except ValueError as exc:
            raise EvaluationError(f"input {name!r}: {exc}", formula=text) from None
    try:
        return _plain_decimal(value)
    except ValueError as exc:
        raise EvaluationError(f"input {name!r}: {exc}", formula=text) from None


_RESERVED = frozenset(FUNCTIONS) | frozenset(keyword.kwlist) | {"True", "False", "None"}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an input name, or None when it can."""
    if not name.isidentifier() or not name.isascii():
        return f"{name!r} is not a valid input name (letters, digits and '_', not starting with a digit)"
    if name in _RESERVED:
        return f"{name!r} is reserved in the formula language"
    if name.startswith("_"):
        return f"{name!r} starts with '_', which is reserved"
    return None


class FormulaEngine:
    """Compiles formulas under explicit limits. Build one, compile many.

    Args:
        max_length: Longest formula text accepted, in characters.
        max_depth: Deepest nesting of operations accepted.
        max_nodes: Most parts (names, numbers, operations) in one formula.
        max_exponent: Largest absolute constant exponent allowed with ``**``.
        max_literal_length: Longest number literal, in characters.

    Example:
        >>> engine = FormulaEngine(max_length=200)
        >>> engine.compile("0.5 * smart + 0.5 * ikpa", names=["smart", "ikpa"]).evaluate(
        ...     {"smart": "93.17", "ikpa": "89.45"})
        Decimal('91.310')
    """

    def __init__(
        self,
        *,
        max_length: int = 1000,
        max_depth: int = 64,
        max_nodes: int = 400,
        max_exponent: int = 4,
        max_literal_length: int = 40,
    ) -> None:
        for label, value in (
            ("max_length", max_length),
            ("max_depth", max_depth),
            ("max_nodes", max_nodes),
            ("max_exponent", max_exponent),
            ("max_literal_length", max_literal_length),
        ):
            if type(value) is not int or value < 0:
                raise ValueError(f"{label} must be a non-negative int, got {value!r}")
        self.max_length = max_length
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.max_exponent = max_exponent
        self.max_literal_length = max_literal_length

    def __repr__(self) -> str:
        return (
            f"FormulaEngine(max_length={self.max_length}, max_depth={self.max_depth}, "
            f"max_nodes={self.max_nodes}, max_exponent={self.max_exponent}, "
            f"max_literal_length={self.max_literal_length})"
        )

    def _check_numbers(self, text: str) -> None:
        """Refuse a number that is too long, or not a number, before Python parses it."""
        shown = text
        if "'" in text or '"' in text:
            text = _QUOTED.sub(lambda m: " " * len(m.group()), text)
        limit = self.max_literal_length
        for number in _NAME_OR_NUMBER.findall(text):
            if number and (len(number) > limit or not _PYTHON_NUMBER.fullmatch(number)):
                break
        else:
            return
        # Found one: where is it? (Only on this error path are match objects worth making.)
        column = next(m.start() for m in _NAME_OR_NUMBER.finditer(text) if m.group(1) == number)
        if len(number) > limit:
            raise FormulaError(
                f"the number {number[:20]}... is longer than {limit} characters",
                expression=shown,
                column=column,
            )
        raise FormulaError(
            f"{number!r} is not a number",
            expression=shown,
            column=column,
            suggestion="put a space or an operator between a number and a word",
        )

    def compile(
        self,
        text: str,
        names: Iterable[str] | Mapping[str, str | None],
        *,
        units: Mapping[str, str] | None = None,
        unit: str | None = None,
    ) -> Formula:
        """Parse, check and compile a formula.

        Args:
            text: The formula, a Python expression subset (see docs/formula-language.md).
            names: The input names it may use; a mapping gives each name the dimension it
                runs over (``{"melapor": "bulan"}``) or None for a scalar.
            units: The unit of each name; with it the result unit is inferred and checked.
            unit: The declared result unit, checked against the inferred one.

        Raises:
            FormulaError: the text is refused; nothing was run.
            UnitError: the units do not work out, or disagree with ``unit``.
        """
        return self._compile(text, names, units=units, unit=unit, trusted_length=False)

    def _compile(
        self,
        text: str,
        names: Iterable[str] | Mapping[str, str | None],
        *,
        units: Mapping[str, str] | None,
        unit: str | None,
        trusted_length: bool,
    ) -> Formula:
        if not isinstance(text, str):
            raise FormulaError(f"a formula must be text, not {type(text).__name__}")
        if not trusted_length and len(text) > self.max_length:
            raise FormulaError(
                f"the formula is {len(text)} characters long; the limit is {self.max_length}",
                expression=text,
            )
        if not text.strip():
            raise FormulaError("the formula is empty")
        _check_characters(text)
        self._check_numbers(text)
        declared = _names_map(names)
        for name in declared:
            problem = name_problem(name)
            if problem:
                raise FormulaError(problem, expression=text)
        # From here on, offsets are those of the stripped text, which is what is parsed.
        text = text.strip()
        try:
            parsed = _parse(text)
        except SyntaxError as exc:
            column = None
            if exc.lineno and exc.offset and exc.lineno <= len(starts := _line_starts(text)):
                column = min(starts[exc.lineno - 1] + exc.offset - 1, len(text))
            raise FormulaError(
                f"this is not a valid formula: {exc.msg}", expression=text, column=column
            ) from None
        except (RecursionError, MemoryError):
            raise FormulaError(
                "the formula nests too deeply for Python's parser to read it", expression=text
            ) from None
        except (ValueError, OverflowError) as exc:
            raise FormulaError(f"this is not a valid formula: {exc}", expression=text) from None
        checker = _Checker(self, text, declared)
        try:
            found = checker.check(parsed.body, 0)
        except RecursionError:
            raise FormulaError("the formula nests too deeply", expression=text) from None
        if found.kind != "number":
            raise FormulaError(
                "the formula gives true/false, not a number",
                expression=text,
                suggestion="wrap it as where(condition, 1, 0)",
            )
        dims = {name: declared[name] for name in checker.used}
        formula = Formula(text, parsed.body, frozenset(checker.used), found.series, None, dims)
        if unit is not None and units is None:
            raise UnitError(
                f"a declared unit ({unit}) can only be checked with the inputs' units",
                expression=text,
                suggestion="pass units={name: unit, ...} too",
            )
        if units is not None:
            formula.unit = check_units(formula, units, unit)
        return formula


def _parse(text: str) -> ast.Expression:
    """``ast.parse(text, mode="eval")``, safe to call from several threads at once."""
    for attempt in range(_PARSE_ATTEMPTS):
        try:
            with _PARSE_LOCK:
                return ast.parse(text, mode="eval")
        except SystemError:
            if attempt == _PARSE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _check_characters(text: str) -> None:
    """Refuse characters that have no place in a formula, before Python's parser sees them."""
    if not text.isascii():
        position = next(i for i, ch in enumerate(text) if not ch.isascii())
        raise FormulaError(
            f"the formula contains the non-ASCII character {text[position]!r}; formulas "
            "are written with ASCII letters, digits and operators",
            expression=text,
            column=position,
        )
    control = _CONTROL.search(text)
    if control is not None:
        raise FormulaError(
            f"the formula contains the control character {control.group()!r}; formulas are "
            "written with letters, digits, operators, spaces and line breaks",
            expression=text,
            column=control.start(),
        )
    position = text.find("#")
    if position >= 0:
        raise FormulaError(
            "'#' is not part of the formula language: in Python it starts a comment, and "
            "everything after it would be silently ignored",
            expression=text,
            column=position,
            suggestion="remove it; explain the formula in the indicator's description",
        )
    position = text.find("\\")
    if position >= 0:
        raise FormulaError(
            "a backslash is not part of the formula language",
            expression=text,
            column=position,
            suggestion="a formula may run over several lines inside parentheses, without '\\'",
        )


def check_units(formula: Formula, units: Mapping[str, str], declared: str | None) -> str:
    """Infer ``formula``'s unit from its inputs' units; check it against ``declared``.

    Returns the dimensionality of the result as text.
    """
    from ._units import registry, unit_problem

    if declared is not None:
        problem = unit_problem(declared)
        if problem:
            raise UnitError(f"declared unit: {problem}", expression=formula.text)
    for name in formula.names:
        if name not in units:
            raise UnitError(f"no unit given for input {name!r}", expression=formula.text)
        problem = unit_problem(units[name])
        if problem:
            raise UnitError(f"input {name!r}: {problem}", expression=formula.text)
    result = formula.infer_unit(units)
    dim = str(result.dimensionality)
    if declared is not None:
        want = str(registry().Unit(declared).dimensionality)
        if dim != want:
            shown = str(result) or "a plain number"
            if shown == "dimensionless":
                shown = "a plain number (dimensionless)"
            raise UnitError(
                f"the formula gives {shown}, but the declared unit is {declared} ({want})",
                expression=formula.text,
            )
    return dim


DEFAULT_ENGINE = FormulaEngine()


def compile_formula(
    text: str,
    names: Iterable[str] | Mapping[str, str | None],
    *,
    units: Mapping[str, str] | None = None,
    unit: str | None = None,
    engine: FormulaEngine | None = None,
) -> Formula:
    """Compile one formula with the default limits (or ``engine``'s).

    For callers who embed only the formula engine.

    Example:
        >>> compile_formula("mean(melapor / ditugaskan) * 100",
        ...                 names={"melapor": "bulan", "ditugaskan": "bulan"}).evaluate(
        ...     {"melapor": [2050, 2060], "ditugaskan": [2099, 2099]}, decimals=2)
        Decimal('97.90')
    """
    return (engine or DEFAULT_ENGINE).compile(text, names, units=units, unit=unit)


def compose(
    text: str, tree: ast.expr, parts: Iterable[Formula], series: str | None = None
) -> Formula:
    """A formula built from already-checked parts (the ratio and weights forms)."""
    parts = list(parts)
    names: frozenset[str] = frozenset().union(*(p.names for p in parts))
    dims: dict[str, str | None] | None = {}
    for part in parts:
        if part._dims is None or dims is None:
            dims = None
        else:
            dims.update(part._dims)
    return Formula(text, tree, names, series, None, dims)
