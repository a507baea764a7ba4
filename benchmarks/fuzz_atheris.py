"""Coverage-guided fuzzing of the formula compiler with atheris (not run by pytest).

The property is the one of ``tests/test_fuzz.py``: compiling any text raises nothing but
``kinerja.FormulaError``, and a compiled formula evaluates to finite Decimals or raises
nothing but ``kinerja.EvaluationError``. Any other exception is a crash atheris saves.

Usage (atheris needs a clang-built CPython; ``pip install atheris``)::

    .venv/bin/python benchmarks/fuzz_atheris.py -max_total_time=600 -max_len=400 corpus/

``corpus/`` may start empty, or from the formulas of ``tests/corpus/formulas``.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports():
    import kinerja

NAMES = {"a": None, "b": None, "x": None, "s": "bulan"}
VALUES = (
    {"a": Decimal(3), "b": Decimal(0), "x": Decimal("-1.5"), "s": [Decimal(1), Decimal(2)]},
    {"a": Decimal("1e40"), "b": Decimal("1e-40"), "x": Decimal(0), "s": []},
)


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    text = provider.ConsumeUnicodeNoSurrogates(400)
    try:
        formula = kinerja.compile_formula(text, NAMES)
    except kinerja.FormulaError:
        return
    for values in VALUES:
        try:
            result = formula.evaluate(values, decimals=2)
        except kinerja.EvaluationError:
            continue
        found = result if isinstance(result, tuple) else (result,)
        if not all(type(v) is Decimal and v.is_finite() for v in found):
            raise AssertionError((text, result))


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
