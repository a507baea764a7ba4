"""Dask: the query runs on the caller's cluster (the active ``distributed`` client, if any)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dask.dataframe as dd
import polars as pl

from . import Adapter


def result(frame: pl.DataFrame, like: Any) -> Any:
    from_pandas: Any = dd.from_pandas
    return from_pandas(frame.to_arrow().to_pandas(), npartitions=1)


def read(path: Path, kind: str, **options: Any) -> Any:
    if kind == "parquet":
        return dd.read_parquet(str(path), **options)
    return dd.read_csv(str(path), **options)


ADAPTER = Adapter("dask", result, read)
