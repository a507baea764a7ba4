"""Finishing on Polars: the compiled query of stages 2-5, built once and reused.

Stages 2-5 run on stage 1's output, a frame of the same schema on every call with the
same catalog and options. Translating the few thousand narwhals expressions of a catalog
into a Polars plan costs about a tenth of a second, more than Polars then needs to run
it on a million input rows' aggregate; so the plan is built once over a Polars IO source
whose data is swapped in for each call, and cached per catalog (weakly: a catalog that is
dropped takes its plans with it).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import narwhals as nw
import polars as pl
from polars.io.plugins import register_io_source

from .._catalog import Catalog
from ._plan import Plan


@dataclass(eq=False)
class Compiled:
    """A plan and its Polars query over a swappable source."""

    plan: Plan
    query: pl.LazyFrame
    holder: dict[str, pl.DataFrame] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, summed: pl.DataFrame) -> pl.DataFrame:
        with self.lock:
            self.holder["frame"] = summed
            try:
                return collect_small(self.query)
            finally:
                self.holder.clear()


# How kinerja collects its queries over small frames (stage 1's aggregate and what comes
# of it). They are long chains of small steps on a few thousand rows: Polars' optimiser,
# re-run on every collect, and the streaming engine's set-up cost more than they save
# there (stages 2-5 of the SPM catalog at 1M rows: 17 ms instead of 21, medians). Type
# coercion and checks stay on. Stage 1, over every input row, keeps Polars' defaults.
_AS_WRITTEN = pl.QueryOptFlags.none()


def collect_small(query: pl.LazyFrame) -> pl.DataFrame:
    """Collect a query over a small frame (see above)."""
    return query.collect(engine="in-memory", optimizations=_AS_WRITTEN)


def collect_all_small(queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Collect several queries over small frames in one call (Polars runs them in parallel)."""
    return pl.collect_all(queries, engine="in-memory", optimizations=_AS_WRITTEN)


_CACHE: weakref.WeakKeyDictionary[Catalog, dict[Any, Compiled]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()
_PER_CATALOG = 16


def _source(holder: dict[str, pl.DataFrame]) -> Callable[..., Iterator[pl.DataFrame]]:
    def read(
        with_columns: list[str] | None,
        predicate: Any,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        frame = holder["frame"]
        if with_columns is not None:
            frame = frame.select(with_columns)
        if predicate is not None:
            frame = frame.filter(predicate)
        if n_rows is not None:
            frame = frame.head(n_rows)
        yield frame

    return read


_PLANS: weakref.WeakKeyDictionary[Catalog, dict[Any, Plan]] = weakref.WeakKeyDictionary()
_Made = TypeVar("_Made")


def _cached(
    cache: weakref.WeakKeyDictionary[Catalog, dict[Any, _Made]],
    catalog: Catalog,
    key: Any,
    make: Callable[[], _Made],
) -> _Made:
    # At most _PER_CATALOG entries per catalog, the oldest dropped first; made outside
    # the lock (a query takes a tenth of a second), so two threads may both make one.
    with _CACHE_LOCK:
        found = cache.setdefault(catalog, {}).get(key)
    if found is not None:
        return found
    made = make()
    with _CACHE_LOCK:
        entries = cache.setdefault(catalog, {})
        if len(entries) >= _PER_CATALOG:
            entries.pop(next(iter(entries)))
        entries[key] = made
    return made


def cached_plan(catalog: Catalog, key: Any, make_plan: Callable[[], Plan]) -> Plan:
    """The plan for ``key`` (built with ``make_plan`` on first use): about a millisecond
    of Python per call otherwise, before stage 1 even starts."""
    return _cached(_PLANS, catalog, key, make_plan)


def compiled(
    catalog: Catalog, key: Any, make_plan: Callable[[], Plan], schema: pl.Schema
) -> Compiled:
    """The cached query for ``key`` (built with ``make_plan`` on first use)."""

    def build() -> Compiled:
        plan = make_plan()
        holder: dict[str, pl.DataFrame] = {}
        source = register_io_source(_source(holder), schema=schema)
        query = plan.query(nw.from_native(source)).to_native()
        return Compiled(plan, query, holder)

    return _cached(_CACHE, catalog, (key, tuple(schema.items())), build)
