"""Loading a folder of definitions: read, validate, compile, check; every problem at once."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._bands import band_problems
from ._catalog import Catalog, CompiledIndicator
from ._errors import DefinitionError, FormulaError, Problem, UnitError, did_you_mean
from ._formula import DEFAULT_ENGINE, Formula, FormulaEngine, check_units, compose, name_problem
from ._model import BandSet, Indicator
from ._toml import key_lines, line_of, read_toml
from ._units import dimensionality, is_additive, is_count, unit_problem

_KINDS = ("indicator", "bands")


@dataclass
class _Source:
    file: str
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

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


_PYDANTIC_MESSAGES = {
    "missing": "this key is required",
    "extra_forbidden": "unknown key",
}


def _field_names(model: type[Any], path: tuple[str | int, ...]) -> list[str]:
    """Known keys at ``path`` of a pydantic model, for did-you-mean on unknown keys."""
    current: Any = model
    for part in path:
        if isinstance(part, int) or current is None or not hasattr(current, "model_fields"):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        annotation = info.annotation
        current = None
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if hasattr(candidate, "model_fields"):
                current = candidate
                break
            for inner in getattr(candidate, "__args__", ()):
                if hasattr(inner, "model_fields"):
                    current = inner
    if current is None or not hasattr(current, "model_fields"):
        return []
    names = []
    for name, info in current.model_fields.items():
        names.append(info.alias or name)
    return names


def _validation_problems(
    exc: ValidationError, model: type[Any], source: _Source, indicator: str | None
) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        # pydantic names union branches in the location (e.g. 'decimal', 'RangeTarget'); drop them.
        loc = tuple(
            p
            for p in loc
            if not (isinstance(p, str) and (p[:1].isupper() or p in {"decimal", "int", "str"}))
        )
        kind = error["type"]
        suggestion = None
        if kind == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            message = f"unknown key {key!r}"
            suggestion = did_you_mean(key, _field_names(model, loc[:-1]))
            if suggestion is None:
                known = _field_names(model, loc[:-1])
                if known:
                    suggestion = "known keys: " + ", ".join(sorted(known))
        elif kind == "missing":
            message = "this key is required"
        else:
            message = error["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            got = error.get("input")
            if kind not in {"value_error"} and got is not None and not isinstance(got, dict | list):
                message += f" (got {got!r})"
        problems.append(source.problem(message, loc, indicator=indicator, suggestion=suggestion))
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
    problems: list[Problem] = field(default_factory=list)


def _read(paths: list[Path], root: Path) -> _Parsed:
    parsed = _Parsed()
    for path in paths:
        shown = str(path)
        document, text, problem = read_toml(path, shown)
        if problem is not None or document is None:
            parsed.problems.append(problem or Problem("cannot read the file", file=shown))
            continue
        source = _Source(shown, key_lines(text))
        ident = document.get("id") if isinstance(document.get("id"), str) else None
        kind = document.get("kind", "indicator")
        if "id" not in document and "values" in document:
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
                    f'unknown kind {kind!r}; a definition file is kind = "indicator" (the default) '
                    'or kind = "bands"',
                    ("kind",),
                    indicator=ident,
                    suggestion=hint,
                )
            )
            continue
        model: type[Indicator] | type[BandSet] = Indicator if kind == "indicator" else BandSet
        try:
            definition = model.model_validate(document)
        except ValidationError as exc:
            parsed.problems.extend(_validation_problems(exc, model, source, ident))
            continue
        if isinstance(definition, Indicator):
            parsed.indicators.append((definition, source))
        else:
            parsed.band_sets.append((definition, source))
    return parsed


def _formula_problem(
    exc: FormulaError, source: _Source, ident: str, path: tuple[str, ...]
) -> Problem:
    message = exc.reason
    if exc.column is not None and exc.expression:
        message += f" (column {exc.column + 1} of {exc.expression!r})"
    elif exc.expression and not isinstance(exc, UnitError):
        message += f" (in {exc.expression!r})"
    return source.problem(message, path, indicator=ident, suggestion=exc.suggestion)


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
        problems.append(source.problem(unit_issue, ("unit",), indicator=ident))
    names: dict[str, str | None] = {}
    for name, spec in indicator.inputs.items():
        issue = name_problem(name)
        if issue:
            problems.append(source.problem(issue, ("inputs", name), indicator=ident))
            continue
        if spec.unit is not None:
            issue = unit_problem(spec.unit)
            if issue:
                problems.append(source.problem(issue, ("inputs", name, "unit"), indicator=ident))
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
                text = (
                    "(" + " + ".join(f"{w} * {k}" for k, w in form.weights.items()) + f") / {total}"
                )
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
                )
            )
    # Targets only in the years the definition is in force.
    for year in indicator.targets:
        if not indicator.in_force.covers(year):
            problems.append(
                source.problem(
                    f"target for {year}, but this definition is in force {indicator.in_force} only",
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
        raise DefinitionError([Problem("no .toml definition files found here", file=str(path))])
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
                problems.append(
                    source.problem(
                        f"two versions of {indicator.id!r} are in force in the same year: "
                        f"{other_source.file} ({other.in_force}) and this one ({indicator.in_force})",
                        ("in_force",) if "in_force" in indicator.model_fields_set else ("id",),
                        indicator=indicator.id,
                        suggestion="give each version in_force = { from = ..., until = ... } "
                        "without overlap",
                    )
                )
        versions.setdefault(indicator.id, []).append((indicator, source))
        if indicator.id in band_sets:
            problems.append(
                source.problem(
                    f"id {indicator.id!r} is also a band set ({band_files[indicator.id]})",
                    ("id",),
                    indicator=indicator.id,
                )
            )

    known_ids = sorted(versions)
    graph: dict[str, set[str]] = {}
    for indicator, source in parsed.indicators:
        refs = graph.setdefault(indicator.id, set())
        for name, spec in indicator.inputs.items():
            if spec.indicator is None:
                continue
            if spec.indicator not in versions:
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
        _, source = versions[first][0]
        problems.append(
            source.problem(
                "reference cycle: " + " -> ".join(cycle),
                ("inputs",),
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
            if entry.numerator is not None and entry.denominator is not None:
                entry.same_unit_ratio = check_units(entry.numerator, units, None) == check_units(
                    entry.denominator, units, None
                )
        except UnitError as exc:
            problems.append(_formula_problem(exc, source, indicator.id, key))
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
    return Catalog([entry for entry, _ in compiled], band_sets, root=str(root))
