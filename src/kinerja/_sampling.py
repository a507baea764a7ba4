"""Confidence intervals for indicators measured on a sample.

Assumption: a simple random sample of ``n`` out of a population of ``N``. The interval is
Wilson's score interval for a proportion, with the finite population correction applied
through the effective sample size ``n_eff = n (N - 1) / (N - n)``; a full census (n = N)
has no sampling error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ._numbers import EXACT

# Two-sided 95% normal quantile.
Z95 = Decimal("1.959963984540054")


@dataclass(frozen=True, slots=True)
class Interval:
    """An exact interval of a proportion (0..1)."""

    low: Decimal
    high: Decimal


def wilson_fpc(successes: Decimal, n: Decimal, population: Decimal, z: Decimal = Z95) -> Interval:
    """Wilson score interval for ``successes / n`` with finite population correction.

    Args:
        successes: Sampled units with the property (the numerator).
        n: Sample size, 0 < n <= population.
        population: Population size.
        z: Normal quantile (1.96 for 95%).

    Example:
        >>> i = wilson_fpc(Decimal(1794), Decimal(2035), Decimal(5929))
        >>> (round(float(i.low), 4), round(float(i.high), 4))
        (0.8697, 0.8925)
    """
    ctx = EXACT
    p = ctx.divide(successes, n)
    if n >= population:
        return Interval(p, p)
    n_eff = ctx.divide(ctx.multiply(n, population - 1), population - n) if population > 1 else n
    z2 = ctx.multiply(z, z)
    denominator = ctx.add(1, ctx.divide(z2, n_eff))
    centre = ctx.divide(ctx.add(p, ctx.divide(z2, ctx.multiply(2, n_eff))), denominator)
    spread = ctx.add(
        ctx.divide(ctx.multiply(p, 1 - p), n_eff),
        ctx.divide(z2, ctx.multiply(4, ctx.multiply(n_eff, n_eff))),
    )
    half = ctx.divide(ctx.multiply(z, ctx.sqrt(spread)), denominator)
    low = max(Decimal(0), ctx.subtract(centre, half))
    high = min(Decimal(1), ctx.add(centre, half))
    return Interval(low, high)
