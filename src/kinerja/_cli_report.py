"""The ``kinerja report`` command: the tables of a Laporan Kinerja in several formats.

Registered through ``_COMMAND_MODULES`` in :mod:`kinerja._cli`. Rich, Babel and openpyxl
are imported only when the command runs (and only the renderer that is used).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from ._errors import DataError, OutputError, Problem
from ._io import write_output

_FORMATS = ("terminal", "md", "html", "csv", "xlsx", "json")
_LOCALES = ("id", "en")
# Steps of a run, for the progress bar: load, data, evaluate, the report's parts, render.
_STEPS = 11
EXIT_OK = 0


def register(subparsers: Any) -> None:
    """Add ``report`` to the ``kinerja`` command's subparsers."""
    parser = subparsers.add_parser(
        "report",
        help="the tables of a Laporan Kinerja (terminal, md, html, csv, xlsx or json)",
        description=(
            "Build the tables of a Laporan Kinerja from definitions and data: a summary of "
            "every indicator, one table per sasaran, clusters, sampling, year over year, "
            "budget realisation and the count of key indicators above, at and below 100%."
        ),
    )
    parser.add_argument("definitions", metavar="DEFINITIONS", help="folder of definitions")
    parser.add_argument(
        "--data",
        required=True,
        metavar="FILE_OR_FOLDER",
        help="one year's data file, or a folder of yearly files (for history)",
    )
    parser.add_argument(
        "--year", type=int, metavar="YEAR", help="the report year (default: the latest data)"
    )
    parser.add_argument("--format", choices=_FORMATS, default="terminal")
    parser.add_argument(
        "--locale", choices=_LOCALES, default="id", help="words and number format (default id)"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(run=run)


class _Steps:
    """A transient rich progress bar on stderr, or nothing when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Steps:
        if not self.enabled:
            return self
        try:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
        except ImportError:  # the report extra is missing; the renderer will say so
            return self
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("kinerja report", total=_STEPS)
        return self

    def __call__(self, name: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=name)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


def run(args: argparse.Namespace) -> int:
    """Run ``kinerja report``; returns the exit code."""
    from ._data import load_data, load_years
    from ._loader import load
    from ._report import BINARY_FORMATS, build_report, render

    to_stdout = args.output is None or args.output == "-"
    if args.format in BINARY_FORMATS and to_stdout and sys.stdout.isatty():
        raise OutputError(f"the {args.format} format is binary: give -o FILE")
    with _Steps(sys.stderr.isatty()) as step:
        step("definitions")
        catalog = load(args.definitions)
        step("data")
        path = Path(args.data)
        if path.is_dir():
            years = load_years(path)
            step("evaluate")
            results = catalog.evaluate_years(years)
            year = args.year if args.year is not None else max(results)
            if year not in results:
                shown = ", ".join(str(y) for y in sorted(results))
                raise DataError(
                    [
                        Problem(
                            f"no data file for {year} in this folder (it has {shown})",
                            file=str(path),
                            suggestion="give --year one of those years, or add the file",
                        )
                    ]
                )
            data = next(d for d in years if d.year == year)
        else:
            data = load_data(path)
            step("evaluate")
            one = catalog.evaluate(data, year=args.year)
            year, results = one.year, {one.year: one}
        report = build_report(
            catalog,
            results,
            year,
            data=data,
            locale=args.locale,
            definitions=args.definitions,
            source=args.data,
            progress=step,
        )
        step("render")
        color = args.format == "terminal" and to_stdout and sys.stdout.isatty()
        width = shutil.get_terminal_size().columns if color else None
        output = render(report, args.format, color=color, width=width)
    if to_stdout:
        if isinstance(output, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(output)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(output)
            sys.stdout.flush()
        return EXIT_OK
    write_output(args.output, output, inputs=(args.definitions, args.data))
    print(f"written: {args.output}", file=sys.stderr)
    return EXIT_OK
