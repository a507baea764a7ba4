"""Achievement (capaian) by polarity, and its status."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum

from ._model import Polarity, RangeTarget, Target
from ._numbers import EXACT, round_half_up

_HUNDRED = Decimal(100)
_TWO = Decimal(2)


class Status(StrEnum):
    """Where a value stands against its target."""

    ABOVE = "above"
    MET = "met"
    BELOW = "below"
    NOT_AVAILABLE = "n/a"


def achievement(value: Decimal, target: Target, polarity: Polarity) -> Decimal | None:
    """Capaian in percent, unrounded, from the unrounded value; None when undefined.

    * ``higher_is_better``: R / T x 100;
    * ``lower_is_better``: (2 - R / T) x 100 (PermenPANRB 8/2021);
    * a range target: 100 inside it, R / min x 100 below it, (2 - R / max) x 100 above it.

    A target (or the range bound a value is compared with) that is not positive has no
    achievement: the regulation's formulas assume a positive target, and with a negative
    one a better value would score lower (see :func:`no_achievement`).

    Example:
        >>> round_half_up(achievement(Decimal("91.31"), Decimal(90), "higher_is_better"), 4)
        Decimal('101.4556')
    """
    if isinstance(target, RangeTarget):
        if target.min <= value <= target.max:
            return _HUNDRED
        if value < target.min:
            if target.min <= 0:
                return None
            return EXACT.multiply(EXACT.divide(value, target.min), _HUNDRED)
        if target.max <= 0:
            return None
        return EXACT.multiply(EXACT.subtract(_TWO, EXACT.divide(value, target.max)), _HUNDRED)
    if target <= 0:
        return None
    return _AGAINST_TARGET[polarity](value, target)


def no_achievement(value: Decimal, target: Target, year: int) -> str:
    """Why :func:`achievement` gave None for ``value``: the note a result carries.

    Example:
        >>> no_achievement(Decimal(5), Decimal(0), 2023)
        'the target for 2023 is 0, so there is no achievement'
    """
    if isinstance(target, RangeTarget):
        side, bound = ("lower", target.min) if value < target.min else ("upper", target.max)
        where = "below" if side == "lower" else "above"
        return (
            f"the value is {where} the {year} target range and its {side} bound is {bound}, "
            "so there is no achievement (capaian needs a positive bound)"
        )
    if not target:
        return f"the target for {year} is 0, so there is no achievement"
    return (
        f"the target for {year} is {target}, so there is no achievement "
        "(capaian needs a positive target: with a negative one a better value scores lower)"
    )


def _higher_is_better(value: Decimal, target: Decimal) -> Decimal:
    return EXACT.multiply(EXACT.divide(value, target), _HUNDRED)


def _lower_is_better(value: Decimal, target: Decimal) -> Decimal:
    return EXACT.multiply(EXACT.subtract(_TWO, EXACT.divide(value, target)), _HUNDRED)


# Achievement against one non-zero target number, by polarity (unrounded).
_AGAINST_TARGET: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "higher_is_better": _higher_is_better,
    "lower_is_better": _lower_is_better,
}


def against_target(polarity: Polarity) -> Callable[[Decimal, Decimal], Decimal]:
    """What :func:`achievement` computes for a non-zero target number (not a range), as
    one function of (value, target): for callers that already know the target's kind."""
    return _AGAINST_TARGET[polarity]


def status(rounded_achievement: Decimal | None) -> Status:
    """Status from the achievement as published (rounded to 2 decimals)."""
    if rounded_achievement is None:
        return Status.NOT_AVAILABLE
    if rounded_achievement > _HUNDRED:
        return Status.ABOVE
    if rounded_achievement == _HUNDRED:
        return Status.MET
    return Status.BELOW


def published_achievement(value: Decimal, target: Target, polarity: Polarity) -> Decimal | None:
    """Achievement rounded half-up to 2 decimals, as a report prints it."""
    exact = achievement(value, target, polarity)
    return None if exact is None else round_half_up(exact, 2)
