"""Definitions are frozen data: what a planner writes in TOML, validated, nothing more.

Engines, compiled formulas and caches live in :mod:`kinerja._catalog`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IdText = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9][A-Za-z0-9_\-]*)*$",
        max_length=120,
        description="Dotted identifier, e.g. 'rehsos.kemampuan'.",
    ),
]
Year = Annotated[int, Field(ge=1900, le=2200)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class InputSpec(_Frozen):
    """One input of an indicator: a measured value, or another indicator's value."""

    unit: str | None = Field(
        None, description="Unit of the value (person, institution, point, IDR, percent, ...)."
    )
    label: str | None = Field(None, description="What the value is, in the report's words.")
    over: str | None = Field(
        None,
        description="Makes the input a series over this dimension (e.g. 'bulan'): a list in the data.",
    )
    indicator: IdText | None = Field(
        None,
        description="Take the value of this indicator, as published (rounded to its decimals).",
    )

    @model_validator(mode="after")
    def _unit_or_indicator(self) -> InputSpec:
        if self.indicator is None and self.unit is None:
            raise ValueError('give either unit = "..." or indicator = "..."')
        if self.indicator is not None and self.unit is not None:
            raise ValueError(
                "give unit or indicator, not both: a referenced indicator brings its own unit"
            )
        if self.indicator is not None and self.over is not None:
            raise ValueError("an input taken from an indicator cannot be a series (over)")
        return self


FormulaForm = Literal["ratio", "weights", "expr"]


class FormulaSpec(_Frozen):
    """How the value is computed: exactly one of three forms.

    * ``numerator`` / ``denominator`` / ``factor``: a ratio (``factor = 100`` for a percentage);
    * ``weights``: a weighted mean of inputs, sum(w * x) / sum(w);
    * ``expr``: any expression of the formula language.
    """

    numerator: str | None = Field(None, description="Expression for the numerator (ratio form).")
    denominator: str | None = Field(
        None, description="Expression for the denominator (ratio form)."
    )
    factor: Decimal | None = Field(
        None, description="Multiplier of the ratio (ratio form), default 1."
    )
    weights: dict[str, Decimal] | None = Field(
        None, description="Input name to weight (weighted-mean form); weights must be positive."
    )
    expr: str | None = Field(None, description="An expression (expression form).")

    @model_validator(mode="after")
    def _one_form(self) -> FormulaSpec:
        forms = [
            name
            for name, present in (
                (
                    "numerator/denominator",
                    self.numerator is not None or self.denominator is not None,
                ),
                ("weights", self.weights is not None),
                ("expr", self.expr is not None),
            )
            if present
        ]
        if not forms:
            raise ValueError("no formula: give numerator and denominator, or weights, or expr")
        if len(forms) > 1:
            raise ValueError(f"give one formula form, not {' and '.join(forms)}")
        if forms[0] == "numerator/denominator" and (
            self.numerator is None or self.denominator is None
        ):
            missing = "denominator" if self.denominator is None else "numerator"
            raise ValueError(f"a ratio needs both numerator and denominator; {missing} is missing")
        if self.factor is not None and self.numerator is None:
            raise ValueError("factor belongs to the numerator/denominator form")
        if self.factor is not None and self.factor == 0:
            raise ValueError("factor is 0, which makes every value 0; use 100 for a percentage")
        if self.weights is not None:
            if not self.weights:
                raise ValueError("weights is empty")
            bad = [k for k, w in self.weights.items() if w <= 0]
            if bad:
                raise ValueError(f"weights must be positive; not so for {', '.join(bad)}")
        return self

    @property
    def form(self) -> FormulaForm:
        """Which of the three forms this is."""
        if self.weights is not None:
            return "weights"
        if self.expr is not None:
            return "expr"
        return "ratio"


class RangeTarget(_Frozen):
    """A target range: inside it achievement is 100."""

    min: Decimal
    max: Decimal

    @model_validator(mode="after")
    def _ordered(self) -> RangeTarget:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


Target = Decimal | RangeTarget


class Sampling(_Frozen):
    """The value comes from a sample of a population (simple random sample assumed)."""

    sample: str = Field(description="Input holding the sample size (usually the denominator).")
    population: str = Field(description="Input holding the population size.")
    note: str | None = Field(None, description="The report's note on the sampling.")


class Disaggregation(_Frozen):
    """The value is broken down by groups (kluster); the total is a ratio of sums."""

    dimension: str = Field(description="Name of the breakdown, e.g. 'kluster'.")
    groups: dict[str, str] | None = Field(
        None, description="Allowed group ids and their labels; data may only use these."
    )


