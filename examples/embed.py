"""kinerja embedded in another tool: formulas, errors, a catalog and one year of data.

Run from anywhere:

    python examples/embed.py

It compiles a formula with units and evaluates it exactly, shows how the two kinds of
formula failure are caught, then loads the demo catalog (examples/demo/indicators) and
evaluates the 2023 data, handed over as a Python mapping the way an application that
keeps its data in a database would.
"""

from __future__ import annotations

import json
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import kinerja

HERE = Path(__file__).resolve().parent
DEMO = HERE / "demo"


def formulas() -> None:
    """Compile once with units, evaluate exactly, and catch what a user can get wrong."""
    print("== Formula engine")
    kemampuan = kinerja.compile_formula(
        "pm_meningkat / pm_dimonev * 100",
        names=["pm_meningkat", "pm_dimonev"],
        units={"pm_meningkat": "person", "pm_dimonev": "person"},
        unit="percent",
    )
    for kluster, meningkat, dimonev in (("anak", 1794, 2035), ("lanjut_usia", 1939, 2229)):
        exact = kemampuan.evaluate({"pm_meningkat": meningkat, "pm_dimonev": dimonev})
        published = kinerja.round_half_up(exact, 2)
        print(f"  {kluster:12} {meningkat}/{dimonev} x 100 = {published}  (exact {exact:.12f}...)")

    # Decimal arithmetic from the literal's text: no binary floating point anywhere.
    nka = kinerja.compile_formula("0.5 * smart + 0.5 * ikpa", ["smart", "ikpa"])
    print(
        f"  NKA = 0.5 x 93.17 + 0.5 x 89.45 = {nka.evaluate({'smart': '93.17', 'ikpa': '89.45'})}"
    )

    attempts: list[tuple[str, list[str], dict[str, Any], dict[str, str] | None]] = [
        (
            "pm_meningkat / pm_dimonev * 100",
            ["pm_meningkat", "pm_dimonev"],
            {"pm_meningkat": 5, "pm_dimonev": 0},
            None,
        ),
        ("pm_meningkat / pm_dimonv * 100", ["pm_meningkat", "pm_dimonev"], {}, None),
        (
            "pm_meningkat + lembaga",
            ["pm_meningkat", "lembaga"],
            {},
            {"pm_meningkat": "person", "lembaga": "institution"},
        ),
        ("__import__('os').system('ls')", [], {}, None),
    ]
    for text, names, values, units in attempts:
        try:
            value = kinerja.compile_formula(text, names, units=units).evaluate(values, decimals=2)
            print(f"  {text!r}: {value}")
        except kinerja.UnitError as error:
            print(f"  {text!r}: unit error: {error.reason}")
        except kinerja.FormulaError as error:
            hint = f" ({error.suggestion})" if error.suggestion else ""
            print(f"  {text!r}: refused: {error.reason}{hint}")
        except kinerja.EvaluationError as error:
            print(f"  {text!r}: no value: {error.reason}")


def data_as_mapping(path: Path) -> dict[str, Any]:
    """Stand-in for the host application's own storage: the year's values as a dict."""
    with path.open("rb") as handle:
        return tomllib.load(handle, parse_float=Decimal)


def catalog() -> kinerja.Results:
    """Load the demo definitions and evaluate 2023 from a Python mapping."""
    print("== Catalog")
    try:
        indicators = kinerja.load(DEMO / "indicators")
    except kinerja.DefinitionError as error:
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"  loaded {len(indicators)} indicators: {', '.join(indicators.ids)}")

    data = data_as_mapping(DEMO / "data-2023.toml")
    try:
        results = indicators.evaluate(data["values"], year=data["year"])
    except kinerja.DataError as error:
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2) from None

    print(f"  {'indicator':16} {'realisasi':>9} {'unit':8} {'target':>6} {'capaian':>8}  status")
    for result in results:
        value = "n/a" if result.value is None else str(result.value)
        target = "-" if result.target is None else str(result.target)
        achievement = "-" if result.achievement is None else str(result.achievement)
        print(
            f"  {result.id:16} {value:>9} {result.unit:8} {target:>6} {achievement:>8}  {result.status}"
        )
        for group in result.groups.values():
            print(f"    {group.group:14} {group.value!s:>9}")
        if result.sampling is not None and result.sampling.ci95 is not None:
            low, high = result.sampling.to_dict()["ci95"]
            print(
                f"    95% CI {low} to {high} (sample {result.sampling.sample} of {result.sampling.population})"
            )
        for note in result.notes:
            print(f"    note: {note}")
    return results


def main() -> int:
    formulas()
    results = catalog()
    # The demo's known figures: a host tool can guard its own expectations the same way.
    expected = {"demo.kemampuan": Decimal("87.55"), "demo.nka": Decimal("91.31")}
    wrong = {i: results[i].value for i, v in expected.items() if results[i].value != v}
    if wrong:
        print(f"unexpected values: {wrong}", file=sys.stderr)
        return 1
    print("== JSON (first result)")
    print(json.dumps(results.to_dict()["results"][0], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
