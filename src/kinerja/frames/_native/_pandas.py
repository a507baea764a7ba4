"""pandas: eager; nulls come back as NaN in float columns, as pandas holds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from . import Adapter


def result(frame: pl.DataFrame, like: Any) -> Any:
    return frame.to_arrow().to_pandas()


def read(path: Path, kind: str, **options: Any) -> Any:
    if kind == "parquet":
        return pd.read_parquet(path, **options)
    return pd.read_csv(path, **options)


ADAPTER = Adapter("pandas", result, read)
