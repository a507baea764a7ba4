"""The long format: which column holds what. Light: no dataframe library is imported here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

RESULT_COLUMNS: tuple[str, ...] = (
    "indicator",
    "value",
    "target",
    "target_min",
    "target_max",
    "achievement",
    "status",
    "band",
    "band_name",
    "settled",
)
"""The columns of a result frame after ``year`` and the ``by`` columns, in order."""


@dataclass(frozen=True)
class LongSchema:
    """Column names of the long format (one row per reported number).

    ========== ============================================================================
    column     holds
    ========== ============================================================================
    year       the year (whole number); each year is evaluated with the definitions in force
    org units  any columns naming where the number comes from (``provinsi``, ``kabkota``,
               ...); pass the ones to group by as ``by=``; the others are summed over
    group      the group (kluster, jenis layanan) of a disaggregated indicator; optional,
               null or absent for indicators without groups
    indicator  the indicator id (``spm.kabkota``); rows of ids the catalog does not define
               are ignored, so one table can feed several catalogs
    input      the input name, as declared under ``[inputs]``
    value      the number (integer, float or decimal); null values are skipped, as SQL
               ``SUM`` does; NaN and infinities are refused
    series     for inputs declared with ``over = "bulan"``: a column named after the
               dimension (``bulan``) holds the position (1, 2, ... or any label); null on the
               rows of other inputs
    ========== ============================================================================

    Rows are facts that add up: every input is summed over the rows of an output row
    (its year and ``by`` values), per group and per series position.

    Args:
        series: The column of each series dimension when it is not named like the
            dimension, e.g. ``{"bulan": "month"}``.
    """

    year: str = "year"
    group: str = "group"
    indicator: str = "indicator"
    input: str = "input"
    value: str = "value"
    series: Mapping[str, str] = field(default_factory=dict)

    def dimension(self, name: str) -> str:
        """The column holding positions along the series dimension ``name``."""
        return self.series.get(name, name)


DEFAULT_SCHEMA = LongSchema()
