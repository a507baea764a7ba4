"""The process-wide unit registry, built lazily from the bundled ``units.txt``.

pint is imported only when a unit is first checked (at load), never on the per-value path.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from importlib import resources
from typing import Any

from ._errors import did_you_mean

_lock = threading.Lock()

# Dimensions whose values count things: they can never be negative in input data.
COUNT_DIMENSIONS = frozenset(
    {
        "[person]",
        "[institution]",
        "[item]",
        "[recommendation]",
        "[document]",
        "[household]",
        "[region]",
        "[work_unit]",
        "[activity]",
    }
)


_built: dict[str, Any] = {}


def registry() -> Any:
    """Return the one pint ``UnitRegistry`` of this process (built on first use)."""
    found = _built.get("registry")
    if found is not None:
        return found
    # Checked again under the lock: threads that arrive together build it once.
    with _lock:
        if "registry" not in _built:
            import pint

            reg: Any = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=False)
            text = resources.files("kinerja").joinpath("units.txt").read_text(encoding="utf-8")
            reg.load_definitions(text.splitlines())
            _built["registry"] = reg
        return _built["registry"]


@cache
def known_units() -> tuple[str, ...]:
    """Every unit name and alias the registry knows."""
    text = resources.files("kinerja").joinpath("units.txt").read_text(encoding="utf-8")
    names: list[str] = []
    for raw_line in text.splitlines():
        definition = raw_line.split("#", 1)[0].strip()
        names.extend(
            part
            for part in (p.strip() for p in definition.split("="))
            if part and not part.startswith("[") and part.isidentifier()
        )
    return tuple(names)


@cache
def unit_problem(unit: str) -> str | None:
    """Return why ``unit`` is not a usable unit, or None when it is.

    A unit is a name from units.txt or an expression of them (``IDR / person``).
    """
    if unit in known_units():
        return None
    if not unit.strip():
        return "the unit is empty; write one, e.g. percent, person, point or IDR"
    symbol = _SYMBOLS.get(unit.strip().lower())
    if symbol is not None:
        return f"unknown unit {unit!r}; write {symbol!r}"
    if any(name in known_units() for name in _UNIT_NAME.findall(unit)) and _UNIT_EXPR.match(unit):
        try:
            registry().parse_units(unit)
        except Exception:  # pint raises several kinds; any means "not a unit"
            pass
        else:
            return None
    hint = did_you_mean(unit, known_units())
    return f"unknown unit {unit!r}" + (f"; {hint}" if hint else "")


# Symbols and words planners write where a unit name belongs, and the name to write.
_SYMBOLS = {
    "%": "percent",
    "persen (%)": "percent",
    "rp.": "IDR",
    "rupiah (rp)": "IDR",
    "indeks": "point",
    "index": "point",
}

_UNIT_NAME = re.compile(r"[A-Za-z_]+")
_UNIT_EXPR = re.compile(r"^[A-Za-z_ ]+(\s*[*/]\s*[A-Za-z_ ]+|\s*\*\*\s*-?\d)*$")


@cache
def dimensionality(unit: str) -> str:
    """Dimensionality of a known unit as text, e.g. ``[person]`` or ``dimensionless``."""
    return str(registry().Unit(unit).dimensionality)


def is_count(unit: str) -> bool:
    """True when ``unit`` counts things (persons, institutions, ...)."""
    return dimensionality(unit) in COUNT_DIMENSIONS


def is_additive(unit: str) -> bool:
    """True when summing values of ``unit`` across groups is meaningful (counts, money)."""
    return is_count(unit) or dimensionality(unit) == "[currency_IDR]"
