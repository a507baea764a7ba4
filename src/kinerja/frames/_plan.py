"""One query for a whole catalog: long rows in, one row per output key out.

The stages (every one a narwhals operation, so it runs in the caller's engine):

1. **Aggregate** the long rows: ``group_by(year, by..., group, series..., indicator,
   input).agg(sum, count)``. This is the only stage that sees every row.
2. **Pivot** the sums to one column per (indicator, input) at the level
   ``(year, by..., group, series...)``: a ``when`` per column and a second, small
   ``group_by``. A count column per input tells a sum of zero from no data.
3. **Series** (only when the catalog has inputs with ``over``): each reduction
   (``mean(melapor / ditugaskan)``) is evaluated on the series rows and reduced with
   window functions over its indicator's partition, then the rows are summed to one
   row per ``(year, by..., group)``.
4. **Indicators**, in reference order: a ratio's numerator and denominator per group,
   summed over the groups with windows (a ratio of sums); an expression on its inputs
   summed over the groups; references read the referenced indicator's rounded value from
   the same row. Each value is rounded half up to its decimals.
5. **Output**: one row per ``(year, by...)`` with each indicator's rounded value,
   achievement (from the unrounded value, by polarity), status and band, plus a hazard
   count that marks the rows to settle exactly.

Everything is float64. Wherever float error could change a published digit or a
decision, the row's hazard count is raised (see :mod:`kinerja.frames._compile`) and
:mod:`kinerja.frames._settle` recomputes that row with the exact Decimal path.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import narwhals as nw

from .._catalog import Catalog, CompiledIndicator
from .._errors import KinerjaError
from .._model import BandSet, RangeTarget
from .._units import is_count
from ._compile import (
    F64,
    ZERO,
    Compiler,
    Expr,
    Term,
    divide,
    flag,
    floor,
    half_up_units,
    hazard_sum,
    lit,
    names_in,
    near_hazard,
    reductions,
    series_of,
    tie_hazard,
)
from ._schema import LongSchema

Frame = Any  # nw.LazyFrame

# The 0/1 columns of Plan.problem_flags, in the order of its dict.
PROBLEM_FLAGS = (
    "__kj_bad_input",
    "__kj_bad_group",
    "__kj_bad_count",
    "__kj_bad_position",
    "__kj_bad_number",
)
# Their total, the one problem column the query carries to its output (the details are
# worked out again, from stage 1's output, only when it is not zero).
PROBLEMS = "__kj_problems"
# A stage 1 row's pair index (see Plan.keyed); -1 for an input no indicator declares.
PAIR = "__kj_pair"


class FrameError(KinerjaError, ValueError):
    """A definition or call that the dataframe path cannot evaluate (the message says why)."""


@dataclass(eq=False)
class Version:
    """One compiled indicator version and the facts the query needs about it."""

    entry: CompiledIndicator
    tag: str
    form: Literal["ratio", "expr"]
    dims: dict[str, str | None]
    refs: dict[str, str]
    pairs: dict[str, int]
    trees: tuple[ast.expr, ...]
    reductions: list[ast.Call] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def span(self) -> tuple[int | None, int | None]:
        in_force = self.entry.definition.in_force
        return in_force.first, in_force.last


def catalog_versions(catalog: Catalog) -> dict[str, list[CompiledIndicator]]:
    """Every compiled version of every indicator, by id in evaluation order."""
    out: dict[str, list[CompiledIndicator]] = {}
    for ident in catalog.evaluation_order:
        found: list[CompiledIndicator] = []
        for definition in catalog.versions(ident):
            span = definition.in_force
            year = span.first if span.first is not None else (span.last or 2000)
            entry = catalog.compiled(ident, year)
            if entry is not None and entry.definition is definition:
                found.append(entry)
        out[ident] = found
    return out


def _levels(ids: Sequence[str], deps: Mapping[str, set[str]]) -> list[list[str]]:
    """Ids in reference order, grouped so that each group only needs earlier groups."""
    placed: set[str] = set()
    levels: list[list[str]] = []
    remaining = list(ids)
    while remaining:
        ready = [i for i in remaining if deps.get(i, set()) <= placed]
        if not ready:  # a cycle; the loader refuses those
            ready = remaining[:1]
        levels.append(ready)
        placed.update(ready)
        remaining = [i for i in remaining if i not in placed]
    return levels


class Plan:
    """The query for one catalog, one long schema and one choice of ``by`` columns."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        by: Sequence[str],
        schema: LongSchema,
        has_group: bool,
        years: Iterable[int] | None = None,
    ) -> None:
        self.catalog = catalog
        self.schema = schema
        self.by = list(dict.fromkeys(by))
        self.years = None if years is None else sorted(set(years))
        self.keys = [schema.year, *(c for c in self.by if c != schema.year)]
        # A group named in by= makes every output row one group: no ratio over groups.
        self.grouped = has_group and schema.group not in self.keys
        self.group_keys = [*self.keys, schema.group] if self.grouped else list(self.keys)
        self.has_group = has_group
        self._counter = itertools.count()
        self.versions_by_id = catalog_versions(catalog)
        self.ids = list(self.versions_by_id)
        self.pairs: dict[tuple[str, str], int] = {}
        self.pair_units: dict[int, str | None] = {}
        self.pair_dims: dict[int, str | None] = {}
        self.versions: list[Version] = []
        for ident, entries in self.versions_by_id.items():
            for number, entry in enumerate(entries):
                self.versions.append(self._version(ident, number, entry))
        self.dims = sorted({d for d in self.pair_dims.values() if d is not None})
        self.dim_columns = [schema.dimension(d) for d in self.dims]
        for column in self.dim_columns:
            if column in self.keys:
                raise FrameError(
                    f"{column!r} holds series positions; it cannot also be a by= column"
                )
        deps = {v.id: set(v.refs.values()) for v in self.versions}
        self.levels = _levels(self.ids, deps)
        # Series inputs of expressions are summed over the groups in stage 2.
        self.merged_pairs: dict[int, list[Version]] = {}
        for version in self.versions:
            if version.form == "expr":
                for name, index in version.pairs.items():
                    if version.dims.get(name) is not None:
                        self.merged_pairs.setdefault(index, []).append(version)
            elif self.grouped and version.refs:
                raise FrameError(
                    f"{version.id}: a ratio whose numerator or denominator uses another "
                    "indicator's value cannot be summed over groups on frames; write it as "
                    "expr, or evaluate with the group column in by="
                )
        self.outputs: dict[str, dict[str, str]] = {}

    # ------------------------------------------------------------------ set-up

    def col(self, what: str) -> str:
        """A fresh internal column name."""
        return f"__kj{next(self._counter)}_{what}"

    def version_for(self, ident: str, year: int) -> Version | None:
        """The version of ``ident`` in force in ``year``, or None."""
        for version in self.versions:
            if version.id == ident and version.entry.definition.in_force.covers(year):
                return version
        return None

    def _version(self, ident: str, number: int, entry: CompiledIndicator) -> Version:
        definition = entry.definition
        dims = {name: spec.over for name, spec in definition.inputs.items()}
        refs = dict(entry.references)
        pairs: dict[str, int] = {}
        for name, spec in definition.inputs.items():
            if spec.indicator is not None:
                continue
            key = (ident, name)
            if key not in self.pairs:
                index = len(self.pairs)
                self.pairs[key] = index
                self.pair_units[index] = spec.unit
                self.pair_dims[index] = spec.over
            pairs[name] = self.pairs[key]
        if entry.numerator is not None and entry.denominator is not None:
            form: Literal["ratio", "expr"] = "ratio"
            trees: tuple[ast.expr, ...] = (entry.numerator.tree, entry.denominator.tree)
        else:
            form = "expr"
            trees = (entry.formula.tree,)
        found: list[ast.Call] = []
        for tree in trees:
            found.extend(reductions(tree, dims))
        version = Version(entry, f"i{len(self.versions)}", form, dims, refs, pairs, trees, found)
        for node in found:
            used = names_in(node.args[0])
            inside = sorted(used & set(refs))
            if inside:
                raise FrameError(
                    f"{ident}: the reference {inside[0]!r} is used inside a series "
                    f"expression ({ast.unparse(node)}); on frames a reference can be used "
                    "outside mean()/sum()/min()/max() only"
                )
        return version

    def in_span(self, version: Version) -> Expr:
        """True on the rows of the years ``version`` is in force."""
        first, last = version.span
        year = nw.col(self.schema.year)
        condition: Expr = nw.lit(True)
        if first is not None:
            condition = condition & (year >= first)
        if last is not None:
            condition = condition & (year <= last)
        return condition

    def by_version(
        self, ident: str, pick: Callable[[Version], Expr | None], otherwise: Expr | None = None
    ) -> Expr:
        """The expression of the version in force on each row's year (null if none is)."""
        versions = [v for v in self.versions if v.id == ident]
        out: Expr = otherwise if otherwise is not None else nw.lit(None, dtype=F64)
        for version in reversed(versions):
            chosen = pick(version)
            if chosen is None:
                continue
            if version.span == (None, None):
                out = chosen
            else:
                out = nw.when(self.in_span(version)).then(chosen).otherwise(out)
        return out

    # ------------------------------------------------------------------ stage 1 and 2

    def aggregate_long(self, frame: Frame) -> Frame:
        """Stage 1: sum and count every (key, group, position, indicator, input)."""
        s = self.schema
        if self.years is not None:
            frame = frame.filter(nw.col(s.year).is_in(self.years))
        keys = [*self.keys, *self.group, *self.dim_columns, s.indicator, s.input]
        return frame.group_by(keys).agg(
            nw.col(s.value).sum().alias("__kj_s"), nw.col(s.value).count().alias("__kj_n")
        )

    @property
    def group(self) -> list[str]:
        """The group column as a key of the group level ([] when the data is not grouped)."""
        return [self.schema.group] if self.grouped else []

    def keyed(self, summed: Frame) -> Frame:
        """Stage 1's rows with their pair index (column ``PAIR``) and Float64 sums.

        The index is worked out once per row, so that the pivot and the data checks
        compare one integer per pair rather than two strings (the query runs unoptimised:
        an expression used twice is computed twice).
        """
        s = self.schema
        ind, inp = nw.col(s.indicator), nw.col(s.input)
        index: Expr = nw.lit(-1, dtype=nw.Int64)
        for (ident, name), position in reversed(self.pairs.items()):
            match = (ind == ident) & (inp == name)
            index = nw.when(match).then(nw.lit(position, dtype=nw.Int64)).otherwise(index)
        return summed.with_columns(
            index.alias(PAIR),
            nw.col("__kj_s").cast(F64).alias("__kj_s"),
            nw.col("__kj_n").cast(F64).alias("__kj_n"),
        )

    def pivot(self, summed: Frame) -> Frame:
        """Stage 2: one column pair (sum, count) per (indicator, input).

        The rows of an expression's series inputs are summed over the groups here (their
        group becomes null): an expression's total is its formula on inputs summed over
        the groups, series summed position by position.
        """
        s = self.schema
        pair = nw.col(PAIR)
        pair_columns: dict[str, Expr] = {}
        merged: Expr = nw.lit(False)
        for index in self.pairs.values():
            here = pair == index
            pair_columns[f"__kj_v{index}"] = (
                nw.when(here).then(nw.col("__kj_s")).otherwise(lit(ZERO))
            )
            pair_columns[f"__kj_c{index}"] = (
                nw.when(here).then(nw.col("__kj_n")).otherwise(lit(ZERO))
            )
            for version in self.merged_pairs.get(index, []):
                merged = merged | (here & self.in_span(version))
        problems = sum_of(list(self.problem_flags().values()))
        keys = [*self.keys, *self.group, *self.dim_columns]
        wide = self.keyed(summed).with_columns(**pair_columns, **{PROBLEMS: problems})
        if self.grouped and self.merged_pairs:
            group = nw.col(s.group)
            wide = wide.with_columns(
                nw.when(merged).then(nw.lit(None, dtype=nw.String)).otherwise(group).alias(s.group)
            )
        return wide.group_by(keys).agg(
            *(nw.col(c).sum() for c in [*pair_columns, PROBLEMS]),
        )

    def problem_flags(self) -> dict[str, Expr]:
        """Per row of stage 1's output, after :meth:`keyed`: data the scalar path would
        refuse, as 0/1 columns."""
        s = self.schema
        ind, pair = nw.col(s.indicator), nw.col(PAIR)
        count_pairs = nw.lit(False)
        placed_wrong = nw.lit(False)
        for index in self.pairs.values():
            unit = self.pair_units[index]
            if unit is not None and is_count(unit):
                count_pairs = count_pairs | (pair == index)
            dim = self.pair_dims[index]
            if dim is not None:
                placed_wrong = placed_wrong | ((pair == index) & nw.col(s.dimension(dim)).is_null())
        ours = ind.is_in(list(self.versions_by_id))
        bad_group: Expr = nw.lit(False)
        if self.has_group:
            # Indicators that allow the same groups share one test.
            # Indicators without [disaggregation] in any version take no group (the
            # empty tuple: only null passes).
            sharing: dict[tuple[str, ...], list[str]] = {}
            for ident, entries in self.versions_by_id.items():
                allowed: set[str] = set()
                for entry in entries:
                    disaggregation = entry.definition.disaggregation
                    if disaggregation is not None and disaggregation.groups:
                        allowed.update(disaggregation.groups)
                ungrouped = all(e.definition.disaggregation is None for e in entries)
                if allowed or ungrouped:
                    sharing.setdefault(tuple(sorted(allowed)), []).append(ident)
            group = nw.col(s.group)
            for allowed_groups, idents in sharing.items():
                wrong = (
                    group.is_null() | ~group.is_in(list(allowed_groups))
                    if allowed_groups
                    else ~group.is_null()
                )
                which = ind == idents[0] if len(idents) == 1 else ind.is_in(idents)
                bad_group = bad_group | (which & wrong)
        total = nw.col("__kj_s")
        flags = (
            flag(ours & (pair < 0)),
            flag(bad_group),
            flag(count_pairs & ((total < 0) | (total != floor(total)))),
            flag(placed_wrong),
            # NaN or an infinity in a row makes its sum one of them too.
            flag(ours & ~total.is_finite()),
        )
        return dict(zip(PROBLEM_FLAGS, flags, strict=True))

    # ------------------------------------------------------------------ helpers

    def x(self, index: int) -> Expr:
        """Pair ``index`` at the current level: its sum, null when no row had it."""
        return nw.when(nw.col(f"__kj_c{index}") > 0).then(nw.col(f"__kj_v{index}"))

    def x_columns(self) -> dict[str, Expr]:
        return {f"__kj_x{i}": self.x(i) for i in self.pairs.values()}

    def xterm(self, index: int) -> Term:
        column = nw.col(f"__kj_x{index}")
        return Term(column, column.abs())

    def dim_column(self, dim: str) -> str:
        return self.schema.dimension(dim)

    def scalar_pairs(self, version: Version) -> list[int]:
        return [i for name, i in version.pairs.items() if version.dims.get(name) is None]

    # ------------------------------------------------------------------ stage 3: series

    def series(self, frame: Frame) -> Frame:
        """Stage 3: reductions on the series rows, then one row per (key, group)."""
        self.reduction_terms: dict[int, Term] = {}
        self.reduction_columns: dict[int, dict[str, str]] = {}
        if not self.dim_columns:
            return frame
        frame = with_columns(frame, self.x_columns())
        versions = [v for v in self.versions if v.reductions]
        views = self._broadcasts(versions)
        if views[1]:
            frame = with_columns(frame, views[1])
        if views[2]:
            frame = with_columns(frame, views[2])
        aggregations: list[Expr] = []
        depth = {id(node): _depth(node, v.dims) for v in versions for node in v.reductions}
        deepest = max(depth.values(), default=-1)
        for level in range(deepest + 1):
            first: dict[str, Expr] = {}
            second: dict[str, Expr] = {}
            windows: dict[str, Expr] = {}
            finals: dict[str, Expr] = {}
            for version in versions:
                for node in version.reductions:
                    if depth[id(node)] != level:
                        continue
                    r = self._reduction_rows(version, node, views[0])
                    first.update(r[0])
                    second.update(r[1])
                    aggregations.extend(r[2])
                    if level < deepest:  # used inside another reduction: a window too
                        w, f = self._reduction_window(version, node)
                        windows.update(w)
                        finals.update(f)
            for stage in (first, second, windows, finals):
                if stage:
                    frame = with_columns(frame, stage)
        pair_sums = [nw.col(f"__kj_{k}{i}").sum() for i in self.pairs.values() for k in ("v", "c")]
        frame = frame.group_by([*self.keys, *self.group]).agg(
            *pair_sums, nw.col(PROBLEMS).sum(), *aggregations
        )
        finals = {}
        for version in versions:
            for node in version.reductions:
                finals.update(self._reduction_final(version, node))
        return with_columns(frame, finals)

    def _partition(self, version: Version) -> list[str]:
        return [*self.keys, *self.group]

    def _broadcasts(
        self, versions: list[Version]
    ) -> tuple[dict[tuple[str, str], Term], dict[str, Expr], dict[str, Expr]]:
        """How a series element sees each name: series inputs as they are on the row;
        scalar inputs (rare inside a series expression) broadcast with a window."""
        views: dict[tuple[str, str], Term] = {}
        windows: dict[str, Expr] = {}
        masks: dict[str, Expr] = {}
        for version in versions:
            used: set[str] = set()
            for node in version.reductions:
                used |= names_in(node.args[0])
            for name, index in version.pairs.items():
                if version.dims.get(name) is not None:
                    views[(version.tag, name)] = self.xterm(index)
                elif name in used:
                    part = self.keys if version.form == "expr" else [*self.keys, *self.group]
                    vt, ct, view = self.col("vt"), self.col("ct"), self.col("xb")
                    windows[vt] = nw.col(f"__kj_v{index}").sum().over(*part)
                    windows[ct] = nw.col(f"__kj_c{index}").sum().over(*part)
                    masks[view] = nw.when(nw.col(ct) > 0).then(nw.col(vt))
                    views[(version.tag, name)] = Term(nw.col(view), nw.col(view).abs())
        return views, windows, masks

    def _reduction_rows(
        self, version: Version, node: ast.Call, views: Mapping[tuple[str, str], Term]
    ) -> tuple[dict[str, Expr], dict[str, Expr], list[Expr]]:
        assert isinstance(node.func, ast.Name)
        function = node.func.id
        (argument,) = node.args
        dim = series_of(argument, version.dims)
        assert dim is not None

        def name_term(name: str) -> Term:
            return views[(version.tag, name)]

        term = Compiler(name_term, self._known_reduction, version.dims).compile(argument)
        present: Expr = nw.lit(False)
        for name, index in version.pairs.items():
            if version.dims[name] == dim:
                present = present | (nw.col(f"__kj_c{index}") > 0)
        names = {x: self.col(x) for x in ("pos", "el", "em", "na", "hz")}
        at = nw.col(names["pos"]) == 1
        first = {names["pos"]: flag(~nw.col(self.dim_column(dim)).is_null() & present)}
        second = {
            names["el"]: nw.when(at).then(term.value),
            names["em"]: nw.when(at).then(term.magnitude),
            names["na"]: flag(at & term.value.is_null()),
            names["hz"]: nw.when(at).then(hazard_sum(term.hazards)).otherwise(lit(ZERO)),
        }
        out = {x: self.col("r" + x) for x in ("total", "mag", "na", "n", "hz")}
        element = nw.col(names["el"])
        extreme = function in ("min", "max")
        total = {"min": element.min(), "max": element.max()}.get(function, element.sum())
        magnitude = nw.col(names["em"]).max() if extreme else nw.col(names["em"]).sum()
        aggregations = [
            total.alias(out["total"]),
            magnitude.alias(out["mag"]),
            nw.col(names["na"]).sum().alias(out["na"]),
            nw.col(names["pos"]).sum().alias(out["n"]),
            nw.col(names["hz"]).max().alias(out["hz"]),
        ]
        self.reduction_columns[id(node)] = {**names, **{"r" + k: v for k, v in out.items()}}
        return first, second, aggregations

    def _reduction_value(
        self, function: str, total: Expr, magnitude: Expr, nas: Expr, count: Expr
    ) -> tuple[Expr, Expr]:
        ok = (nas == 0) & (count > 0)
        if function == "mean":
            return nw.when(ok).then(total / count), nw.when(ok).then(magnitude / count)
        return nw.when(ok).then(total), nw.when(ok).then(magnitude)

    def _reduction_window(
        self, version: Version, node: ast.Call
    ) -> tuple[dict[str, Expr], dict[str, Expr]]:
        """A reduction used inside another one: window values on the series rows."""
        assert isinstance(node.func, ast.Name)
        function = node.func.id
        names = self.reduction_columns[id(node)]
        part = self._partition(version)
        element = nw.col(names["el"])
        extreme = function in ("min", "max")
        total = {"min": element.min(), "max": element.max()}.get(function, element.sum())
        magnitude = nw.col(names["em"]).max() if extreme else nw.col(names["em"]).sum()
        w = {x: self.col("w" + x) for x in ("total", "mag", "na", "n", "hz")}
        windows = {
            w["total"]: total.over(*part),
            w["mag"]: magnitude.over(*part),
            w["na"]: nw.col(names["na"]).sum().over(*part),
            w["n"]: nw.col(names["pos"]).sum().over(*part),
            w["hz"]: nw.col(names["hz"]).max().over(*part),
        }
        value, mag = self.col("wv"), self.col("wm")
        v, m = self._reduction_value(
            function, nw.col(w["total"]), nw.col(w["mag"]), nw.col(w["na"]), nw.col(w["n"])
        )
        self.reduction_terms[id(node)] = Term(nw.col(value), nw.col(mag), [nw.col(w["hz"])])
        return windows, {value: v, mag: m}

    def _reduction_final(self, version: Version, node: ast.Call) -> dict[str, Expr]:
        """After the group level's aggregation: the reduction's value per (key, group)."""
        assert isinstance(node.func, ast.Name)
        names = self.reduction_columns[id(node)]
        value, mag, hz = self.col("red"), self.col("redm"), self.col("redh")
        v, m = self._reduction_value(
            node.func.id,
            nw.col(names["rtotal"]),
            nw.col(names["rmag"]),
            nw.col(names["rna"]),
            nw.col(names["rn"]),
        )
        self.reduction_terms[id(node)] = Term(nw.col(value), nw.col(mag), [nw.col(hz)])
        self.reduction_columns[id(node)].update(value=value, mag=mag, hz=hz)
        return {value: v, mag: m, hz: nw.col(names["rhz"])}

    def _known_reduction(self, node: ast.Call) -> Term:
        term = self.reduction_terms.get(id(node))
        if term is None:
            raise FrameError(f"internal: reduction {ast.unparse(node)} used before it was computed")
        return term

    # ------------------------------------------------------------------ stage 4: indicators

    def indicators(self, frame: Frame) -> Frame:
        """Stage 4: ratios per group summed over the groups, then every value in order."""
        frame = with_columns(frame, self.x_columns())
        self.presence: dict[str, str] = {}
        self.lack: dict[tuple[str, int], str] = {}
        self.outputs = {}
        if self.grouped:
            frame = self._group_level(frame)
            frame = with_columns(frame, self.x_columns())
        for level in self.levels:
            frame = self._level(frame, level)
        return frame

    def _group_level(self, frame: Frame) -> Frame:
        """Per (key, group): each ratio's numerator and denominator; then sums per key."""
        first: dict[str, Expr] = {}
        for version in self.versions:
            presence = self.col("pres")
            self.presence[version.tag] = presence
            pairs = list(version.pairs.values()) if version.form == "ratio" else []
            if version.form == "expr":
                pairs = self.scalar_pairs(version)
            counts = [nw.col(f"__kj_c{i}") for i in pairs]
            first[presence] = flag(sum_of(counts) > 0) if counts else lit(ZERO)
        frame = with_columns(frame, first)
        second: dict[str, Expr] = {}
        aggregations: list[Expr] = []
        self.group_sums: dict[str, dict[str, str]] = {}
        for version in self.versions:
            present = nw.col(self.presence[version.tag])
            here = present == 1
            if version.form == "expr":
                for index in self.scalar_pairs(version):
                    lack = self.col("lack")
                    self.lack[(version.tag, index)] = lack
                    second[lack] = flag(here & (nw.col(f"__kj_c{index}") == 0))
                    aggregations.append(nw.col(lack).max())
                continue
            compiler = Compiler(
                self._name_term(version, total=False), self._known_reduction, version.dims
            )
            num = compiler.compile(version.trees[0])
            den = compiler.compile(version.trees[1])
            cols = {x: self.col(x) for x in ("num", "den", "nm", "dm", "gna", "ghz")}
            second[cols["num"]] = nw.when(here).then(num.value)
            second[cols["den"]] = nw.when(here).then(den.value)
            second[cols["nm"]] = nw.when(here).then(num.magnitude)
            second[cols["dm"]] = nw.when(here).then(den.magnitude)
            second[cols["gna"]] = flag(here & (num.value.is_null() | den.value.is_null()))
            second[cols["ghz"]] = (
                nw.when(here).then(hazard_sum([*num.hazards, *den.hazards])).otherwise(lit(ZERO))
            )
            for column in cols.values():
                aggregations.append(nw.col(column).sum())
            aggregations.append(present.sum())
            self.group_sums[version.tag] = cols
        frame = with_columns(frame, second)
        carried = [
            nw.col(c).max()
            for columns in self.reduction_columns.values()
            for k, c in columns.items()
            if k in ("value", "mag", "hz")
        ]
        pair_sums = [nw.col(f"__kj_{k}{i}").sum() for i in self.pairs.values() for k in ("v", "c")]
        return frame.group_by(self.keys).agg(
            *pair_sums, nw.col(PROBLEMS).sum(), *aggregations, *carried
        )

    def _name_term(self, version: Version, *, total: bool) -> Callable[[str], Term]:
        def resolve(name: str) -> Term:
            if name in version.refs:
                ref = self.outputs.get(version.refs[name])
                if ref is None:
                    return Term(nw.lit(None, dtype=F64), lit(ZERO))
                value = nw.col(ref["rounded"])
                return Term(value, value.abs(), [nw.col(ref["hazard"])])
            index = version.pairs[name]
            term = self.xterm(index)
            lack = self.lack.get((version.tag, index))
            if total and lack is not None:
                masked_value = nw.when(nw.col(lack) == 0).then(term.value)
                return Term(masked_value, masked_value.abs())
            return term

        return resolve

    def _level(self, frame: Frame, level: list[str]) -> Frame:
        third: dict[str, Expr] = {}
        values: dict[str, tuple[str, str, str]] = {}
        for version in [v for v in self.versions if v.id in level]:
            value, mag, hz = self.col("val"), self.col("mag"), self.col("hz")
            values[version.tag] = (value, mag, hz)
            if version.form == "ratio" and self.grouped:
                cols = self.group_sums[version.tag]
                total_num = Term(nw.col(cols["num"]), nw.col(cols["nm"]))
                total_den = Term(nw.col(cols["den"]), nw.col(cols["dm"]))
                ratio = divide(total_num, total_den)
                factor = float(version.entry.factor)
                ok = (nw.col(cols["gna"]) == 0) & (nw.col(self.presence[version.tag]) > 0)
                third[value] = nw.when(ok).then(ratio.value * factor)
                third[mag] = nw.when(ok).then(ratio.magnitude * abs(factor))
                third[hz] = nw.col(cols["ghz"]) + hazard_sum(ratio.hazards)
                continue
            compiler = Compiler(
                self._name_term(version, total=True), self._mixed_reduction(version), version.dims
            )
            if version.form == "ratio":
                num = compiler.compile(version.trees[0])
                den = compiler.compile(version.trees[1])
                ratio = divide(num, den)
                factor = float(version.entry.factor)
                third[value] = ratio.value * factor
                third[mag] = ratio.magnitude * abs(factor)
                third[hz] = hazard_sum(ratio.hazards)
            else:
                term = compiler.compile(version.trees[0])
                third[value] = term.value
                third[mag] = term.magnitude
                third[hz] = hazard_sum(term.hazards)
        frame = with_columns(frame, third)
        # Per id: the version in force, rounded half up to its decimals.
        fourth: dict[str, Expr] = {}
        fifth: dict[str, Expr] = {}
        for ident in level:
            out = {x: self.col(x) for x in ("V", "M", "U", "R", "H")}

            def pick(position: int) -> Callable[[Version], Expr | None]:
                def chosen(version: Version) -> Expr | None:
                    found = values.get(version.tag)
                    return None if found is None else nw.col(found[position])

                return chosen

            def units(version: Version) -> Expr | None:
                found = values.get(version.tag)
                if found is None:
                    return None
                return half_up_units(nw.col(found[0]), version.entry.definition.decimals)

            def rounded(version: Version, units_name: str = out["U"]) -> Expr | None:
                # From the units column: the same division as half_up, without computing
                # the units twice (the query runs unoptimised, with no shared expressions).
                if version.tag not in values:
                    return None
                return nw.col(units_name) / float(10**version.entry.definition.decimals)

            def hazard(version: Version) -> Expr | None:
                found = values.get(version.tag)
                if found is None:
                    return None
                decimals = version.entry.definition.decimals
                tie = tie_hazard(nw.col(found[0]), nw.col(found[1]), decimals).fill_null(ZERO)
                return nw.col(found[2]).fill_null(ZERO) + tie

            fourth[out["V"]] = self.by_version(ident, pick(0))
            fourth[out["M"]] = self.by_version(ident, pick(1))
            fourth[out["U"]] = self.by_version(ident, units)
            fourth[out["H"]] = self.by_version(ident, hazard, otherwise=lit(ZERO))
            fifth[out["R"]] = self.by_version(ident, rounded)
            self.outputs[ident] = {
                "value": out["V"],
                "magnitude": out["M"],
                "units": out["U"],
                "rounded": out["R"],
                "hazard": out["H"],
            }
        return with_columns(with_columns(frame, fourth), fifth)

    def _mixed_reduction(self, version: Version) -> Callable[[ast.Call], Term]:
        """A reduction at the output level: n/a when a scalar input it broadcast is n/a
        there (a group lacks it), as that input is n/a everywhere else in the formula."""

        def resolve(node: ast.Call) -> Term:
            term = self._known_reduction(node)
            lacks = [
                self.lack[(version.tag, version.pairs[name])]
                for name in sorted(names_in(node.args[0]))
                if name in version.pairs and (version.tag, version.pairs[name]) in self.lack
            ]
            if not lacks:
                return term
            ok = sum_of([nw.col(c) for c in lacks]) == 0
            return Term(nw.when(ok).then(term.value), term.magnitude, term.hazards)

        return resolve

    # ------------------------------------------------------------------ stage 5: output

    def output(self, frame: Frame) -> Frame:
        """Stage 5: achievement, status and band per indicator; the output columns."""
        counts = [nw.col(f"__kj_c{i}") for i in self.pairs.values()]
        any_data = sum_of(counts) if counts else lit(ZERO)
        stages: list[dict[str, Expr]] = [{"__kj_rows": any_data}, {}, {}, {}]
        for ident in self.ids:
            for stage, columns in zip(stages, self._finish(ident), strict=True):
                stage.update(columns)
        for stage in stages:
            frame = with_columns(frame, stage)
        final = ["__kj_rows"]
        for ident in self.ids:
            final.extend(self.result_names(ident).values())
        return frame.select(*self.keys, PROBLEMS, *final)

    def _finish(
        self, ident: str
    ) -> tuple[dict[str, Expr], dict[str, Expr], dict[str, Expr], dict[str, Expr]]:
        """Four rounds of columns: units and targets; achievement and band; published
        achievement and hazard; status (from the published achievement's column: an
        expression used twice is computed twice, as the query runs unoptimised)."""
        names = self.outputs[ident]
        value = nw.col(names["value"])
        magnitude = nw.col(names["magnitude"])
        year = nw.col(self.schema.year)
        versions = [v for v in self.versions if v.id == ident]
        out = self.result_names(ident)
        none = nw.lit(None, dtype=F64)
        target: Expr = none
        target_min: Expr = none
        target_max: Expr = none
        for version in versions:
            for target_year, goal in sorted(version.entry.definition.targets.items()):
                this = year == target_year
                if isinstance(goal, RangeTarget):
                    target_min = nw.when(this).then(lit(float(goal.min))).otherwise(target_min)
                    target_max = nw.when(this).then(lit(float(goal.max))).otherwise(target_max)
                else:
                    target = nw.when(this).then(lit(float(goal))).otherwise(target)
        first = {
            out["value"]: nw.col(names["units"]),
            out["decimals"]: self.by_version(
                ident, lambda v: lit(float(v.entry.definition.decimals))
            ),
            out["target"]: target,
            out["target_min"]: target_min,
            out["target_max"]: target_max,
        }
        # Achievement from the unrounded value, by the polarity of the version in force.
        point = nw.col(out["target"])
        low, high = nw.col(out["target_min"]), nw.col(out["target_max"])
        tmp = {x: self.col(x) for x in ("ach", "achm", "achh")}
        lower = {v.tag for v in versions if v.entry.definition.polarity == "lower_is_better"}
        polarities = {v.tag in lower for v in versions}
        ratio = value / point
        higher_value, higher_mag = ratio * 100.0, magnitude / point.abs() * 100.0
        lower_value, lower_mag = (2.0 - ratio) * 100.0, (2.0 + magnitude / point.abs()) * 100.0
        if polarities == {True}:
            point_value, point_mag = lower_value, lower_mag
        elif polarities == {False}:
            point_value, point_mag = higher_value, higher_mag
        else:
            point_value = self.by_version(
                ident, lambda v: lower_value if v.tag in lower else higher_value
            )
            point_mag = self.by_version(
                ident, lambda v: lower_mag if v.tag in lower else higher_mag
            )
        inside = (value >= low) & (value <= high)
        below = value < low
        ranged_value = (
            nw.when(inside)
            .then(lit(100.0))
            .otherwise(
                nw.when(below)
                .then(nw.when(low > 0).then(value / low * 100.0))
                .otherwise(nw.when(high > 0).then((2.0 - value / high) * 100.0))
            )
        )
        ranged_mag = (
            nw.when(inside)
            .then(lit(ZERO))
            .otherwise(
                nw.when(below)
                .then(magnitude / low.abs() * 100.0)
                .otherwise((2.0 + magnitude / high.abs()) * 100.0)
            )
        )
        goals = [g for v in versions for g in v.entry.definition.targets.values()]
        ranges = any(isinstance(g, RangeTarget) for g in goals)
        points = any(not isinstance(g, RangeTarget) for g in goals)
        # As the scalar path: no achievement against a target (or bound) that is not positive.
        point_achievement = nw.when(point > 0).then(point_value)
        if ranges and points:
            has_range = ~low.is_null()
            achieved_expr = nw.when(has_range).then(ranged_value).otherwise(point_achievement)
            achieved_mag = nw.when(has_range).then(ranged_mag).otherwise(point_mag)
        elif ranges:
            achieved_expr, achieved_mag = ranged_value, ranged_mag
        elif points:
            achieved_expr, achieved_mag = point_achievement, point_mag
        else:
            achieved_expr, achieved_mag = none, none
        range_hazard = (
            near_hazard(value - low, magnitude).fill_null(ZERO)
            + near_hazard(value - high, magnitude).fill_null(ZERO)
            if ranges
            else lit(ZERO)
        )
        second_tmp = {
            tmp["ach"]: achieved_expr,
            tmp["achm"]: achieved_mag,
            tmp["achh"]: range_hazard,
        }
        # Decisions on published numbers compare whole units, never rounded floats.
        units = nw.col(out["value"])
        band: Expr = nw.lit(None, dtype=nw.String)
        for version in reversed(versions):
            band_set_id = version.entry.definition.bands
            if band_set_id is None:
                continue
            decimals = version.entry.definition.decimals
            chosen = _band_label(self.catalog.band_sets[band_set_id], units, decimals)
            if version.span == (None, None):
                band = chosen  # in force in every year (as in by_version)
            else:
                band = nw.when(self.in_span(version)).then(chosen).otherwise(band)
        second = {**second_tmp, out["band"]: band}
        achieved = nw.col(tmp["ach"])
        hundred = lit(10000.0)
        third = {
            out["achievement"]: half_up_units(achieved, 2),
            out["hazard"]: nw.col(names["hazard"])
            + nw.col(tmp["achh"]).fill_null(ZERO)
            + tie_hazard(achieved, nw.col(tmp["achm"]), 2).fill_null(ZERO),
        }
        published = nw.col(out["achievement"])
        fourth = {
            out["status"]: nw.when(value.is_null() | published.is_null())
            .then(nw.lit("n/a"))
            .otherwise(
                nw.when(published > hundred)
                .then(nw.lit("above"))
                .otherwise(
                    nw.when(published == hundred).then(nw.lit("met")).otherwise(nw.lit("below"))
                )
            ),
        }
        return first, second, third, fourth

    def result_names(self, ident: str) -> dict[str, str]:
        """The output columns of ``ident`` in the query's last frame."""
        position = self.ids.index(ident)
        return {
            k: f"__kjo{position}_{k}"
            for k in (
                "value",
                "decimals",
                "target",
                "target_min",
                "target_max",
                "achievement",
                "status",
                "band",
                "hazard",
            )
        }

    # ------------------------------------------------------------------ the whole query

    def query(self, summed: Frame) -> Frame:
        """Stages 2 to 5 on the output of stage 1 (or of :func:`wide_to_summed`)."""
        frame = self.pivot(summed)
        frame = self.series(frame)
        frame = self.indicators(frame)
        return self.output(frame)


