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
    bands = list(enumerate(band_set.bands))
    for (_, low), (index, high) in itertools.combinations(bands, 2):
        if low.min <= high.max and high.min <= low.max:
            first, second = sorted((low, high), key=lambda b: (b.min, b.max))
            problems.append(
                (
                    index,
                    f"bands {first.label!r} ({first.min}-{first.max}) and {second.label!r} "
                    f"({second.min}-{second.max}) overlap",
                )
            )
    # A gap is a stretch that no band covers between the lowest and the highest bound.
    ordered = sorted(bands, key=lambda item: (item[1].min, item[1].max))
    covered_to = ordered[0][1].max
    below = ordered[0][1]
    for index, band in ordered[1:]:
        if band.min - covered_to > step:
            problems.append(
                (
                    index,
                    f"gap between bands {below.label!r} (max {covered_to}) and {band.label!r} "
                    f"(min {band.min}): values from {covered_to + step} to {band.min - step} "
                    "fall in no band",
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
