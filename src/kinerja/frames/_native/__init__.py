"""What differs between engines, behind one small API.

Everything else in :mod:`kinerja.frames` is written once against narwhals. An engine's
module here knows how to read a file into that engine and how to hand a (small) result
back as the caller's own frame type; :func:`adapter` picks the module for a native frame.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import polars as pl


@dataclass(frozen=True)
class Adapter:
    """One engine: its name, and how results go back to it (``result`` turns the small
    Polars result into a frame like ``like``, the caller's input)."""

    name: str
    result: Callable[[pl.DataFrame, Any], Any]
    read: Callable[..., Any]


_MODULES = {
    nw.Implementation.POLARS: "_polars",
    nw.Implementation.PANDAS: "_pandas",
    nw.Implementation.PYARROW: "_pyarrow",
    nw.Implementation.DUCKDB: "_duckdb",
    nw.Implementation.DASK: "_dask",
    nw.Implementation.PYSPARK: "_spark",
}

BACKENDS = ("polars", "pandas", "pyarrow", "duckdb", "dask", "pyspark")


def _load(module: str) -> Adapter:
    found = importlib.import_module(f"{__name__}.{module}")
    adapter: Adapter = found.ADAPTER
    return adapter


def adapter(implementation: nw.Implementation) -> Adapter:
    """The adapter of an engine (polars for engines without their own)."""
    return _load(_MODULES.get(implementation, "_polars"))


def by_name(name: str) -> Adapter:
    """The adapter called ``name`` (``"polars"``, ``"duckdb"``, ``"spark"``, ...)."""
    aliases = {"spark": "pyspark", "arrow": "pyarrow"}
    wanted = aliases.get(name, name)
    if wanted not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return _load("_spark" if wanted == "pyspark" else f"_{wanted}")
