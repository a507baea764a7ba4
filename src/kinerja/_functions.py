"""The function table: this is the documented formula language's list of functions.

Every backend (exact Decimal, unit check, and later dataframes) implements each entry;
``tests/test_language.py`` checks that they do and that ``docs/formula-language.md``
documents each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a function treats series (inputs declared with ``over = "..."``):
#   reduce      one series argument is reduced to a scalar; several arguments combine element-wise
#   elementwise applied to each element; the result has the shape of the arguments
Shape = Literal["reduce", "elementwise"]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function of the formula language."""

    name: str
    min_args: int
    max_args: int | None
    shape: Shape
    summary: str
    example: str
    constant_args: tuple[int, ...] = ()  # positions that must be integer literals


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec("abs", 1, 1, "elementwise", "Absolute value.", "abs(realisasi - target)"),
        FunctionSpec(
            "coalesce",
            2,
            None,
            "elementwise",
            "The first argument that has a value (not n/a).",
            "coalesce(realisasi_2023, realisasi_2022)",
        ),
        FunctionSpec(
            "max",
            1,
            None,
            "reduce",
            "Largest element of one series, or the larger of several values.",
            "max(melapor)",
        ),
        FunctionSpec(
            "mean",
            1,
            None,
            "reduce",
            "Arithmetic mean of one series, or of several values.",
            "mean(melapor / ditugaskan) * 100",
        ),
        FunctionSpec(
            "min",
            1,
            None,
            "reduce",
            "Smallest element of one series, or the smaller of several values.",
            "min(capaian, 120)",
        ),
        FunctionSpec(
            "round",
            1,
            2,
            "elementwise",
            "Round half away from zero to N decimals (default 0); exact, never binary.",
            "round(nilai_satker, 2)",
            constant_args=(1,),
        ),
        FunctionSpec(
            "sum",
            1,
            None,
            "reduce",
            "Sum of one series, or of several values.",
            "sum(anggaran_bulanan)",
        ),
        FunctionSpec(
            "where",
            3,
            3,
            "elementwise",
            "where(condition, a, b): a where the condition holds, else b; element-wise on "
            "series, and only the chosen value needs to exist.",
            "where(ditugaskan > 0, melapor / ditugaskan, 0)",
        ),
    )
}
