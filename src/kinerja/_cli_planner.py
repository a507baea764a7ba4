"""The planner's commands: ``kinerja schema`` (a JSON Schema for editors) and
``kinerja new`` (a commented indicator file to fill in).

Registered through ``_COMMAND_MODULES`` in :mod:`kinerja._cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._errors import OutputError
from ._io import write_output

EXIT_OK = 0


def register(subparsers: Any) -> None:
    """Add ``schema`` and ``new`` to the ``kinerja`` command's subparsers."""
    from ._planner import FORMS, SCHEMA_KINDS

    schema = subparsers.add_parser(
        "schema",
        help="write a JSON Schema of kinerja's files, for editors",
        description=(
            "Write the JSON Schema (draft 2020-12) of indicator, band-set, goal and data "
            "files. Point an editor at it (Taplo / Even Better TOML: a '#:schema PATH' line "
            "at the top of a file, or a rule in .taplo.toml) to get completion, "
            "descriptions and errors while typing. See docs/planner-guide.md."
        ),
    )
    schema.add_argument(
        "--kind",
        choices=SCHEMA_KINDS,
        default="all",
        help="one schema for every kind of file (default), or for one kind only",
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    schema.set_defaults(run=run_schema)

    new = subparsers.add_parser(
        "new",
        help="write a commented indicator file to fill in",
        description=(
            "Write the skeleton of a new indicator file, commented in Indonesian, with "
            'every blank to fill written as "". It loads once the blanks are filled. '
            "An existing file is never overwritten."
        ),
    )
    new.add_argument("indicator", metavar="ID", help="the new indicator's id, e.g. rehsos.lks")
    new.add_argument(
        "--form",
        choices=FORMS,
        default="ratio",
        help="ratio: numerator / denominator (default); weights: weighted mean; expr: any formula",
    )
    new.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    new.set_defaults(run=run_new)


def run_schema(args: argparse.Namespace) -> int:
    """Run ``kinerja schema``; returns the exit code."""
    from ._planner import json_schema

    text = json.dumps(json_schema(args.kind), indent=2, ensure_ascii=False) + "\n"
    if args.output is None or args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    write_output(args.output, text)
    print(f"written: {args.output}", file=sys.stderr)
    return EXIT_OK


def run_new(args: argparse.Namespace) -> int:
    """Run ``kinerja new``; returns the exit code."""
    from ._planner import id_problem, new_indicator

    problem = id_problem(args.indicator)
    if problem is not None:
        raise OutputError(problem)
    text = new_indicator(args.indicator, args.form)
    if args.output is None or args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    if target.exists() or target.is_symlink():
        raise OutputError(
            f"refusing to write {target}: the file already exists (kinerja new never "
            "overwrites a file; choose another name, or remove the old file first)"
        )
    if target.suffix != ".toml":
        raise OutputError(
            f"refusing to write {target}: an indicator file must end in .toml, or "
            "kinerja load will not read it"
        )
    write_output(target, text)
    print(f"written: {target}", file=sys.stderr)
    return EXIT_OK
