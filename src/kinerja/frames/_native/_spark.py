"""PySpark: the query runs on the input's session; the result is a DataFrame of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from . import Adapter


def result(frame: pl.DataFrame, like: Any) -> Any:
    session = like.sparkSession
    return session.createDataFrame(frame.to_arrow())


def read(path: Path, kind: str, *, session: Any = None, **options: Any) -> Any:
    if session is None:
        from pyspark.sql import SparkSession

        session = SparkSession.builder.getOrCreate()
    if kind == "parquet":
        return session.read.parquet(str(path), **options)
    return session.read.csv(str(path), header=True, inferSchema=True, **options)


ADAPTER = Adapter("pyspark", result, read)
