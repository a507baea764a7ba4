"""Numbers and cells as text for a locale, through Babel (imported by renderers only).

Every number reaches Babel as the exact Decimal with a pattern of exactly its decimals, so
nothing is rounded here: ``88.04`` is ``88,04%`` in Indonesian and ``88.04%`` in English,
``2440968652000`` rupiah is ``Rp2.440.968.652.000``.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency, format_decimal, format_percent

from ._i18n import text
from ._model import Cell, Style

_RANGE_DASH = "–"


@lru_cache(maxsize=64)
def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def _context_for(value: Decimal, decimals: int) -> decimal.Context:
    # Babel quantizes in the current context: give it room for every digit of the value.
    digits = max(value.adjusted(), 0) + decimals + 10
    return decimal.Context(prec=max(28, digits), rounding=decimal.ROUND_HALF_UP)


class Formatter:
    """Formats cells for ``locale`` (``id`` or ``en``)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def number(self, value: Decimal, style: Style = "number", decimals: int = 0) -> str:
        """A number with exactly ``decimals`` places, in ``style``.

        Example:
            >>> Formatter("id").number(Decimal("88.04"), "percent", 2)
            '88,04%'
            >>> Formatter("en").number(Decimal("88.04"), "percent", 2)
            '88.04%'
            >>> Formatter("id").number(Decimal("2440968652000"), "money", 0)
            'Rp2.440.968.652.000'
            >>> Formatter("id").number(Decimal("1887"))
            '1.887'
        """
        pattern = _pattern(decimals)
        with decimal.localcontext(_context_for(value, decimals)):
            if style == "percent":
                return format_percent(value.scaleb(-2), format=pattern + "%", locale=self.locale)
            if style == "money":
                prefix = "¤" if self.locale == "id" else "¤ "
                return format_currency(
                    value, "IDR", format=prefix + pattern, locale=self.locale, currency_digits=False
                )
            return format_decimal(value, format=pattern, locale=self.locale)

    def status(self, value: str) -> str:
        """A status (``above``, ``met``, ``below``, ``n/a``) in words."""
        return text(self.locale, f"status_{value}")

    def cell(self, cell: Cell) -> str:
        """A cell as text: numbers formatted, n/a as ``n/a``, empty as ``""``."""
        if cell.kind == "number" and isinstance(cell.value, Decimal):
            return self.number(cell.value, cell.style, cell.decimals)
        if cell.kind == "range" and isinstance(cell.value, Decimal) and cell.high is not None:
            low = self.number(cell.value, cell.style, cell.decimals)
            high = self.number(cell.high, cell.style, cell.decimals)
            return f"{low}{_RANGE_DASH}{high}"
        if cell.kind == "status" and isinstance(cell.value, str):
            return self.status(cell.value)
        if cell.kind == "na":
            return "n/a"
        if cell.kind == "text" and isinstance(cell.value, str):
            return cell.value
        return ""
