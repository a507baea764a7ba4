"""Polars: the default engine. A lazy input gives a lazy result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from . import Adapter


def result(frame: pl.DataFrame, like: Any) -> Any:
    return frame.lazy() if isinstance(like, pl.LazyFrame) else frame


def read(path: Path, kind: str, **options: Any) -> Any:
    if kind == "parquet":
        return pl.scan_parquet(path, **options)
    # Types from every row, not the first hundred: a 80.5 after whole numbers is a float.
    options.setdefault("infer_schema_length", None)
    return pl.scan_csv(path, **options)


ADAPTER = Adapter("polars", result, read)
