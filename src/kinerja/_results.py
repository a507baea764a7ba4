"""Results of evaluating a catalog: frozen, exact, serialisable to JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, make_dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from ._achievement import Status
from ._errors import did_you_mean
from ._model import RangeTarget, Target
from ._numbers import EXACT, plain, quantum, round_down, round_half_up, round_up
from ._sampling import wilson_fpc


@dataclass(frozen=True, slots=True)
class Note:
    """Something a reader of a result should know (carry-forward, sampling, a warning)."""

    text: str
    level: Literal["info", "warning"] = "info"

    def __str__(self) -> str:
        return self.text if self.level == "info" else f"warning: {self.text}"


@dataclass(frozen=True)
class SamplingResult:
    """Sample, population, sampling fraction and a 95% confidence interval of the value.

    ``ci95`` is exact, in the indicator's unit, and computed on first access (a Wilson
    interval costs more than the value itself); :meth:`to_dict` rounds it outward to the
    indicator's decimals. It is None when it cannot be computed, and ``note`` says why.
    """

    sample: Decimal
    population: Decimal
    fraction: Decimal | None
    decimals: int
    proportion: Decimal | None = None
    factor: Decimal = Decimal(1)
    note: str | None = None

    @cached_property
    def ci95(self) -> tuple[Decimal, Decimal] | None:
        """The 95% interval of the value (Wilson score, finite population correction)."""
        if self.proportion is None:
            return None
        n = self.sample
        interval = wilson_fpc(EXACT.multiply(self.proportion, n), n, self.population)
        return (
            EXACT.multiply(interval.low, self.factor),
            EXACT.multiply(interval.high, self.factor),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; numbers as strings."""
        ci = self.ci95
        return {
            "sample": plain(self.sample),
            "population": plain(self.population),
            "fraction": None if self.fraction is None else plain(round_half_up(self.fraction, 4)),
            "note": self.note,
            "ci95": None
            if ci is None
            else [
                plain(round_down(ci[0], self.decimals)),
                plain(round_up(ci[1], self.decimals)),
            ],
        }


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The value of one group (kluster) of a disaggregated indicator."""

    group: str
    label: str | None
    value: Decimal | None
    exact: Decimal | None
    sampling: SamplingResult | None = None
    note: str | None = None

    def to_dict(self, decimals: int) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {"value": None if self.value is None else plain(self.value)}
        if self.label:
            out["label"] = self.label
        if self.note:
            out["note"] = self.note
        if self.sampling is not None:
            out["sampling"] = self.sampling.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class BandResult:
    """The band a value falls in."""

    band_set: str
    label: str
    name: str


def _at_decimals(number: Decimal, decimals: int) -> str:
    # A target at the indicator's decimals (80 -> "80.00"), as the values beside it; one
    # written finer is shown as written: a given number is never rounded.
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -decimals:
        return plain(number.quantize(quantum(decimals), context=EXACT))
    return plain(number)


def _target_json(target: Target | None, decimals: int) -> Any:
    if target is None:
        return None
    if isinstance(target, RangeTarget):
        return {
            "min": _at_decimals(target.min, decimals),
            "max": _at_decimals(target.max, decimals),
        }
    return _at_decimals(target, decimals)


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator's result for one year.

    Attributes:
        value: The published value, rounded half-up to ``decimals``; None when n/a.
        exact: The unrounded value at full precision.
        achievement: Capaian in percent, from the unrounded value, rounded to 2 decimals.
        status: above / met / below the target, or n/a.
    """

    id: str
    name: str
    unit: str
    decimals: int
    year: int
    goal: str | None
    value: Decimal | None
    exact: Decimal | None
    target: Target | None
    achievement: Decimal | None
    status: Status
    groups: Mapping[str, GroupResult] = field(default_factory=dict)
    sampling: SamplingResult | None = None
    band: BandResult | None = None
    notes: tuple[Note, ...] = ()
    source: str | None = None
    origin: Literal["computed", "reported", "carried_forward"] = "computed"
    origin_year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: decimals as strings at the published precision."""
        return {
            "id": self.id,
            "name": self.name,
            "goal": self.goal,
            "value": None if self.value is None else plain(self.value),
            "unit": self.unit,
            "target": _target_json(self.target, self.decimals),
            "achievement": None if self.achievement is None else plain(self.achievement),
            "status": self.status.value,
            "groups": {g: r.to_dict(self.decimals) for g, r in self.groups.items()},
            "sampling": None if self.sampling is None else self.sampling.to_dict(),
            "band": None
            if self.band is None
            else {"label": self.band.label, "name": self.band.name},
            "notes": [str(n) for n in self.notes],
            "origin": self.origin,
            "origin_year": self.origin_year,
        }


@dataclass(frozen=True)
class Results:
    """Every indicator's result for one year, in definition order.

    Example:
        >>> results = catalog.evaluate(data, year=2023)  # doctest: +SKIP
        >>> results["demo.nka"].value  # doctest: +SKIP
        Decimal('91.31')
    """

    year: int
    results: tuple[IndicatorResult, ...]

    def __iter__(self) -> Iterator[IndicatorResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, key: str | int) -> IndicatorResult:
        """The result of indicator ``key`` (an id), or at position ``key`` (an int)."""
        if isinstance(key, int) and not isinstance(key, bool):
            return self.results[key]
        for result in self.results:
            if result.id == key:
                return result
        hint = did_you_mean(str(key), [r.id for r in self.results])
        raise KeyError(f"no result for {key!r}" + (f"; {hint}" if hint else ""))

    def __contains__(self, indicator_id: object) -> bool:
        return any(r.id == indicator_id for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``{"year": ..., "results": [...]}``."""
        return {"year": self.year, "results": [r.to_dict() for r in self.results]}

    def to_json(self, *, indent: int | None = 2) -> str:
        """Serialise to JSON text (decimal numbers as strings)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def exact_or_none(value: Any) -> Decimal | None:
    """A Decimal result, or None for n/a."""
    return value if isinstance(value, Decimal) else None


# ---------------------------------------------------------------- construction for kernels

# A frozen dataclass sets each field through object.__setattr__, which costs about 4 µs
# for IndicatorResult's 18 fields: more than the rest of a kernel's work. A plain twin with
# the same fields in the same order (and the same slots, or the same __dict__) has the same
# memory layout, so a kernel builds the twin and re-labels it, which Python allows between
# such layouts.


def _twin(cls: type) -> Any:
    return make_dataclass(
        f"_{cls.__name__}Draft",
        [(f.name, f.type) for f in fields(cls)],
        slots="__slots__" in vars(cls),
        eq=False,
        repr=False,
    )


# Build a twin, then set ``made.__class__`` to the real class.
RESULT_DRAFT = _twin(IndicatorResult)
SAMPLING_DRAFT = _twin(SamplingResult)
