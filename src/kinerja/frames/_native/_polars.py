"""Polars: the default engine. A lazy input gives a lazy result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from . import Adapter


def result(table: pa.Table, like: Any) -> Any:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.lazy() if isinstance(like, pl.LazyFrame) else frame


def read(path: Path, kind: str, **options: Any) -> Any:
    if kind == "parquet":
        return pl.scan_parquet(path, **options)
    return pl.scan_csv(path, **options)


ADAPTER = Adapter("polars", result, read)
