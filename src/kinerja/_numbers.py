"""Exact numbers: Decimals built from text, one evaluation context, half-up rounding."""

from __future__ import annotations

import decimal
import numbers
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Final

# Intermediate results keep 60 significant digits; division is the only inexact step and
# 60 digits leave no room for a spurious tie at any published precision.
EXACT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

# Inputs of at most 45 digits keep every ratio's rounding to <= 10 decimals exact at 60
# significant digits: the distance of num/den * 10**k from a tie is at least 1/(2 den),
# which 60 digits resolve while num has fewer than about 48 digits.
MAX_INPUT_DIGITS: Final = 45

_QUANTUM: Final = tuple(Decimal(1).scaleb(-d) for d in range(0, 11))
# _quantize keeps the exact context while adjusted() + decimals + 2 <= its precision.
_FITS: Final = EXACT.prec - 2


def is_whole_number(value: Any) -> bool:
    """An int, or another integral type such as NumPy's, and not a bool: what a year is."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def quantum(decimals: int) -> Decimal:
    """``10 ** -decimals`` as a Decimal (``Decimal('0.01')`` for 2)."""
    if 0 <= decimals < len(_QUANTUM):
        return _QUANTUM[decimals]
    return Decimal(1).scaleb(-decimals)


def _quantize(value: Decimal, decimals: int, rounding: str) -> Decimal:
    # Enough digits for the whole rounded result, however large the value.
    digits = max(EXACT.prec, value.adjusted() + decimals + 2)
    context = EXACT if digits == EXACT.prec else EXACT.copy()
    context.prec = digits
    return value.quantize(quantum(decimals), rounding=rounding, context=context)


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """Round half away from zero to ``decimals`` places, exactly.

    Example:
        >>> round_half_up(Decimal("2.675"), 2)
        Decimal('2.68')
        >>> round_half_up(Decimal("-0.125"), 2)
        Decimal('-0.13')
        >>> round_half_up(Decimal("-0.001"), 2)  # no negative zero is published
        Decimal('0.00')
    """
    # The common case without _quantize's bookkeeping: a published precision, and a value
    # whose rounded form fits the exact context (what _quantize would pick too).
    if 0 <= decimals < len(_QUANTUM) and value.adjusted() <= _FITS - decimals:
        rounded = value.quantize(_QUANTUM[decimals], ROUND_HALF_UP, EXACT)
    else:
        rounded = _quantize(value, decimals, ROUND_HALF_UP)
    return rounded if rounded else rounded.copy_abs()


def too_many_digits(value: Decimal, decimals: int) -> str | None:
    """Why ``value`` cannot be published at ``decimals``, or None when it can.

    Arithmetic keeps 60 significant digits. A value that uses all 60 may have been rounded
    at the 60th; if its published form needs digits below that one (a huge value, or
    many decimals), they would be digits kinerja never computed. A shorter value (such as
    ``1.5E+80``, an exact product) is published.

    Example:
        >>> too_many_digits(Decimal("3" * 60 + "E+60"), 2)  # 1/3 * 1e120, as computed
        'the value needs more than 60 significant digits at 2 decimals (it is about 3E+119)'
        >>> too_many_digits(Decimal("1.5E+80"), 2) is None
        True
    """
    if value.adjusted() + decimals + 1 <= EXACT.prec:  # (the common case, cheaply)
        return None
    digits, exponent = value.as_tuple()[1:]
    if len(digits) < EXACT.prec or not isinstance(exponent, int) or exponent <= -decimals:
        return None
    return (
        f"the value needs more than {EXACT.prec} significant digits at {decimals} decimals "
        f"(it is about {value:.0E})"
    )


def round_half_down(value: Decimal, decimals: int) -> Decimal:
    """Round half toward zero: the upper end of a half-open rounding interval.

    A published 80.09 stands for [80.085, 80.095): the value 80.095 itself would print as
    80.10, so the top of an interval built from that rounding must not reach it.
    """
    return _quantize(value, decimals, ROUND_HALF_DOWN)


def round_down(value: Decimal, decimals: int) -> Decimal:
    """Round toward minus infinity (for the lower end of an interval)."""
    return _quantize(value, decimals, ROUND_FLOOR)


def round_up(value: Decimal, decimals: int) -> Decimal:
    """Round toward plus infinity (for the upper end of an interval)."""
    return _quantize(value, decimals, ROUND_CEILING)


def to_decimal(value: Any) -> Decimal:
    """Turn an input value into an exact Decimal, from its text where it has one.

    ints are exact; strings are parsed (a dot decimal, ``"88.04"``); floats go through
    their shortest ``repr`` (``0.1`` becomes ``Decimal('0.1')``, not the binary
    expansion). Raises ValueError for booleans, NaN, infinities and anything else.
    """
    if type(value) is Decimal:
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        # Decimal() alone would also take "1_000" and non-ASCII digits such as "١٢".
        if not _NUMBER_TEXT.fullmatch(value.strip()):
            raise ValueError(f"expected a number, got the text {value!r}")
        result = Decimal(value.strip())
    elif isinstance(value, Decimal):
        result = value
    else:
        raise ValueError(f"expected a number, got {type(value).__name__} {value!r}")
    if not result.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    if written_out_digits(result) > MAX_INPUT_DIGITS:
        raise ValueError(
            f"{value!r} has more than {MAX_INPUT_DIGITS} digits when written out in full; "
            f"kinerja rounds exactly only for inputs of at most {MAX_INPUT_DIGITS} digits"
        )
    return result


# The element types of a series that exact_series (and the kernels) read in bulk.
ONLY_INT: Final = frozenset([int])
ONLY_DECIMAL: Final = frozenset([Decimal])
INT_LIMIT: Final = 10**MAX_INPUT_DIGITS  # ints of more digits are refused by to_decimal


def exact_series(
    values: list[Any] | tuple[Any, ...], *, keep_ints: bool = False
) -> tuple[Decimal | int, ...] | None:
    """A series of all ints or all Decimals as ``to_decimal`` reads it, checked in C loops;
    None when a value is of another type or fails a check (read it value by value: that
    decides, and words the refusal). With ``keep_ints``, ints that pass stay ints (for
    arithmetic that converts them exactly itself, such as the exact context's methods).

    Example:
        >>> exact_series([2050, 2060])
        (Decimal('2050'), Decimal('2060'))
        >>> exact_series([2050, 2060], keep_ints=True)
        (2050, 2060)
        >>> exact_series([2050, "2060"]) is None
        True
    """
    kinds = set(map(type, values))
    if kinds == ONLY_INT:
        if min(values) > -INT_LIMIT and max(values) < INT_LIMIT:
            return tuple(values) if keep_ints else tuple(map(Decimal, values))
    elif (
        kinds == ONLY_DECIMAL
        and all(map(Decimal.is_finite, values))
        # At most MAX_INPUT_DIGITS digits written out, a sufficient test (else the
        # value-by-value reading counts them): a plain-notation text has at least as
        # many characters as digits, and -7 < adjusted() < the limit rules out the
        # notations where it has fewer.
        and min(map(Decimal.adjusted, values)) > -7
        and max(map(Decimal.adjusted, values)) < MAX_INPUT_DIGITS
        and max(map(len, map(str, values))) <= MAX_INPUT_DIGITS
    ):
        return tuple(values)
    return None


# A plain decimal number in ASCII, with an optional exponent: what to_decimal reads in text.
_NUMBER_TEXT: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def written_out_digits(value: Decimal) -> int:
    # Digits of the plain form: 1E+30 has 31, 1E-30 has 31; bounds the size of the
    # exponent as well as the mantissa, so 1e300000 cannot blow up an output.
    text = str(value)
    if "E" not in text:
        # Already the plain form (exponent <= 0, and not very small): count its digits,
        # which is what the tuple arithmetic below gives, without building the tuple.
        return len(text) - ("." in text) - (text[0] == "-")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite values only reach here
    return max(len(digits) + exponent, 1) + max(-exponent, 0)


def plain(value: Decimal) -> str:
    """Decimal as plain text with a dot, never in exponent notation."""
    return format(value, "f")