class InForce(_Frozen):
    """The years a definition version is in force (inclusive; open ends allowed)."""

    first: Year | None = Field(None, alias="from")
    last: Year | None = Field(None, alias="until")

    @model_validator(mode="after")
    def _ordered(self) -> InForce:
        if self.first is not None and self.last is not None and self.first > self.last:
            raise ValueError(f"from ({self.first}) is after until ({self.last})")
        return self

    def covers(self, year: int) -> bool:
        """True when ``year`` is inside this span."""
        return (self.first is None or year >= self.first) and (
            self.last is None or year <= self.last
        )

    def overlaps(self, other: InForce) -> bool:
        """True when the two spans share a year."""
        lo = max(self.first or 0, other.first or 0)
        hi = min(self.last or 9999, other.last or 9999)
        return lo <= hi

    def describe(self, language: Literal["en", "id"] = "en") -> str:
        """The span in words, for messages (``en``) and Indonesian explanations (``id``).

        Example:
            >>> InForce.model_validate({"from": 2023}).describe()
            'from 2023'
            >>> InForce.model_validate({"from": 2020, "until": 2022}).describe("id")
            '2020-2022'
        """
        words = _SPAN_WORDS[language]
        first, last = self.first, self.last
        if first is None and last is None:
            return words["always"]
        if first is None:
            return words["until"].format(last)
        if last is None:
            return words["from"].format(first)
        return words["one"].format(first) if first == last else words["range"].format(first, last)

    def __str__(self) -> str:
        return f"{self.first or '...'}-{self.last or '...'}"


# The words of InForce.describe, per language.
_SPAN_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "always": "every year",
        "until": "until {}",
        "from": "from {}",
        "one": "in {}",
        "range": "{} to {}",
    },
    "id": {
        "always": "setiap tahun",
        "until": "sampai {}",
        "from": "mulai {}",
        "one": "{}",
        "range": "{}-{}",
    },
}


ALWAYS = InForce.model_validate({})
"""The span of a definition without ``in_force``: every year."""

Polarity = Literal["higher_is_better", "lower_is_better"]


class Indicator(_Frozen):
    """One indicator definition (one TOML file)."""

    kind: Literal["indicator"] = "indicator"
    id: IdText
    name: str = Field(min_length=1)
    description: str | None = None
    goal: str | None = Field(None, description="The sasaran (goal) this indicator measures.")
    unit: str = Field(description="Unit of the value.")
    polarity: Polarity = "higher_is_better"
    decimals: int = Field(2, ge=0, le=10, description="Published precision of the value.")
    formula: FormulaSpec
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    sampling: Sampling | None = None
    disaggregation: Disaggregation | None = None
    targets: dict[Year, Target] = Field(default_factory=dict)
    bands: IdText | None = Field(None, description="Id of a band set classifying the value.")
    in_force: InForce = Field(default_factory=lambda: ALWAYS)
    order: int | None = Field(
        None, ge=0, description="Position in the Perjanjian Kinerja (reports sort by it)."
    )
    tags: tuple[str, ...] = Field(
        (), description="Free labels, e.g. 'iku' for the key indicators, 'pn3' for an output."
    )
    carry_forward: int = Field(
        0,
        ge=0,
        le=10,
        description="When the year's value is missing, use the last value from up to this "
        "many years before, flagged (0: never).",
    )

    @field_validator("targets", mode="before")
    @classmethod
    def _year_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            for key in value:
                if not (isinstance(key, int) or (isinstance(key, str) and key.isdigit())):
                    raise ValueError(f"target keys are years like 2023, not {key!r}")
        return value


class Goal(_Frozen):
    """A sasaran (program goal) that indicators name with ``goal = "..."``."""

    kind: Literal["goal"]
    id: IdText
    name: str = Field(min_length=1)
    group: str | None = Field(None, description="E.g. 'utama' or 'pendukung'.")
    order: int | None = Field(None, ge=0, description="Position in the Perjanjian Kinerja.")
    in_force: InForce = Field(default_factory=lambda: ALWAYS)


class Band(_Frozen):
    """One band: inclusive bounds, as printed in regulations."""

    label: str = Field(min_length=1)
    name: str = Field(min_length=1)
    min: Decimal
    max: Decimal


class BandSet(_Frozen):
    """Category bands (e.g. the IKM categories A-D), checked for gaps and overlaps."""

    kind: Literal["bands"]
    id: IdText
    name: str = Field(min_length=1)
    decimals: int = Field(2, ge=0, le=10, description="Resolution at which bounds touch.")
    bands: tuple[Band, ...] = Field(min_length=1)