def _depth(node: ast.AST, dims: Mapping[str, str | None]) -> int:
    """How many reductions a reduction contains (0 for an innermost one)."""
    inner = [n for n in ast.walk(node) if n is not node and _is_red(n, dims)]
    return 1 + max((_depth(n, dims) for n in inner), default=-1)


def _is_red(node: ast.AST, dims: Mapping[str, str | None]) -> bool:
    from ._compile import is_reduction

    return is_reduction(node, dims)


def with_columns(frame: Frame, columns: Mapping[str, Expr]) -> Frame:
    """``frame.with_columns`` that accepts no columns (narwhals refuses an empty call)."""
    return frame.with_columns(**columns) if columns else frame


def sum_of(exprs: Sequence[Expr]) -> Expr:
    """The sum of several expressions."""
    out = exprs[0]
    for expr in exprs[1:]:
        out = out + expr
    return out


def _band_label(band_set: BandSet, units: Expr, decimals: int) -> Expr:
    """The label of the band holding a value rounded to ``units`` of ``10**-decimals``."""
    # An indicator has at most its band set's decimals, and the bands cover the set's grid
    # without gaps or overlaps (both checked at load): every value at this resolution lies
    # on that grid, so from the lowest band's lower bound up, the first upper bound the
    # value does not exceed names its band (half the comparisons of testing both bounds).
    if decimals > band_set.decimals:
        raise FrameError(  # the loader refuses such a definition; a plan never sees one
            f"{decimals} decimals are finer than band set {band_set.id!r} resolves"
        )
    ordered = sorted(band_set.bands, key=lambda b: b.min)
    out: Expr = nw.lit(None, dtype=nw.String)
    for band in reversed(ordered):
        high = float(band.max.scaleb(decimals))
        out = nw.when(units <= high).then(nw.lit(band.label)).otherwise(out)
    return nw.when(units >= float(ordered[0].min.scaleb(decimals))).then(out)
