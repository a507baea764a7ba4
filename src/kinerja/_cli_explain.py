"""The ``kinerja explain`` command: one figure's derivation, step by step.

Registered through ``_COMMAND_MODULES`` in :mod:`kinerja._cli`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._io import write_output

_FORMATS = ("text", "json", "md")
EXIT_OK = 0


def register(subparsers: Any) -> None:
    """Add ``explain`` to the ``kinerja`` command's subparsers."""
    parser = subparsers.add_parser(
        "explain",
        help="show how one indicator's figure is derived, step by step",
        description=(
            "Explain one indicator's value for one year: the definition in force, the "
            "formula, every input with its source, every intermediate at full precision, "
            "the rounding, the achievement, the band and the notes. Referenced indicators "
            "are explained too, nested."
        ),
    )
    parser.add_argument("definitions", metavar="DEFINITIONS", help="folder of definitions")
    parser.add_argument("indicator", metavar="ID", help="the indicator id, e.g. rehsos.ikm")
    parser.add_argument(
        "--data",
        required=True,
        metavar="FILE_OR_FOLDER",
        help="one year's data file, or a folder of yearly files (for carry-forward)",
    )
    parser.add_argument(
        "--year", type=int, metavar="YEAR", help="the year (default: the data's latest year)"
    )
    parser.add_argument("--format", choices=_FORMATS, default="text")
    parser.add_argument(
        "--depth",
        type=_depth,
        metavar="N",
        help="levels of referenced indicators to explain (default: all; 0: none)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(run=run)


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def run(args: argparse.Namespace) -> int:
    """Run ``kinerja explain``; returns the exit code."""
    from ._explain import explain
    from ._loader import load

    catalog = load(args.definitions)
    explanation = explain(catalog, args.indicator, args.data, year=args.year, depth=args.depth)
    text = explanation.render(args.format)
    if args.output is None or args.output == "-":
        print(text.rstrip("\n"))
        return EXIT_OK
    write_output(args.output, text.rstrip("\n") + "\n", inputs=(args.definitions, args.data))
    print(f"written: {args.output}", file=sys.stderr)
    return EXIT_OK
