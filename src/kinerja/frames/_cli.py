"""The ``kinerja evaluate-frame`` command: a catalog over a Parquet or CSV file.

Registered through ``_COMMAND_MODULES`` in :mod:`kinerja._cli`; the dataframe libraries
are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
_FORMATS = ("csv", "parquet", "json")
_BACKENDS = ("polars", "duckdb", "pandas", "pyarrow", "dask", "pyspark")


def register(subparsers: Any) -> None:
    """Add ``evaluate-frame`` to the ``kinerja`` command's subparsers."""
    parser = subparsers.add_parser(
        "evaluate-frame",
        help="evaluate every indicator over long-format data (Parquet or CSV) per org unit",
        description=(
            "Evaluate a folder of definitions over long-format rows (year, org-unit columns, "
            "group, indicator, input, value), one output row per year, --by values and "
            "indicator. See docs/scale.md."
        ),
    )
    parser.add_argument("definitions", metavar="DEFINITIONS", help="folder of definitions")
    parser.add_argument(
        "--input", required=True, metavar="FILE", help="*.parquet, *.csv or a Parquet folder"
    )
    parser.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="COLUMN",
        help="an org-unit column of the output rows (repeat; none: national)",
    )
    parser.add_argument(
        "--year", action="append", type=int, default=[], metavar="YEAR", help="only this year"
    )
    parser.add_argument("--backend", choices=_BACKENDS, default="polars")
    parser.add_argument("--layout", choices=("long", "wide"), default="long")
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="COLUMN=INDICATOR/INPUT",
        help=(
            "with --layout wide: the input a column holds (repeat; default: a column named "
            "like an input that exactly one indicator declares)"
        ),
    )
    parser.add_argument(
        "--format",
        choices=_FORMATS,
        help="output format (default: from the -o suffix, csv on stdout)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(run=run)


_SUFFIXES = {"csv": "csv", "txt": "csv", "parquet": "parquet", "pq": "parquet", "json": "json"}


def _format(args: argparse.Namespace) -> str:
    from .._errors import OutputError

    if args.format:
        return str(args.format)
    if args.output and args.output != "-":
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix not in _SUFFIXES:
            raise OutputError(
                f"cannot tell the format of {args.output} from its name: end it in .csv, "
                ".parquet or .json, or pass --format"
            )
        return _SUFFIXES[suffix]
    return "csv"


def _columns(args: argparse.Namespace) -> dict[str, str] | None:
    from .._errors import DataError, Problem

    if not args.column:
        return None
    if args.layout != "wide":
        raise DataError([Problem("--column applies to wide data", suggestion="add --layout wide")])
    mapping: dict[str, str] = {}
    for given in args.column:
        column, equals, target = given.partition("=")
        if not equals or not column or "/" not in target:
            raise DataError(
                [
                    Problem(
                        f"--column {given!r}: expected COLUMN=INDICATOR/INPUT",
                        suggestion="for example --column jumlah_terlayani=spm.kabkota/terlayani",
                    )
                ]
            )
        mapping[column] = target
    return mapping


def run(args: argparse.Namespace) -> int:
    """Run ``kinerja evaluate-frame``."""
    import narwhals as nw
    import polars as pl

    from .._io import write_output
    from .._loader import load
    from . import evaluate_frame, read_long

    kind = _format(args)  # before any work: a name it cannot tell is refused at once
    columns = _columns(args)
    catalog = load(args.definitions)
    data = read_long(args.input, backend=args.backend)
    result = evaluate_frame(
        catalog,
        data,
        by=args.by,
        years=args.year or None,
        layout=args.layout,
        columns=columns,
    )
    frame = nw.from_native(result)
    lazy = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
    table: pl.DataFrame = lazy.collect(backend="polars").to_native()
    buffer = io.BytesIO()
    if kind == "parquet":
        table.write_parquet(buffer)
    elif kind == "json":
        buffer.write(table.write_json().encode("utf-8"))
    else:
        table.write_csv(buffer)
    content = buffer.getvalue()
    if not args.output or args.output == "-":
        sys.stdout.write(content.decode("utf-8") if kind != "parquet" else "")
        if kind == "parquet":
            sys.stdout.buffer.write(content)
        return EXIT_OK
    write_output(args.output, content, inputs=(args.definitions, args.input))
    print(f"written: {args.output} ({table.height} rows)", file=sys.stderr)
    return EXIT_OK
