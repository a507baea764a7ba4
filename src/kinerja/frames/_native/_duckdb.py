"""DuckDB: a relation in, a relation on the same connection out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from . import Adapter


def _connection(like: Any) -> Any:
    # A relation keeps its connection in ``_con``; results must live on the same one to be
    # joined with the caller's other relations. Fall back to DuckDB's default connection.
    found = getattr(like, "_con", None)
    return found if found is not None else duckdb.default_connection()


def result(frame: pl.DataFrame, like: Any) -> Any:
    return duckdb.from_arrow(frame.to_arrow(), connection=_connection(like))


def read(path: Path, kind: str, *, connection: Any = None, **options: Any) -> Any:
    con = connection if connection is not None else duckdb.default_connection()
    if kind == "parquet" and path.is_dir():
        # A folder as the other readers take one: every Parquet file below it, with the
        # key=value folder names (year=2023/) as columns.
        options.setdefault("hive_partitioning", True)
        return con.read_parquet(str(path / "**" / "*.parquet"), **options)
    if kind == "parquet":
        return con.read_parquet(str(path), **options)
    return con.read_csv(str(path), **options)


ADAPTER = Adapter("duckdb", result, read)
