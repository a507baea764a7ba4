"""The ``kinerja`` command: validate and evaluate definitions. No traceback reaches a user."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TextIO

from ._errors import DataError, DefinitionError, KinerjaError, Problem
from ._io import check_output, write_output
from ._loader import load
from ._numbers import plain
from ._results import IndicatorResult, Results

EXIT_OK = 0
EXIT_PROBLEMS = 2
EXIT_INTERNAL = 70


def _print_problems(problems: Sequence[Problem], out: TextIO) -> None:
    for problem in problems:
        print(str(problem), file=out)


def _cmd_validate(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    summaries = []
    for path in args.paths:
        try:
            catalog = load(path)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        summaries.append(
            f"{path}: {len(catalog)} indicator(s), {len(catalog.band_sets)} band set(s), all valid"
        )
    if problems:
        _print_problems(problems, sys.stdout)
        count = len(problems)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return EXIT_PROBLEMS
    for line in summaries:
        print(line)
    return EXIT_OK


def _number(value: Decimal | None) -> str:
    return "n/a" if value is None else plain(value)


def _target(result: IndicatorResult) -> str:
    target = result.target
    if target is None:
        return "-"
    if isinstance(target, Decimal):
        return plain(target)
    return f"{plain(target.min)}-{plain(target.max)}"


def render_table(results: Results) -> str:
    """Plain-text table of results (labels in the report's words)."""
    header = ("Indikator", "Realisasi", "Satuan", "Target", "Capaian %", "Status", "Kategori")
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for result in results:
        band = f"{result.band.label} ({result.band.name})" if result.band else ""
        rows.append(
            (
                result.id,
                _number(result.value),
                result.unit,
                _target(result),
                _number(result.achievement),
                result.status.value,
                band,
            )
        )
        for group in result.groups.values():
            rows.append(
                (f"  {group.label or group.group}", _number(group.value), "", "", "", "", "")
            )
        if result.sampling is not None and result.sampling.ci95 is not None:
            sampling = result.sampling.to_dict()
            low, high = sampling["ci95"]
            notes.append(
                f"{result.id}: sample {sampling['sample']} of {sampling['population']} "
                f"(fraction {sampling['fraction']}), 95% CI {low} to {high}"
            )
        notes.extend(f"{result.id}: {note}" for note in result.notes)
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {1, 3, 4}

    def line(row: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    out = [
        f"Kinerja {results.year}: {len(results)} indikator",
        line(header),
        line(tuple("-" * w for w in widths)),
    ]
    out.extend(line(row) for row in rows)
    if notes:
        out.append("")
        out.append("Catatan:")
        out.extend(f"  {n}" for n in notes)
    return "\n".join(out)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    catalog = load(args.path)
    results = catalog.evaluate(args.data, year=args.year)
    text = results.to_json() if args.format == "json" else render_table(results)
    _emit(text, args.output, inputs=(args.path, args.data))
    return EXIT_OK


def _emit(text: str, output: str | None, *, inputs: Sequence[str]) -> None:
    """Print, or write atomically to ``output`` (never over an input)."""
    if output is None or output == "-":
        print(text)
        return
    write_output(output, text + "\n", inputs=inputs)
    print(f"written: {output}", file=sys.stderr)


def _cmd_replay(args: argparse.Namespace) -> int:
    from ._replay import render_replay, replay

    catalog = load(args.definitions)
    result = replay(catalog, args.example, year=args.year)
    text = result.to_json() if args.format == "json" else render_replay(result)
    _emit(text, args.output, inputs=(args.definitions, args.example))
    if args.strict and result.summary["mismatch"]:
        return 1
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kinerja",
        description="Evaluate government performance indicators declared in TOML.",
    )
    parser.add_argument("--version", action="version", version=f"kinerja {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check definition files; list every problem")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="folder or file of definitions")
    validate.set_defaults(run=_cmd_validate)

    evaluate = sub.add_parser("evaluate", help="evaluate the indicators of one year")
    evaluate.add_argument("path", metavar="PATH", help="folder or file of definitions")
    evaluate.add_argument("--data", required=True, metavar="FILE", help="the year's data (TOML)")
    evaluate.add_argument(
        "--year", type=int, metavar="YEAR", help="the year (default: the data's year)"
    )
    evaluate.add_argument("--format", choices=("table", "json"), default="table")
    evaluate.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    evaluate.set_defaults(run=_cmd_evaluate)

    replay = sub.add_parser(
        "replay", help="recompute a published report and judge every printed figure"
    )
    replay.add_argument("definitions", metavar="DEFINITIONS", help="folder of definitions")
    replay.add_argument(
        "example", metavar="EXAMPLE_DIR", help="folder with data/*.toml and published.toml"
    )
    replay.add_argument("--year", type=int, metavar="YEAR", help="the report year")
    replay.add_argument("--format", choices=("table", "json"), default="table")
    replay.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    replay.add_argument(
        "--strict", action="store_true", help="exit 1 when any printed figure is a mismatch"
    )
    replay.set_defaults(run=_cmd_replay)

    for module in _COMMAND_MODULES:
        importlib.import_module(f"kinerja.{module}").register(sub)
    return parser


# Commands that live in modules of their own; each has ``register(subparsers)`` and
# imports its heavier dependencies only when it runs.
_COMMAND_MODULES: tuple[str, ...] = ("_cli_report", "frames._cli", "_cli_explain", "_cli_planner")


def _version() -> str:
    from . import __version__

    return __version__


# The arguments that name a command's inputs, whatever the command; an output must be
# none of them, and that is checked before any work is done.
_INPUT_ARGUMENTS = ("path", "paths", "definitions", "data", "example", "input")


def _check_output_early(args: argparse.Namespace) -> None:
    output = getattr(args, "output", None)
    if output is None or output == "-":
        return
    inputs: list[str] = []
    for name in _INPUT_ARGUMENTS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            inputs.append(value)
        elif isinstance(value, list | tuple):
            inputs.extend(str(v) for v in value)
    check_output(output, inputs)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kinerja`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        _check_output_early(args)
        return run(args)
    except (DefinitionError, DataError) as exc:
        _print_problems(exc.problems, sys.stderr)
        count = len(exc.problems)
        print(f"kinerja: {count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return EXIT_PROBLEMS
    except KinerjaError as exc:
        print(f"kinerja: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("kinerja: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # an internal bug: say so plainly, traceback only on request
        if os.environ.get("KINERJA_DEBUG"):
            traceback.print_exc()
        print(
            f"kinerja: internal error ({type(exc).__name__}: {exc}); please report it. "
            "Set KINERJA_DEBUG=1 to see the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
