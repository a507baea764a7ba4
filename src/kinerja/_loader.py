"""Loading a folder of definitions: read, validate, compile, check; every problem at once."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ._bands import band_problems
from ._catalog import Catalog, CompiledIndicator
from ._data import number_text_hint
from ._errors import DefinitionError, FormulaError, Problem, UnitError, did_you_mean
from ._formula import DEFAULT_ENGINE, Formula, FormulaEngine, check_units, compose, name_problem
from ._model import BandSet, Goal, Indicator, InForce
from ._toml import key_lines, line_of, read_toml
from ._units import dimensionality, is_additive, is_count, unit_problem

_KINDS = ("indicator", "bands", "goal")
_MODELS: dict[str, type[Indicator] | type[BandSet] | type[Goal]] = {
    "indicator": Indicator,
    "bands": BandSet,
    "goal": Goal,
}
# Top-level keys of a data file: a file with these and no id is data, not a definition.
_DATA_KEYS = frozenset({"year", "values", "reported"})


@dataclass
class _Source:
    file: str
    text: str = ""
    _lines: dict[tuple[str | int, ...], int] | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[tuple[str | int, ...], int]:
        # Mapping keys to lines costs a scan of the file: only a file with a problem pays it.
        if self._lines is None:
            self._lines = key_lines(self.text)
        return self._lines

    def problem(
        self,
        message: str,
        path: Iterable[str | int] = (),
        *,
        indicator: str | None = None,
        suggestion: str | None = None,
    ) -> Problem:
        key_path = tuple(path)
        return Problem(
            message,
            file=self.file,
            line=line_of(self.lines, key_path) if key_path else None,
            indicator=indicator,
            key=_dotted(key_path) or None,
            suggestion=suggestion,
        )


def _dotted(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


# What to add when a required key is missing, by key name.
_REQUIRED_HINTS = {
    "id": 'add id = "...", a dotted id like "rehsos.kemampuan"',
    "name": 'add name = "...", the name as printed in the report',
    "unit": 'add unit = "...", for example "percent", "person" or "point"',
    "formula": "add a [formula] table with numerator and denominator, weights, or expr",
    "min": "a range is { min = ..., max = ... }",
    "max": "a range is { min = ..., max = ... }",
    "label": "each band needs label, name, min and max",
    "sample": 'sampling needs sample = "..." and population = "...", naming inputs',
    "population": 'sampling needs sample = "..." and population = "...", naming inputs',
    "dimension": 'add dimension = "...", the name of the breakdown, like "kluster"',
    "bands": "add bands = [ { label = ..., name = ..., min = ..., max = ... }, ... ]",
}

# How to write a table, by key name, for values that should be one and are not.
_TABLE_HINTS = {
    "in_force": "write in_force = { from = 2020, until = 2024 }",
    "inputs": 'write [inputs] and one line per input, like x = { unit = "person" }',
    "targets": "write [targets] and one line per year, like 2023 = 80",
    "formula": "write [formula] with numerator and denominator, weights, or expr",
    "sampling": 'write [sampling] with sample = "..." and population = "..."',
    "disaggregation": 'write [disaggregation] with dimension = "..."',
    "weights": "write weights = { input_a = 1, input_b = 2 }",
}

_MISSING: Any = object()


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> list[Any]:
    """The non-None members of a union (one for a plain type), without Annotated."""
    plain = _strip(annotation)
    if get_origin(plain) in (Union, UnionType):
        return [_strip(a) for a in get_args(plain) if a is not type(None)]
    return [plain]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _child(annotation: Any, part: str | int, *, key: bool = False) -> Any:
    """The annotation one step down ``part`` (a field, a mapping key, an index), or None."""
    members = _members(annotation) if annotation is not None else []
    if len(members) > 1:  # a target: a number, or a table that is a range
        members = [m for m in members if _is_model(m)] if isinstance(part, str) else []
    if len(members) != 1:
        return None
    current = members[0]
    if _is_model(current):
        for name, info in current.model_fields.items():
            if part in (name, info.alias):
                if info.metadata:
                    return Annotated[(info.annotation, *info.metadata)]
                return info.annotation
        return None
    args = get_args(current)
    origin = get_origin(current)
    if origin in (dict, Mapping) and len(args) == 2:
        return args[0] if key else args[1]
    if origin in (tuple, list) and args:
        return args[0]
    return None


@dataclass
class _Located:
    """A pydantic error location mapped onto the file: the key path as written."""

    path: tuple[str | int, ...]
    annotation: Any
    branch: Any = None  # the union member pydantic tried, when the value is a union
    union: tuple[Any, ...] = ()
    union_depth: int = 0  # length of the path to the union value
    is_key: bool = False


def _locate(model: type[BaseModel], loc: tuple[str | int, ...]) -> _Located:
    path: list[str | int] = []
    current: Any = model
    found = _Located((), model)
    items = list(loc)
    index = 0
    while index < len(items):
        part = items[index]
        members = _members(current) if current is not None else []
        if len(members) > 1 and isinstance(part, str):
            chosen = next(
                (m for m in members if getattr(m, "__name__", "").lower() == part.lower()), None
            ) or next((m for m in members if getattr(m, "__name__", "\0") in part), None)
            if chosen is not None:
                found.branch, found.union = chosen, tuple(members)
                found.union_depth = len(path)
                current = chosen
                index += 1
                continue
        if isinstance(part, str) and part.startswith("function-"):
            index += 1
            continue
        if index + 1 < len(items) and items[index + 1] == "[key]":
            path.append(part)
            current = _child(current, part, key=True)
            found.is_key = True
            index += 2
            continue
        path.append(part)
        current = _child(current, part)
        index += 1
    found.path = tuple(path)
    found.annotation = current
    return found


def _raw_at(document: Any, path: Iterable[str | int]) -> Any:
    current = document
    for part in path:
        if isinstance(current, Mapping):
            if part in current:
                current = current[part]
            elif str(part) in current:
                current = current[str(part)]
            else:
                return _MISSING
        elif isinstance(current, list | tuple) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            return _MISSING
    return current


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Decimal) and value.is_nan():
        return "nan"
    if isinstance(value, Decimal) and value.is_infinite():
        return "-inf" if value < 0 else "inf"
    return str(value)


def _bounds(annotation: Any) -> tuple[Any, Any]:
    low = high = None
    if get_origin(annotation) is Annotated:
        for meta in get_args(annotation)[1:]:
            for item in (meta, *getattr(meta, "metadata", ())):
                low = getattr(item, "ge", low)
                high = getattr(item, "le", high)
    return low, high


def _field_names(annotation: Any) -> list[str]:
    members = _members(annotation) if annotation is not None else []
    if len(members) != 1 or not _is_model(members[0]):
        return []
    return [info.alias or name for name, info in members[0].model_fields.items()]


def _id_example(text: str) -> str | None:
    fixed = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text.strip().replace("/", "."))
    fixed = re.sub(r"\.{2,}", ".", fixed).strip("._-")
    if fixed and fixed != text and re.fullmatch(_ID_PATTERN, fixed):
        return f"for example {fixed!r}"
    return None


_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9][A-Za-z0-9_\-]*)*"
_NUMERIC = (int, Decimal)


def _number_fix(key: str, raw: Any) -> str | None:
    """How to write a number that was given as text."""
    if not isinstance(raw, str):
        return None
    hint = number_text_hint(raw)
    if hint is not None:
        return hint[1]
    try:
        number = Decimal(raw.strip())
    except ArithmeticError:
        return None
    return f"remove the quotes: {key} = {raw.strip()}" if number.is_finite() else None


def _message(error: Any, located: _Located, raw: Any, key: str) -> tuple[str, str | None]:
    """Planner-readable message and suggestion for one pydantic error."""
    kind = error["type"]
    context = error.get("ctx") or {}
    got = _describe(raw)
    numeric_or_range = (
        located.branch is not None
        and not _is_model(located.branch)
        and any(_is_model(m) for m in located.union)
    )
    if kind == "missing":
        return "this key is required", _REQUIRED_HINTS.get(key)
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"expected a whole number, got {got}", _number_fix(key, raw)
    if kind in {"decimal_type", "decimal_parsing", "float_type", "float_parsing"} or (
        kind == "finite_number"
    ):
        wanted = "a finite number" if kind == "finite_number" else "a number"
        if numeric_or_range:
            wanted = "a number (like 80) or a range like { min = 75, max = 85 }"
        fix = _number_fix(key, raw)
        if fix is None and located.path[:1] == ("targets",) and kind == "finite_number":
            fix = "leave the year out of [targets] when there is no target"
        return f"expected {wanted}, got {got}", fix
    if kind == "string_type":
        suggestion = None
        if (
            isinstance(raw, int | Decimal)
            and not isinstance(raw, bool)
            and Decimal(raw).is_finite()
        ):
            suggestion = f'write {key} = "{raw}"'
        return f"expected text in quotes, got {got}", suggestion
    if kind == "string_too_short":
        return "must not be empty", None
    if kind == "string_too_long":
        return f"is longer than {context.get('max_length')} characters", None
    if kind == "string_pattern_mismatch":
        return (
            f"{raw!r} is not a valid id: use letters, digits, '_' and '-', in parts joined "
            "by '.' (like 'rehsos.kemampuan')",
            _id_example(str(raw)),
        )
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        return (
            f"expected {' or '.join(repr(o) for o in options)}, got {got}",
            did_you_mean(str(raw), options),
        )
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        low, high = _bounds(located.annotation)
        if located.is_key:
            return f"{key} is not a year from {low} to {high}", None
        if low is not None and high is not None:
            return f"must be from {low} to {high}, got {got}", None
        return error["msg"].replace("Input should be", "must be") + f", got {got}", None
    if kind == "too_short":
        count = context.get("min_length", 1)
        return f"needs at least {count} item{'s' if count != 1 else ''}, got none", (
            _REQUIRED_HINTS.get(key)
        )
    if kind in {"dict_type", "model_type", "model_attributes_type", "mapping_type"}:
        return f"expected a table, got {got}", _TABLE_HINTS.get(key)
    if kind in {"tuple_type", "list_type"}:
        return f"expected a list [ ... ], got {got}", None
    message = str(error["msg"])
    if message.startswith("Value error, "):
        return message[len("Value error, ") :], None
    if raw is not _MISSING and not isinstance(raw, Mapping | list | tuple):
        message += f" (got {got})"
    return message, None


def _validation_problems(
    exc: ValidationError,
    model: type[BaseModel],
    document: Mapping[str, Any],
    source: _Source,
    indicator: str | None,
) -> list[Problem]:
    errors = []
    for error in exc.errors():
        located = _locate(model, tuple(error["loc"]))
        errors.append((error, located))
    # A union (a target is a number or a range) fails once per member; keep the member
    # that fits what was written: a table is a range, anything else a number.
    tried: dict[tuple[str | int, ...], set[Any]] = {}
    for _, located in errors:
        if located.branch is not None:
            base = located.path[: located.union_depth]
            tried.setdefault(base, set()).add(located.branch)
    kept = []
    for error, located in errors:
        if error["type"] == "too_short":
            # pydantic counts only the items that validated: a list whose items all failed
            # is "too short", but each failing item is reported on its own.
            raw = _raw_at(document, located.path)
            wanted = (error.get("ctx") or {}).get("min_length", 1)
            if isinstance(raw, list | tuple) and len(raw) >= wanted:
                continue
        if located.branch is not None:
            base = located.path[: located.union_depth]
            raw = _raw_at(document, base)
            if len(tried[base]) > 1 and _is_model(located.branch) != isinstance(raw, Mapping):
                continue
        kept.append((error, located))
    problems: list[Problem] = []
    renamed: set[tuple[tuple[str | int, ...], str]] = set()
    for error, located in kept:
        if error["type"] != "extra_forbidden":
            continue
        path = located.path
        known = _field_names(_locate(model, tuple(error["loc"])[:-1]).annotation)
        word = str(path[-1]) if path else ""
        suggestion = did_you_mean(word, known)
        if suggestion is not None:
            for name in known:
                if repr(name) in suggestion:
                    renamed.add((path[:-1], name))
        elif known:
            suggestion = "known keys: " + ", ".join(sorted(known))
        problems.append(
            source.problem(
                f"unknown key {word!r}", path, indicator=indicator, suggestion=suggestion
            )
        )
    for error, located in kept:
        if error["type"] == "extra_forbidden":
            continue
        path = located.path
        key = str(path[-1]) if path else ""
        if error["type"] == "missing" and (path[:-1], key) in renamed:
            continue  # the unknown key next to it is this one, misspelt: one problem is enough
        raw = _raw_at(document, path)
        message, suggestion = _message(error, located, raw, key)
        if error["type"] == "value_error":
            path, suggestion = _refine(path, message, document)
        problems.append(source.problem(message, path, indicator=indicator, suggestion=suggestion))
    return problems


def _refine(
    path: tuple[str | int, ...], message: str, document: Mapping[str, Any]
) -> tuple[tuple[str | int, ...], str | None]:
    """A more precise key, and a suggestion, for a rule that spans a whole table."""
    if path == ("formula",):
        if message.startswith("weights is empty"):
            return ("formula", "weights"), _TABLE_HINTS["weights"]
        if message.startswith("weights"):
            return ("formula", "weights"), "give every weight a number above 0"
        if message.startswith("factor is 0"):
            return ("formula", "factor"), None
        if message.startswith("factor belongs"):
            return ("formula", "factor"), "remove factor, or write the formula as a ratio"
        if message.startswith("give one formula form"):
            return path, "keep one of them"
        if message.startswith("a ratio needs both"):
            missing = "denominator" if "denominator is missing" in message else "numerator"
            return path, f'add {missing} = "..."'
    if path == ("targets",):
        targets = document.get("targets")
        if isinstance(targets, Mapping):
            for year in targets:
                if not (isinstance(year, int) or str(year).isdigit()):
                    digits = re.findall(r"(?<!\d)\d{4}(?!\d)", str(year))
                    return ("targets", year), (
                        f"did you mean {digits[0]}?"
                        if len(digits) == 1
                        else "write the year, like 2024 = 85"
                    )
    if len(path) == 2 and path[0] == "targets" and message.startswith("min ("):
        return path, "swap min and max"
    if path == ("in_force",) and message.startswith("from ("):
        return path, "swap from and until"
    return path, None


_NUMBER_LIKE = re.compile(r"^\s*[-+]?[\d.,]+\s*%?\s*$")


def _has_suspect_leaf(raw: Any) -> bool:
    """Any text that looks like a number, or any true/false: worth the typed walk below.

    This walk and the one below recurse: read_toml refuses documents nested more than
    MAX_DEPTH levels, which keeps them far from Python's recursion limit.
    """
    if isinstance(raw, Mapping):
        return any(_has_suspect_leaf(v) for v in raw.values())
    if isinstance(raw, list | tuple):
        return any(_has_suspect_leaf(v) for v in raw)
    if isinstance(raw, bool):
        return True
    return isinstance(raw, str) and _NUMBER_LIKE.match(raw) is not None


def _quoted_numbers(
    annotation: Any, raw: Any, path: tuple[str | int, ...], source: _Source, indicator: str | None
) -> list[Problem]:
    """Numbers written as text (``decimals = "2"``) or as true/false: pydantic would take them."""
    problems: list[Problem] = []
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            problems.extend(
                _quoted_numbers(_child(annotation, key), value, (*path, key), source, indicator)
            )
        return problems
    if isinstance(raw, list | tuple):
        for index, value in enumerate(raw):
            problems.extend(
                _quoted_numbers(_child(annotation, index), value, (*path, index), source, indicator)
            )
        return problems
    if annotation is None or not isinstance(raw, str | bool):
        return problems
    members = _members(annotation)
    if str in members or not any(m in _NUMERIC for m in members):
        return problems
    key = str(path[-1]) if path else ""
    wanted = "a number" if Decimal in members else "a whole number"
    if isinstance(raw, bool):
        problems.append(
            source.problem(f"expected {wanted}, got {_describe(raw)}", path, indicator=indicator)
        )
        return problems
    try:
        number = Decimal(raw.strip())
    except ArithmeticError:
        return problems
    if number.is_finite():
        problems.append(
            source.problem(
                f"expected {wanted}, got the text {raw!r}",
                path,
                indicator=indicator,
                suggestion=f"remove the quotes: {key} = {raw.strip()}",
            )
        )
    return problems


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*.toml")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


@dataclass
class _Parsed:
    indicators: list[tuple[Indicator, _Source]] = field(default_factory=list)
    band_sets: list[tuple[BandSet, _Source]] = field(default_factory=list)
    goals: list[tuple[Goal, _Source]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Indicators whose file failed validation in some keys: the rest of the file still
    # gets every check, so a planner sees all of a file's problems in one run.
    partial: list[tuple[Indicator, _Source]] = field(default_factory=list)
    # Ids of files that failed; a reference to one is not also "not defined".
    broken_ids: set[str] = field(default_factory=set)


def _without_failed_keys(model: type[BaseModel], document: Mapping[str, Any], exc: Any) -> Any:
    """The model of ``document`` without the top-level keys that failed, or None."""
    failed = {error["loc"][0] for error in exc.errors() if error["loc"]}
    if "inputs" in failed:
        # Without its inputs, every name of the formula would look unknown.
        return None
    reduced = {k: v for k, v in document.items() if k not in failed}
    try:
        return model.model_validate(reduced)
    except ValidationError:
        return None


def _read(paths: list[Path], root: Path) -> _Parsed:
    parsed = _Parsed()
    for path in paths:
        shown = str(path)
        document, text, problem = read_toml(path, shown)
        if problem is not None or document is None:
            parsed.problems.append(problem or Problem("cannot read the file", file=shown))
            continue
        source = _Source(shown, text)
        ident = document.get("id") if isinstance(document.get("id"), str) else None
        kind = document.get("kind", "indicator")
        if "id" not in document and "kind" not in document and _DATA_KEYS & set(document):
            parsed.problems.append(
                source.problem(
                    "this is a data file, not a definition",
                    suggestion="keep data files outside the definitions folder and pass them with --data",
                )
            )
            continue
        if kind not in _KINDS:
            hint = did_you_mean(str(kind), _KINDS)
            parsed.problems.append(
                source.problem(
                    f"unknown kind {_describe(kind).removeprefix('the text ')}; a definition "
                    'file is kind = "indicator" (the default), kind = "bands" or kind = "goal"',
                    ("kind",),
                    indicator=ident,
                    suggestion=hint,
                )
            )
            continue
        model = _MODELS[kind]
        quoted = (
            _quoted_numbers(model, document, (), source, ident)
            if _has_suspect_leaf(document)
            else []
        )
        try:
            definition = model.model_validate(document)
        except ValidationError as exc:
            parsed.problems.extend(quoted)
            parsed.problems.extend(_validation_problems(exc, model, document, source, ident))
            if ident is not None:
                parsed.broken_ids.add(ident)
            rest = _without_failed_keys(model, document, exc) if model is Indicator else None
            if isinstance(rest, Indicator) and not quoted:
                parsed.partial.append((rest, source))
            continue
        if quoted:
            parsed.problems.extend(quoted)
            continue
        if isinstance(definition, Indicator):
            parsed.indicators.append((definition, source))
        elif isinstance(definition, Goal):
            parsed.goals.append((definition, source))
        else:
            parsed.band_sets.append((definition, source))
    return parsed


_UNIT_HINT = "known units include percent, person, institution, point, IDR and month"


def _split_hint(issue: str, fallback: str | None = None) -> tuple[str, str | None]:
    """Split ``unknown unit 'x'; did you mean 'y'?`` into the message and the suggestion."""
    message, _, hint = issue.partition("; ")
    return message, hint or fallback


def _input_name_hint(name: str) -> str | None:
    fixed = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    if fixed and fixed != name and name_problem(fixed) is None:
        return f"did you mean {fixed!r}?"
    if name_problem(name + "_") is None:
        return "rename it: function names and Python keywords cannot be input names"
    return None


def _overlap_problem(
    indicator: Indicator | Goal, source: _Source, other: Indicator | Goal, other_file: str
) -> Problem:
    """Two versions of one id in force in a shared year: say which years, and how to fix."""
    ident = indicator.id
    mine, theirs = indicator.in_force, other.in_force
    if "in_force" not in indicator.model_fields_set and "in_force" not in other.model_fields_set:
        return source.problem(
            f"id {ident!r} is also defined in {other_file}, and neither has in_force, so "
            "both apply every year",
            ("id",),
            indicator=ident,
            suggestion="give each indicator its own id, or give the two versions "
            "in_force = { from = ..., until = ... } spans that do not overlap",
        )
    firsts = [y for y in (mine.first, theirs.first) if y is not None]
    lasts = [y for y in (mine.last, theirs.last) if y is not None]
    shared = InForce.model_validate(
        {"from": max(firsts) if firsts else None, "until": min(lasts) if lasts else None}
    )
    suggestion = "give the versions in_force spans that do not overlap"
    mine_start = -1 if mine.first is None else mine.first
    theirs_start = -1 if theirs.first is None else theirs.first
    if mine_start != theirs_start:
        later, older_file = (
            (mine_start, other_file) if mine_start > theirs_start else (theirs_start, "this file")
        )
        suggestion = f"set until = {later - 1} in {older_file}, the older version"
    return source.problem(
        f"two versions of {ident!r} are in force {shared.describe()}: {other_file} "
        f"({theirs.describe()}) and this one ({mine.describe()})",
        ("in_force",) if "in_force" in indicator.model_fields_set else ("id",),
        indicator=ident,
        suggestion=suggestion,
    )


def _formula_problem(
    exc: FormulaError, source: _Source, ident: str, path: tuple[str, ...]
) -> Problem:
    message = exc.reason
    if exc.column is not None and exc.expression:
        message += f" (column {exc.column + 1} of {exc.expression!r})"
    elif exc.expression and not isinstance(exc, UnitError):
        message += f" (in {exc.expression!r})"
    suggestion = exc.suggestion
    comma = re.search(r"\d,\d", exc.expression)
    if suggestion is None and comma is not None and not isinstance(exc, UnitError):
        number = re.search(r"\d+,\d+", exc.expression[max(comma.start() - 20, 0) :])
        shown = number.group(0) if number else "0,5"
        suggestion = f"write {shown.replace(',', '.')}, not {shown}: a dot for decimals"
    return source.problem(message, path, indicator=ident, suggestion=suggestion)


@dataclass
class _Built:
    entry: CompiledIndicator | None
    problems: list[Problem]


def _compile_indicator(
    indicator: Indicator, source: _Source, engine: FormulaEngine
) -> tuple[CompiledIndicator | None, list[Problem]]:
    """Check one indicator on its own and compile its formula (units are checked later)."""
    ident = indicator.id
    problems: list[Problem] = []
    unit_issue = unit_problem(indicator.unit)
    if unit_issue:
        message, hint = _split_hint(unit_issue, _UNIT_HINT)
        problems.append(source.problem(message, ("unit",), indicator=ident, suggestion=hint))
    names: dict[str, str | None] = {}
    for name, spec in indicator.inputs.items():
        issue = name_problem(name)
        if issue:
            problems.append(
                source.problem(
                    issue, ("inputs", name), indicator=ident, suggestion=_input_name_hint(name)
                )
            )
            continue
        if spec.unit is not None:
            issue = unit_problem(spec.unit)
            if issue:
                message, hint = _split_hint(issue, _UNIT_HINT)
                problems.append(
                    source.problem(
                        message, ("inputs", name, "unit"), indicator=ident, suggestion=hint
                    )
                )
        names[name] = spec.over
    form = indicator.formula
    formula: Formula | None = None
    numerator = denominator = None
    factor = form.factor if form.factor is not None else Decimal(1)
    try:
        if form.form == "ratio":
            assert form.numerator is not None and form.denominator is not None
            parts = []
            for key, text in (("numerator", form.numerator), ("denominator", form.denominator)):
                try:
                    parts.append(engine.compile(text, names))
                except FormulaError as exc:
                    problems.append(_formula_problem(exc, source, ident, ("formula", key)))
            if len(parts) == 2:
                numerator, denominator = parts
                tree = ast.BinOp(
                    ast.BinOp(numerator.tree, ast.Div(), denominator.tree),
                    ast.Mult(),
                    ast.Constant(factor),  # type: ignore[arg-type]  # exact literal
                )
                shown = f"({numerator.text}) / ({denominator.text}) * {factor}"
                series = numerator.series or denominator.series
                formula = compose(shown, tree, parts, series)
        elif form.form == "weights":
            assert form.weights is not None
            unknown = [k for k in form.weights if k not in names]
            for key in unknown:
                problems.append(
                    source.problem(
                        f"weight for {key!r}, which is not a declared input",
                        ("formula", "weights", key),
                        indicator=ident,
                        suggestion=did_you_mean(key, names) or "declare it under [inputs]",
                    )
                )
            if not unknown:
                total = sum(form.weights.values(), Decimal(0))
                terms = [f"{w} * {k}" for k, w in form.weights.items()]
                text = f"({_balanced_sum(terms)}) / {total}"
                formula = engine._compile(text, names, units=None, unit=None, trusted_length=True)
        else:
            assert form.expr is not None
            formula = engine.compile(form.expr, names)
    except FormulaError as exc:
        problems.append(_formula_problem(exc, source, ident, ("formula", form.form)))
        formula = None
    if formula is not None and formula.series is not None:
        problems.append(
            source.problem(
                f"the formula gives a series over {formula.series!r}, not one value",
                ("formula",),
                indicator=ident,
                suggestion="reduce it with mean(), sum(), min() or max()",
            )
        )
    # Sampling: a ratio whose sample and population are declared count inputs.
    if indicator.sampling is not None:
        for key in ("sample", "population"):
            name = getattr(indicator.sampling, key)
            if name not in indicator.inputs:
                problems.append(
                    source.problem(
                        f"{key} {name!r} is not a declared input",
                        ("sampling", key),
                        indicator=ident,
                        suggestion=did_you_mean(name, list(indicator.inputs))
                        or "declare it under [inputs]",
                    )
                )
            elif (
                indicator.inputs[name].over is not None
                or indicator.inputs[name].indicator is not None
            ):
                problems.append(
                    source.problem(
                        f"{key} {name!r} must be a plain count input",
                        ("sampling", key),
                        indicator=ident,
                    )
                )
        if form.form != "ratio":
            problems.append(
                source.problem(
                    "sampling needs the numerator/denominator form (a proportion of the sample)",
                    ("sampling",),
                    indicator=ident,
                    suggestion="write the formula as numerator and denominator",
                )
            )
    # Targets only in the years the definition is in force.
    for year in indicator.targets:
        if not indicator.in_force.covers(year):
            problems.append(
                source.problem(
                    f"target for {year}, but this definition is in force "
                    + indicator.in_force.describe(),
                    ("targets", str(year)),
                    indicator=ident,
                    suggestion="move the target to the version in force that year",
                )
            )
    references = {name: spec.indicator for name, spec in indicator.inputs.items() if spec.indicator}
    if problems or formula is None:
        return None, problems
    entry = CompiledIndicator(
        definition=indicator,
        file=source.file,
        formula=formula,
        numerator=numerator,
        denominator=denominator,
        factor=factor,
        references=references,
    )
    return entry, problems


def _balanced_sum(terms: list[str]) -> str:
    """``a + b + c + d`` as ``(a + b) + (c + d)``: depth grows with log2 of the terms, so
    a weights form with many components stays within the engine's depth limit."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return f"({_balanced_sum(terms[:middle])}) + ({_balanced_sum(terms[middle:])})"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle found by depth-first search (each reported once)."""
    found: list[list[str]] = []
    seen_cycles: set[frozenset[str]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    found.append(cycle)
            elif state.get(nxt) is None and nxt in graph:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node)
    return found


