"""Band sets: gap and overlap checks at their resolution, and classification."""

from __future__ import annotations

import decimal
import itertools
from decimal import Decimal
from typing import Final

from ._model import Band, BandSet
from ._numbers import plain, quantum, round_half_up

# Sums of bounds, exactly, however many digits the bounds have (1e30 stands in for inf).
_EXACT_SUM: Final = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Overflow],
)


def _at_resolution(bound: Decimal, decimals: int) -> bool:
    # round_half_up sizes its context to the value: quantize in the default one fails on 1e30.
    return bound == round_half_up(bound, decimals)


def _shown(bound: Decimal, decimals: int) -> str:
    """A bound as the docs print it: at the set's resolution (65.0 as 65.00 at 2 decimals).

    A bound finer than the resolution is shown as written, since rounding it would hide why
    it is refused.
    """
    return plain(round_half_up(bound, decimals) if _at_resolution(bound, decimals) else bound)


def band_problems(band_set: BandSet) -> list[tuple[int, str]]:
    """Every duplicate label, gap, overlap or inverted band in ``band_set``, with the index
    of the band.

    Bounds are inclusive; at a resolution of 2 decimals, 64.99 and 65.00 touch.
    """
    decimals = band_set.decimals
    step = quantum(decimals)

    def shown(bound: Decimal) -> str:
        return _shown(bound, decimals)

    problems: list[tuple[int, str]] = []
    labelled: dict[str, int] = {}
    for index, band in enumerate(band_set.bands):
        if band.label in labelled:
            # A result names its band by label: two bands with one label are indistinguishable.
            earlier = labelled[band.label]
            problems.append(
                (
                    index,
                    f"band label {band.label!r} is also the label of bands[{earlier}] "
                    f"({band_set.bands[earlier].name!r}): give each band its own label",
                )
            )
        else:
            labelled[band.label] = index
        if band.min > band.max:
            problems.append(
                (
                    index,
                    f"band {band.label!r} has min {shown(band.min)} above max {shown(band.max)}",
                )
            )
        for bound in (band.min, band.max):
            if not _at_resolution(bound, decimals):
                problems.append(
                    (
                        index,
                        f"band {band.label!r} bound {plain(bound)} has more than {decimals} "
                        "decimals, the band set's resolution",
                    )
                )
    bands = list(enumerate(band_set.bands))
    for (_, low), (index, high) in itertools.combinations(bands, 2):
        if low.min <= high.max and high.min <= low.max:
            first, second = sorted((low, high), key=lambda b: (b.min, b.max))
            problems.append(
                (
                    index,
                    f"bands {first.label!r} ({shown(first.min)}-{shown(first.max)}) and "
                    f"{second.label!r} ({shown(second.min)}-{shown(second.max)}) overlap",
                )
            )
    # A gap is a stretch that no band covers between the lowest and the highest bound.
    ordered = sorted(bands, key=lambda item: (item[1].min, item[1].max))
    covered_to = ordered[0][1].max
    below = ordered[0][1]
    for index, band in ordered[1:]:
        if _EXACT_SUM.subtract(band.min, covered_to) > step:
            problems.append(
                (
                    index,
                    f"gap between bands {below.label!r} (max {shown(covered_to)}) and "
                    f"{band.label!r} (min {shown(band.min)}): values from "
                    f"{shown(_EXACT_SUM.add(covered_to, step))} to "
                    f"{shown(_EXACT_SUM.subtract(band.min, step))} fall in no band",
                )
            )
        if band.max > covered_to:
            covered_to, below = band.max, band
    return problems


def classify(band_set: BandSet, rounded: Decimal) -> Band | None:
    """The band whose inclusive bounds hold ``rounded``, or None when none does."""
    for band in band_set.bands:
        if band.min <= rounded <= band.max:
            return band
    return None
