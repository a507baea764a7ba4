"""PyArrow: a Table in, a Table out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from . import Adapter


def result(frame: pl.DataFrame, like: Any) -> Any:
    return frame.to_arrow()


def read(path: Path, kind: str, **options: Any) -> Any:
    if kind == "parquet":
        return pq.read_table(path, **options)
    if "convert_options" not in options:
        # An empty cell is no value (as in the other readers), not an empty string.
        options["convert_options"] = pa_csv.ConvertOptions(strings_can_be_null=True)
    return pa_csv.read_csv(path, **options)


ADAPTER = Adapter("pyarrow", result, read)
