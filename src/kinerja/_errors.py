"""The error tree: every failure a user can cause is a :class:`KinerjaError`.

::

    KinerjaError
    ├── FormulaError        a formula is refused (syntax, allow-list, limits, names)
    │   └── UnitError       a formula's units do not add up, or disagree with the declared unit
    ├── DefinitionError     one or more definition files are invalid (carries every problem)
    ├── DataError           input data is unusable (carries every problem)
    ├── EvaluationError     a formula has no value for the inputs given (missing, zero denominator)
    └── OutputError         an output cannot be written there (it is an input, or unwritable)

No pydantic, simpleeval, pint or TOML exception leaves the library unwrapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches
from typing import Any


class KinerjaError(Exception):
    """Root of every error kinerja raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition or data file, located as precisely as known.

    Attributes:
        message: What is wrong, in a sentence.
        file: The file, when the problem comes from one.
        line: The line in that file, where it is known.
        indicator: The indicator or band-set id.
        key: The key path inside the file, dotted (``formula.numerator``).
        suggestion: What to do about it, when there is a likely fix.
    """

    message: str
    file: str | None = None
    line: int | None = None
    indicator: str | None = None
    key: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.indicator, self.key) if p]
        text = ": ".join([*parts, self.message])
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


class FormulaError(KinerjaError):
    """A formula was refused before anything ran.

    Attributes:
        expression: The formula text.
        reason: What is wrong.
        column: Zero-based column of the offending part, when known.
        suggestion: A likely fix (a did-you-mean), when there is one.
    """

    def __init__(
        self,
        reason: str,
        *,
        expression: str = "",
        column: int | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.reason = reason
        self.expression = expression
        self.column = column
        self.suggestion = suggestion
        text = reason
        if expression:
            shown = expression if len(expression) <= 120 else expression[:117] + "..."
            text += f" in formula {shown!r}"
            if column is not None:
                text += f" at column {column + 1}"
        if suggestion:
            text += f" ({suggestion})"
        super().__init__(text)


class UnitError(FormulaError):
    """A formula mixes incompatible units, or its result disagrees with the declared unit."""


class EvaluationError(KinerjaError):
    """A formula has no value for the given inputs (missing input, zero denominator, ...).

    Attributes:
        reason: Why there is no value.
        formula: The formula text.
    """

    def __init__(self, reason: str, *, formula: str = "") -> None:
        self.reason = reason
        self.formula = formula
        super().__init__(f"{reason} (formula {formula!r})" if formula else reason)


class OutputError(KinerjaError):
    """An output cannot be written where it was asked for (it is an input, or unwritable)."""


class _ProblemListError(KinerjaError):
    """Shared shape of errors that carry every problem found in one run."""

    noun = "problem"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} {self.noun}{'s' if count != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class DefinitionError(_ProblemListError):
    """One or more definition files are invalid; ``problems`` lists every one found."""

    noun = "definition problem"


class DataError(_ProblemListError):
    """Input data cannot be used; ``problems`` lists every one found.

    ``partial`` holds the data that could be read, when the problems came from reading.
    """

    partial: Any = None

    noun = "data problem"


def did_you_mean(word: str, candidates: Sequence[str] | Iterable[str]) -> str | None:
    """Return a ``did you mean 'x'?`` hint for a misspelt name, or None.

    When two candidates are equally close (``persn``: ``person`` and ``persen``), both are
    offered, so that the hint never picks one of them at random.

    Example:
        >>> did_you_mean("polarty", ["polarity", "name"])
        "did you mean 'polarity'?"
        >>> did_you_mean("persn", ["person", "persen", "point"])
        "did you mean 'person' or 'persen'?"
    """
    pool = list(dict.fromkeys(candidates))
    matches = get_close_matches(word, pool, n=3, cutoff=0.6)
    if not matches:
        # A shortened name ('higher' for 'higher_is_better') is too far for difflib.
        starts = [c for c in pool if len(word) >= 3 and c.startswith(word)]
        return f"did you mean {starts[0]!r}?" if len(starts) == 1 else None
    scores = [SequenceMatcher(None, match, word).ratio() for match in matches]
    best = [m for m, score in zip(matches, scores, strict=True) if score == scores[0]][:2]
    return "did you mean " + " or ".join(repr(m) for m in best) + "?"