def load(path: str | Path, *, engine: FormulaEngine | None = None) -> Catalog:
    """Load every definition under ``path`` (a folder, searched recursively, or one file).

    Indicator files and band-set files (``kind = "bands"``) are read, validated, their
    formulas compiled and unit-checked, references resolved and band sets checked for
    gaps and overlaps.

    Args:
        path: A folder of ``.toml`` definitions, or one file.
        engine: The formula engine (limits) to compile with; the default engine otherwise.

    Returns:
        The loaded :class:`Catalog`.

    Raises:
        DefinitionError: with every problem found, each with its file, line, id and key.

    Example:
        >>> catalog = kinerja.load("examples/demo/indicators")  # doctest: +SKIP
        >>> sorted(catalog.ids)[:2]  # doctest: +SKIP
        ['demo.ikpa', 'demo.kemampuan']
    """
    engine = engine or DEFAULT_ENGINE
    root = Path(path)
    if not root.exists():
        raise DefinitionError([Problem("no such file or folder", file=str(path))])
    files = _files(root)
    if not files:
        raise DefinitionError(
            [
                Problem(
                    "no .toml definition files found here",
                    file=str(path),
                    suggestion="give the folder that holds the indicator .toml files",
                )
            ]
        )
    parsed = _read(files, root)
    problems = list(parsed.problems)

    # Band sets: unique ids, no gaps or overlaps at their resolution.
    band_sets: dict[str, BandSet] = {}
    band_files: dict[str, str] = {}
    for band_set, source in parsed.band_sets:
        if band_set.id in band_sets:
            problems.append(
                source.problem(
                    f"band set id {band_set.id!r} is also defined in {band_files[band_set.id]}",
                    ("id",),
                    indicator=band_set.id,
                )
            )
            continue
        band_sets[band_set.id] = band_set
        band_files[band_set.id] = source.file
        for index, message in band_problems(band_set):
            problems.append(source.problem(message, ("bands", index), indicator=band_set.id))

    # Goals (sasaran): one version in force per year, like indicators.
    goals: dict[str, list[tuple[Goal, _Source]]] = {}
    for goal, source in parsed.goals:
        for other_goal, other_source in goals.get(goal.id, []):
            if other_goal.in_force.overlaps(goal.in_force):
                problems.append(_overlap_problem(goal, source, other_goal, other_source.file))
        goals.setdefault(goal.id, []).append((goal, source))

    # Indicators: compile each; then versions, references, bands, units.
    compiled: list[tuple[CompiledIndicator, _Source]] = []
    versions: dict[str, list[tuple[Indicator, _Source]]] = {}
    for indicator, source in parsed.indicators:
        entry, found = _compile_indicator(indicator, source, engine)
        problems.extend(found)
        if entry is not None:
            compiled.append((entry, source))
        for other, other_source in versions.get(indicator.id, []):
            if other.in_force.overlaps(indicator.in_force):
                problems.append(_overlap_problem(indicator, source, other, other_source.file))
        versions.setdefault(indicator.id, []).append((indicator, source))
        if indicator.id in band_sets:
            problems.append(
                source.problem(
                    f"id {indicator.id!r} is also a band set ({band_files[indicator.id]})",
                    ("id",),
                    indicator=indicator.id,
                )
            )

    for indicator, source in parsed.partial:
        problems.extend(_compile_indicator(indicator, source, engine)[1])

    # With goal files present, every goal an indicator names must be one of them, in force
    # in the indicator's years (a folder without goal files may name goals freely).
    if goals:
        for indicator, source in parsed.indicators:
            if indicator.goal is None:
                continue
            if indicator.goal not in goals:
                problems.append(
                    source.problem(
                        f"goal {indicator.goal!r} is not defined",
                        ("goal",),
                        indicator=indicator.id,
                        suggestion=did_you_mean(indicator.goal, sorted(goals))
                        or 'add a file with kind = "goal"',
                    )
                )

    known_ids = sorted(versions)
    graph: dict[str, set[str]] = {}
    for indicator, source in parsed.indicators:
        refs = graph.setdefault(indicator.id, set())
        for name, spec in indicator.inputs.items():
            if spec.indicator is None:
                continue
            if spec.indicator not in versions and spec.indicator not in parsed.broken_ids:
                problems.append(
                    source.problem(
                        f"input {name!r} refers to indicator {spec.indicator!r}, which is not defined",
                        ("inputs", name, "indicator"),
                        indicator=indicator.id,
                        suggestion=did_you_mean(spec.indicator, known_ids),
                    )
                )
            else:
                refs.add(spec.indicator)
        if indicator.bands is not None:
            found_set = band_sets.get(indicator.bands)
            if found_set is None:
                problems.append(
                    source.problem(
                        f"band set {indicator.bands!r} is not defined",
                        ("bands",),
                        indicator=indicator.id,
                        suggestion=did_you_mean(indicator.bands, sorted(band_sets))
                        or 'add a file with kind = "bands"',
                    )
                )
            elif indicator.decimals > found_set.decimals:
                problems.append(
                    source.problem(
                        f"the value has {indicator.decimals} decimals but band set "
                        f"{found_set.id!r} has a resolution of {found_set.decimals}: values could "
                        "fall between two bands",
                        ("decimals",),
                        indicator=indicator.id,
                        suggestion=f"use decimals = {found_set.decimals} or fewer",
                    )
                )
    for cycle in _cycles(graph):
        first = cycle[0]
        definition, source = versions[first][0]
        via = next(
            (n for n, s in definition.inputs.items() if s.indicator == cycle[1]),
            None,
        )
        problems.append(
            source.problem(
                "reference cycle: " + " -> ".join(cycle),
                ("inputs", via, "indicator") if via is not None else ("inputs",),
                indicator=first,
                suggestion="an indicator cannot depend on itself, directly or through others",
            )
        )

    # Units: every formula against its declared unit, references bring their unit.
    for entry, source in compiled:
        indicator = entry.definition
        units: dict[str, str] = {}
        ok = True
        for name, spec in indicator.inputs.items():
            if spec.unit is not None:
                if unit_problem(spec.unit):
                    ok = False
                units[name] = spec.unit
            elif spec.indicator in versions:
                ref_units = {v.unit for v, _ in versions[spec.indicator]}
                if len(ref_units) > 1:
                    problems.append(
                        source.problem(
                            f"input {name!r}: the versions of {spec.indicator!r} disagree on the "
                            f"unit ({', '.join(sorted(ref_units))})",
                            ("inputs", name),
                            indicator=indicator.id,
                        )
                    )
                    ok = False
                ref_unit = ref_units.pop()
                if unit_problem(ref_unit):
                    ok = False
                units[name] = ref_unit
            else:
                ok = False
        if not ok or unit_problem(indicator.unit):
            continue
        key = (
            "formula",
            indicator.formula.form if indicator.formula.form != "ratio" else "numerator",
        )
        try:
            entry.formula.unit = check_units(entry.formula, units, indicator.unit)
            # The factor is a plain number, so the ratio is unitless exactly when the
            # numerator and denominator share a unit.
            entry.same_unit_ratio = (
                entry.numerator is not None and entry.formula.unit == "dimensionless"
            )
        except UnitError as exc:
            problem = _formula_problem(exc, source, indicator.id, key)
            if (
                problem.suggestion is None
                and indicator.formula.form == "ratio"
                and dimensionality(indicator.unit) == "dimensionless"
            ):
                problem = replace(
                    problem,
                    suggestion="a percentage or ratio needs numerator and denominator "
                    "in the same unit",
                )
            problems.append(problem)
            continue
        if indicator.sampling is not None:
            for role in ("sample", "population"):
                name = getattr(indicator.sampling, role)
                if name in units and not is_count(units[name]):
                    problems.append(
                        source.problem(
                            f"{role} {name!r} is in {units[name]}, not a count unit",
                            ("sampling", role),
                            indicator=indicator.id,
                        )
                    )
        if indicator.disaggregation is not None and indicator.formula.form != "ratio":
            for name in sorted(entry.formula.names):
                if (
                    name in indicator.inputs
                    and indicator.inputs[name].indicator is None
                    and not is_additive(units[name])
                ):
                    problems.append(
                        source.problem(
                            f"input {name!r} is in {units[name]} ({dimensionality(units[name])}), "
                            "which cannot be summed across groups for the total",
                            ("disaggregation",),
                            indicator=indicator.id,
                            suggestion="write the formula as numerator/denominator, whose total "
                            "is the ratio of the summed parts",
                        )
                    )

    if problems:
        problems.sort(key=lambda p: (p.file or "", p.line or 0, p.key or "", p.message))
        raise DefinitionError(problems)
    return Catalog(
        [entry for entry, _ in compiled],
        band_sets,
        root=str(root),
        goals=[goal for versions_of in goals.values() for goal, _ in versions_of],
    )
