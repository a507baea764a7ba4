"""Band sets: gap and overlap checks at their resolution, and classification."""

from __future__ import annotations

import itertools
from decimal import Decimal

from ._model import Band, BandSet
from ._numbers import quantum


def band_problems(band_set: BandSet) -> list[tuple[int, str]]:
    """Every gap, overlap or inverted band in ``band_set``, with the index of the band.

    Bounds are inclusive; at a resolution of 2 decimals, 64.99 and 65.00 touch.
    """
    step = quantum(band_set.decimals)
    problems: list[tuple[int, str]] = []
    for index, band in enumerate(band_set.bands):
        if band.min > band.max:
            problems.append((index, f"band {band.label!r} has min {band.min} above max {band.max}"))
        for bound in (band.min, band.max):
            if bound != bound.quantize(step):
                problems.append(
                    (
                        index,
                        f"band {band.label!r} bound {bound} has more than {band_set.decimals} "
                        "decimals, the band set's resolution",
                    )
                )
    ordered = sorted(enumerate(band_set.bands), key=lambda item: (item[1].min, item[1].max))
    for (_, low), (index, high) in itertools.pairwise(ordered):
        if high.min <= low.max:
            problems.append(
                (
                    index,
                    f"bands {low.label!r} ({low.min}-{low.max}) and {high.label!r} "
                    f"({high.min}-{high.max}) overlap",
                )
            )
        elif high.min - low.max > step:
            problems.append(
                (
                    index,
                    f"gap between bands {low.label!r} (max {low.max}) and {high.label!r} "
                    f"(min {high.min}): values from {low.max + step} to {high.min - step} "
                    "fall in no band",
                )
            )
    return problems


def classify(band_set: BandSet, rounded: Decimal) -> Band | None:
    """The band whose inclusive bounds hold ``rounded``, or None when none does."""
    for band in band_set.bands:
        if band.min <= rounded <= band.max:
            return band
    return None
