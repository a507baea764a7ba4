"""Explain one figure: the derivation of an indicator's value for one year, step by step.

:func:`explain` evaluates the year exactly as :meth:`Catalog.evaluate` does (so every
number agrees with ``kinerja evaluate``) and then lays the computation open: the
definition version in force, the formula as written and as evaluated, each input with its
value and where it comes from, every intermediate at full precision (per group, the sums of
a ratio of sums, each weighted term, each sub-expression), the rounding, the achievement
with the numbers substituted, the band decision, sampling, and the notes. Referenced
indicators are explained in turn, nested; a carried-forward value brings the explanation
of the year it comes from.

Example:
    >>> catalog = kinerja.load("examples/demo/indicators")  # doctest: +SKIP
    >>> print(kinerja.explain(catalog, "demo.kemampuan", "examples/demo/data-2023.toml",
    ...                       year=2023).to_text())  # doctest: +SKIP
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._achievement import Status, achievement
from ._backends import EXACT as EXACT_BACKEND
from ._backends import NotAvailable
from ._bands import classify
from ._catalog import Catalog, CompiledIndicator, _as_year_data, compute, inputs_for
from ._data import YearData, load_data, load_years
from ._errors import DataError, Problem, did_you_mean
from ._formula import COMPARE_SYMBOLS, Formula
from ._model import InForce, RangeTarget, Target
from ._numbers import plain, round_half_up
from ._results import IndicatorResult, Results
from ._toml import key_lines

Value = Decimal | tuple[Decimal, ...]

# Step kinds, with the label a planner reads (Indonesian) and the English one (JSON).
STEP_LABELS: dict[str, tuple[str, str]] = {
    "subexpression": ("sub-ekspresi", "sub-expression"),
    "numerator": ("pembilang", "numerator"),
    "denominator": ("penyebut", "denominator"),
    "ratio": ("nilai", "value"),
    "numerator_total": ("jumlah pembilang", "sum of numerators"),
    "denominator_total": ("jumlah penyebut", "sum of denominators"),
    "ratio_total": ("nilai total (rasio dari jumlah)", "total (ratio of sums)"),
    "term": ("suku berbobot", "weighted term"),
    "terms_total": ("jumlah suku berbobot", "sum of weighted terms"),
    "weights_total": ("jumlah bobot", "sum of weights"),
    "weighted_mean": ("rata-rata tertimbang", "weighted mean"),
    "input_total": ("input dijumlah antar kelompok", "input summed over groups"),
    "value": ("nilai", "value"),
}

_STATUS_ID = {
    Status.ABOVE: "di atas target",
    Status.MET: "tercapai",
    Status.BELOW: "di bawah target",
    Status.NOT_AVAILABLE: "tidak tersedia",
}
_POLARITY_ID = {
    "higher_is_better": "makin tinggi makin baik",
    "lower_is_better": "makin rendah makin baik",
}
_FORM_ID = {
    "ratio": "rasio (pembilang / penyebut)",
    "weights": "rata-rata tertimbang (bobot)",
    "expr": "ekspresi",
}
_ORIGIN_ID = {
    "computed": "dihitung dari input",
    "reported": "nilai yang dilaporkan (input tidak dipublikasikan)",
    "carried_forward": "nilai tahun sebelumnya dibawa ke tahun ini (carry_forward)",
}
# Longest series shown in full inside a substituted expression.
_SHOWN_ITEMS = 6


# ---------------------------------------------------------------- the explanation


@dataclass(frozen=True, slots=True)
class InputValue:
    """One input of one group, with its value and where the value comes from."""

    name: str
    group: str | None
    value: Value | None
    unit: str | None
    label: str | None
    over: str | None = None
    indicator: str | None = None
    file: str | None = None
    line: int | None = None
    missing: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; numbers as strings."""
        return {
            "name": self.name,
            "group": self.group,
            "value": _json_value(self.value),
            "unit": self.unit,
            "label": self.label,
            "over": self.over,
            "indicator": self.indicator,
            "file": self.file,
            "line": self.line,
            "missing": self.missing,
        }


@dataclass(frozen=True, slots=True)
class Step:
    """One intermediate: what is computed, with the numbers put in, and the exact result."""

    kind: str
    expression: str
    substituted: str
    value: Value | None
    group: str | None = None
    rounded: Decimal | None = None
    reason: str | None = None

    @property
    def label(self) -> str:
        """The step's name for a planner (Indonesian)."""
        return STEP_LABELS.get(self.kind, (self.kind, self.kind))[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; numbers as strings at full precision."""
        return {
            "kind": self.kind,
            "label": STEP_LABELS.get(self.kind, (self.kind, self.kind))[1],
            "group": self.group,
            "expression": self.expression,
            "substituted": self.substituted,
            "value": _json_value(self.value),
            "rounded": None if self.rounded is None else plain(self.rounded),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Rounding:
    """The one rounding step: exact value to the published precision, half-up."""

    exact: Decimal
    decimals: int
    rounded: Decimal

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "exact": plain(self.exact),
            "decimals": self.decimals,
            "rounded": plain(self.rounded),
            "rule": "half-up",
        }


@dataclass(frozen=True, slots=True)
class AchievementStep:
    """Capaian: the formula for the polarity (or range), the numbers put in, the result."""

    target: Target
    polarity: str
    formula: str
    substituted: str
    exact: Decimal | None
    rounded: Decimal | None
    status: Status

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        target: Any
        if isinstance(self.target, RangeTarget):
            target = {"min": plain(self.target.min), "max": plain(self.target.max)}
        else:
            target = plain(self.target)
        return {
            "target": target,
            "polarity": self.polarity,
            "formula": self.formula,
            "substituted": self.substituted,
            "exact": None if self.exact is None else plain(self.exact),
            "rounded": None if self.rounded is None else plain(self.rounded),
            "status": self.status.value,
        }


@dataclass(frozen=True, slots=True)
class BandStep:
    """The band decision: the published value and the band whose bounds hold it."""

    band_set: str
    band_set_name: str
    value: Decimal
    label: str | None
    name: str | None
    min: Decimal | None
    max: Decimal | None
    bands: tuple[tuple[str, str, Decimal, Decimal], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "band_set": self.band_set,
            "band_set_name": self.band_set_name,
            "value": plain(self.value),
            "label": self.label,
            "name": self.name,
            "min": None if self.min is None else plain(self.min),
            "max": None if self.max is None else plain(self.max),
            "bands": [
                {"label": label, "name": name, "min": plain(low), "max": plain(high)}
                for label, name, low, high in self.bands
            ],
        }


@dataclass(frozen=True, slots=True)
class Reported:
    """A value taken as published, without its inputs (``[reported."id"]`` in the data)."""

    value: Decimal
    source: str | None
    file: str | None
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "value": plain(self.value),
            "source": self.source,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class Explanation:
    """The derivation of one indicator's figure for one year.

    Attributes:
        result: The indicator's result, exactly as :meth:`Catalog.evaluate` gives it.
        steps: Every intermediate, in the order it is computed.
        references: The explanations of the indicators this one takes values from.
        carried_from: For a carried-forward value, the explanation of the year it comes from.
    """

    id: str
    name: str
    year: int
    unit: str
    decimals: int
    polarity: str
    file: str
    in_force: InForce
    versions: tuple[tuple[str, str], ...]
    form: str
    written: Mapping[str, Any]
    evaluated: str
    groups_dimension: str | None
    group_labels: Mapping[str, str]
    inputs: tuple[InputValue, ...]
    steps: tuple[Step, ...]
    result: IndicatorResult
    rounding: Rounding | None
    achievement: AchievementStep | None
    band: BandStep | None
    reported: Reported | None
    references: tuple[Explanation, ...] = ()
    carried_from: Explanation | None = None
    cycles: tuple[str, ...] = ()
    data_file: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict)

    # ------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: every number a string, at full precision where exact."""
        result = self.result
        sampling = result.sampling.to_dict() if result.sampling is not None else None
        if sampling is not None and result.sampling is not None:
            sampling["proportion"] = (
                None if result.sampling.proportion is None else plain(result.sampling.proportion)
            )
        return {
            "id": self.id,
            "name": self.name,
            "year": self.year,
            "unit": self.unit,
            "decimals": self.decimals,
            "polarity": self.polarity,
            "definition": {
                "file": self.file,
                "in_force": {"from": self.in_force.first, "until": self.in_force.last},
                "in_force_text": self.in_force.describe("id"),
                "versions": [{"in_force": span, "file": file} for span, file in self.versions],
                "lines": dict(self.lines),
            },
            "formula": {
                "form": self.form,
                "written": {k: _json_any(v) for k, v in self.written.items()},
                "evaluated": self.evaluated,
                "groups": self.groups_dimension,
                "total": "ratio of sums"
                if self.groups_dimension and self.form == "ratio"
                else ("formula on inputs summed over groups" if self.groups_dimension else None),
            },
            "data_file": self.data_file,
            "origin": result.origin,
            "origin_year": result.origin_year,
            "reported": None if self.reported is None else self.reported.to_dict(),
            "inputs": [i.to_dict() for i in self.inputs],
            "steps": [s.to_dict() for s in self.steps],
            "exact": None if result.exact is None else plain(result.exact),
            "rounding": None if self.rounding is None else self.rounding.to_dict(),
            "value": None if result.value is None else plain(result.value),
            "groups": {
                g: {
                    "label": r.label,
                    "exact": None if r.exact is None else plain(r.exact),
                    "value": None if r.value is None else plain(r.value),
                }
                for g, r in result.groups.items()
            },
            "achievement": None if self.achievement is None else self.achievement.to_dict(),
            "status": result.status.value,
            "band": None if self.band is None else self.band.to_dict(),
            "sampling": sampling,
            "notes": [{"text": n.text, "level": n.level} for n in result.notes],
            "references": [r.to_dict() for r in self.references],
            "carried_from": None if self.carried_from is None else self.carried_from.to_dict(),
            "cycles": list(self.cycles),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Serialise :meth:`to_dict` to JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    # ------------------------------------------------------------ text

    def to_text(self) -> str:
        """Plain text for a planner, with Indonesian labels."""
        return "\n".join(self._text_lines())

    def _text_lines(self) -> list[str]:
        result = self.result
        out = [f"Penjelasan {self.id} ({self.year}): {self.name}"]
        out.append("")
        out.append("Definisi")
        out.append(f"  berkas: {self._where(self.file, self.lines.get('id'))}")
        out.append(f"  berlaku (in_force): {self.in_force.describe('id')}")
        if len(self.versions) > 1:
            others = [f"{span} ({file})" for span, file in self.versions if file != self.file]
            out.append(f"  versi lain: {'; '.join(others)}")
        out.append(
            f"  satuan: {self.unit}; desimal: {self.decimals}; polaritas: {self.polarity} "
            f"({_POLARITY_ID.get(self.polarity, self.polarity)})"
        )
        out.append("")
        out.append("Rumus")
        out.append(f"  bentuk: {self.form}, {_FORM_ID.get(self.form, self.form)}")
        for key, written in self.written.items():
            out.append(f"  ditulis: {key} = {_toml_text(written)}")
        out.append(f"  dihitung: {self.evaluated}")
        if self.groups_dimension:
            total = (
                "jumlah pembilang / jumlah penyebut (rasio dari jumlah), bukan rata-rata nilai kelompok"
                if self.form == "ratio"
                else "rumus yang sama pada input yang dijumlah antar kelompok"
            )
            out.append(f"  per kelompok ({self.groups_dimension}); total: {total}")
        out.append("")
        out.append("Input")
        if not self.inputs:
            out.append("  (tidak ada)")
        shown_group: object = object()
        for item in self.inputs:
            if item.group != shown_group and item.group is not None:
                out.append(f"  kelompok {self._group_name(item.group)}:")
            shown_group = item.group
            indent = "    " if item.group is not None else "  "
            out.append(indent + _input_text(item))
        out.append("")
        out.append("Asal nilai")
        out.append(f"  {self._origin_text()}")
        if self.reported is not None:
            source = f"; sumber: {self.reported.source}" if self.reported.source else ""
            where = self._where(self.reported.file, self.reported.line)
            out.append(
                f"  dilaporkan: {plain(self.reported.value)}{source}"
                + (f" [{where}]" if where else "")
            )
        out.append("")
        out.append("Langkah perhitungan")
        if not self.steps:
            out.append("  (tidak ada: nilai tidak dihitung dari input tahun ini)")
        current: object = object()
        width = max((len(s.label) for s in self.steps), default=0)
        for step in self.steps:
            if step.group != current:
                if step.group is not None:
                    out.append(f"  kelompok {self._group_name(step.group)}:")
                elif self.groups_dimension:
                    out.append(f"  total ({self.groups_dimension}):")
                current = step.group
            indent = "    " if self.groups_dimension else "  "
            out.append(indent + f"{step.label.ljust(width)}  {_step_text(step)}")
        out.append("")
        out.append("Pembulatan")
        if self.rounding is None:
            out.append("  (tidak ada nilai)")
        else:
            rounding = self.rounding
            out.append(
                f"  {plain(rounding.exact)} -> {plain(rounding.rounded)} "
                f"(dibulatkan setengah ke atas / half-up, {rounding.decimals} desimal)"
            )
        out.append("")
        out.append("Capaian")
        out.extend("  " + line for line in self._achievement_lines())
        if self.band is not None:
            out.append("")
            out.append("Kategori")
            out.extend("  " + line for line in _band_lines(self.band))
        if result.sampling is not None:
            out.append("")
            out.append("Sampel")
            out.extend("  " + line for line in _sampling_lines(result))
        if result.notes:
            out.append("")
            out.append("Catatan")
            out.extend(f"  - {note}" for note in result.notes)
        if self.cycles:
            out.append("")
            out.extend(
                f"  (rujukan melingkar ke {ident}: tidak diuraikan lagi)" for ident in self.cycles
            )
        if self.carried_from is not None:
            out.append("")
            out.append(f"Nilai {self.carried_from.year} yang dibawa (carry-forward)")
            out.extend("    " + line if line else "" for line in self.carried_from._text_lines())
        for reference in self.references:
            out.append("")
            out.append(f"Indikator rujukan: {reference.id}")
            out.extend("    " + line if line else "" for line in reference._text_lines())
        return out

    def _origin_text(self) -> str:
        result = self.result
        if result.exact is None:
            reason = next((n.text for n in result.notes if n.text.startswith("no value")), None)
            return "tidak ada nilai" + (f" ({reason})" if reason else "")
        text = _ORIGIN_ID[result.origin]
        if result.origin == "carried_forward":
            text += f": dari tahun {result.origin_year}"
        return text

    def _group_name(self, group: str) -> str:
        label = self.group_labels.get(group)
        return f"{group} ({label})" if label and label != group else group

    @staticmethod
    def _where(file: str | None, line: int | None) -> str:
        if file is None:
            return ""
        return f"{file}:{line}" if line else file

    def _achievement_lines(self) -> list[str]:
        step = self.achievement
        result = self.result
        if step is None:
            if result.target is None:
                return [f"tidak ada target untuk {self.year}"]
            return ["tidak ada nilai, jadi tidak ada capaian"]
        lines = [f"target {self.year}: {_target_text(step.target)}"]
        lines.append(f"rumus ({step.polarity}): {step.formula}")
        if step.exact is None:
            lines.append(f"= {step.substituted}: tidak terdefinisi (target 0)")
        else:
            assert step.rounded is not None
            lines.append(
                f"= {step.substituted} = {plain(step.exact)} -> {plain(step.rounded)} "
                "(2 desimal, half-up)"
            )
        lines.append(f"status: {_STATUS_ID[step.status]} ({step.status.value})")
        return lines

    # ------------------------------------------------------------ Markdown

    def to_markdown(self, *, level: int = 1) -> str:
        """Markdown: headings, and tables for inputs and steps."""
        return "\n".join(self._markdown_lines(level)).rstrip() + "\n"

    def _markdown_lines(self, level: int) -> list[str]:
        h = "#" * min(level, 6)
        sub = "#" * min(level + 1, 6)
        result = self.result
        out = [f"{h} {self.id} ({self.year}): {_md(self.name)}", ""]
        out.append(f"{sub} Definisi")
        out.append("")
        out.append(f"- berkas: `{self._where(self.file, self.lines.get('id'))}`")
        out.append(f"- berlaku (in_force): {self.in_force.describe('id')}")
        if len(self.versions) > 1:
            for span, file in self.versions:
                if file != self.file:
                    out.append(f"- versi lain: {span} (`{file}`)")
        out.append(
            f"- satuan: {self.unit}; desimal: {self.decimals}; polaritas: `{self.polarity}` "
            f"({_POLARITY_ID.get(self.polarity, self.polarity)})"
        )
        out.append("")
        out.append(f"{sub} Rumus")
        out.append("")
        out.append(f"- bentuk: `{self.form}`, {_FORM_ID.get(self.form, self.form)}")
        for key, written in self.written.items():
            out.append(f"- ditulis: `{key} = {_toml_text(written)}`")
        out.append(f"- dihitung: `{self.evaluated}`")
        if self.groups_dimension:
            total = (
                "rasio dari jumlah" if self.form == "ratio" else "rumus pada input yang dijumlah"
            )
            out.append(f"- per kelompok (`{self.groups_dimension}`); total: {total}")
        out.append("")
        out.append(f"{sub} Input")
        out.append("")
        if self.inputs:
            out.append("| Kelompok | Input | Nilai | Satuan | Keterangan | Sumber |")
            out.append("| --- | --- | ---: | --- | --- | --- |")
            for item in self.inputs:
                value = (
                    _value_text(item.value, limit=None)
                    if item.value is not None
                    else f"n/a ({item.missing})"
                )
                source = self._where(item.file, item.line)
                label = item.label or ""
                if item.indicator:
                    label = f"indikator `{item.indicator}`" + (f": {label}" if label else "")
                out.append(
                    f"| {_md(self._group_name(item.group)) if item.group else ''} "
                    f"| `{item.name}` | {_md(value)} | {_md(item.unit or '')} | {_md(label)} "
                    f"| {f'`{source}`' if source else ''} |"
                )
        else:
            out.append("(tidak ada)")
        out.append("")
        out.append(f"{sub} Asal nilai")
        out.append("")
        out.append(f"- {_md(self._origin_text())}")
        if self.reported is not None:
            source = f"; sumber: {_md(self.reported.source)}" if self.reported.source else ""
            out.append(f"- dilaporkan: {plain(self.reported.value)}{source}")
        out.append("")
        out.append(f"{sub} Langkah perhitungan")
        out.append("")
        if self.steps:
            out.append("| Kelompok | Langkah | Rumus | Dengan angka | Hasil |")
            out.append("| --- | --- | --- | --- | ---: |")
            for step in self.steps:
                group = (
                    self._group_name(step.group)
                    if step.group
                    else ("total" if self.groups_dimension else "")
                )
                value = (
                    _value_text(step.value, limit=None)
                    if step.value is not None
                    else f"n/a ({step.reason})"
                )
                if step.rounded is not None and step.rounded != step.value:
                    value += f" → {plain(step.rounded)}"
                out.append(
                    f"| {_md(group)} | {step.label} | `{step.expression}` "
                    f"| `{step.substituted}` | {_md(value)} |"
                )
        else:
            out.append("(tidak ada: nilai tidak dihitung dari input tahun ini)")
        out.append("")
        out.append(f"{sub} Pembulatan")
        out.append("")
        if self.rounding is None:
            out.append("(tidak ada nilai)")
        else:
            out.append(
                f"{plain(self.rounding.exact)} → **{plain(self.rounding.rounded)}** "
                f"(half-up, {self.rounding.decimals} desimal)"
            )
        out.append("")
        out.append(f"{sub} Capaian")
        out.append("")
        out.extend(f"- {_md(line)}" for line in self._achievement_lines())
        if self.band is not None:
            out.append("")
            out.append(f"{sub} Kategori")
            out.append("")
            out.extend(f"- {_md(line)}" for line in _band_lines(self.band))
        if result.sampling is not None:
            out.append("")
            out.append(f"{sub} Sampel")
            out.append("")
            out.extend(f"- {_md(line)}" for line in _sampling_lines(result))
        if result.notes:
            out.append("")
            out.append(f"{sub} Catatan")
            out.append("")
            out.extend(f"- {_md(str(note))}" for note in result.notes)
        for ident in self.cycles:
            out.append("")
            out.append(f"(rujukan melingkar ke `{ident}`: tidak diuraikan lagi)")
        if self.carried_from is not None:
            out.append("")
            out.append(f"{sub} Nilai {self.carried_from.year} yang dibawa (carry-forward)")
            out.append("")
            out.extend(self.carried_from._markdown_lines(level + 2))
        for reference in self.references:
            out.append("")
            out.append(f"{sub} Indikator rujukan `{reference.id}`")
            out.append("")
            out.extend(reference._markdown_lines(level + 2))
        out.append("")
        return out

    def render(self, fmt: str) -> str:
        """``text``, ``json`` or ``md``."""
        if fmt == "json":
            return self.to_json()
        if fmt == "md":
            return self.to_markdown()
        if fmt == "text":
            return self.to_text()
        raise ValueError(f"unknown format {fmt!r}: use text, json or md")


# ---------------------------------------------------------------- formatting helpers


def _json_value(value: Value | None) -> Any:
    if value is None:
        return None
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return plain(value)


def _json_any(value: Any) -> Any:
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, Mapping):
        return {str(k): _json_any(v) for k, v in value.items()}
    return value


def _value_text(value: Any, *, limit: int | None = _SHOWN_ITEMS) -> str:
    """A value as a planner reads it: plain decimals, a list in brackets, n/a."""
    if isinstance(value, NotAvailable):
        return "n/a"
    if isinstance(value, tuple):
        items = [plain(v) if isinstance(v, Decimal) else "n/a" for v in value]
        if limit is not None and len(items) > limit:
            items = [*items[: limit - 2], "...", items[-1]]
            return f"[{', '.join(items)}] ({len(value)} nilai)"
        return f"[{', '.join(items)}]"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    return "n/a" if value is None else str(value)


def _toml_text(value: Any) -> str:
    """A value of the definition as it is written in TOML."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_text(v)}" for k, v in value.items()) + " }"
    return str(value)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _target_text(target: Target) -> str:
    if isinstance(target, RangeTarget):
        return f"rentang {plain(target.min)} sampai {plain(target.max)}"
    return plain(target)


def _input_text(item: InputValue) -> str:
    value = "n/a" if item.value is None else _value_text(item.value, limit=None)
    text = f"{item.name} = {value}"
    if item.unit:
        text += f" {item.unit}"
    if item.over:
        text += f" (deret per {item.over})"
    if item.indicator:
        text += f"; nilai terbit indikator {item.indicator}"
    if item.label:
        text += f"; {item.label}"
    if item.value is None and item.missing:
        text += f" ({item.missing})"
    if item.file:
        text += f" [{item.file}:{item.line}]" if item.line else f" [{item.file}]"
    return text


def _step_text(step: Step) -> str:
    if step.value is None:
        tail = f"n/a ({step.reason})" if step.reason else "n/a"
    else:
        tail = _value_text(step.value)
        if step.rounded is not None and step.rounded != step.value:
            tail += f" -> {plain(step.rounded)}"
    if step.substituted and step.substituted != step.expression:
        if step.substituted == _value_text(step.value, limit=None):
            return f"{step.expression} = {tail}"
        return f"{step.expression} = {step.substituted} = {tail}"
    return f"{step.expression} = {tail}"


def _band_lines(band: BandStep) -> list[str]:
    lines = [f"set kategori: {band.band_set} ({band.band_set_name})"]
    if band.label is None:
        lines.append(f"{plain(band.value)} tidak masuk rentang kategori mana pun")
    else:
        assert band.min is not None and band.max is not None
        lines.append(
            f"{plain(band.value)} berada di rentang {plain(band.min)} sampai {plain(band.max)}: "
            f"kategori {band.label} ({band.name})"
        )
    for label, name, low, high in band.bands:
        lines.append(f"  {label} ({name}): {plain(low)} sampai {plain(high)}")
    return lines


def _sampling_lines(result: IndicatorResult) -> list[str]:
    sampling = result.sampling
    assert sampling is not None
    shown = sampling.to_dict()
    lines = [f"sampel n = {shown['sample']}, populasi N = {shown['population']}"]
    if sampling.fraction is not None:
        lines.append(f"fraksi sampel n / N = {plain(sampling.fraction)} (~{shown['fraction']})")
    if shown["ci95"] is not None:
        low, high = shown["ci95"]
        lines.append(
            f"selang kepercayaan 95% (Wilson, koreksi populasi terbatas): {low} sampai {high} "
            f"{result.unit}"
        )
    elif sampling.note:
        lines.append(f"tanpa selang kepercayaan: {sampling.note}")
    for group in result.groups.values():
        if group.sampling is not None:
            part = group.sampling.to_dict()
            text = f"kelompok {group.group}: n = {part['sample']}, N = {part['population']}"
            if part["ci95"] is not None:
                text += f", selang 95% {part['ci95'][0]} sampai {part['ci95'][1]}"
            lines.append(text)
    return lines


# ---------------------------------------------------------------- rendering formulas

_PRECEDENCE_BINOP = {ast.Add: 6, ast.Sub: 6, ast.Mult: 7, ast.Div: 7, ast.Pow: 9}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def _precedence(node: ast.AST) -> int:
    if isinstance(node, ast.IfExp):
        return 1
    if isinstance(node, ast.BoolOp):
        return 2 if isinstance(node.op, ast.Or) else 3
    if isinstance(node, ast.UnaryOp):
        return 4 if isinstance(node.op, ast.Not) else 8
    if isinstance(node, ast.Compare):
        return 5
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE_BINOP.get(type(node.op), 7)
    return 10


class _Renderer:
    """Writes a checked formula tree back as text: names, or their values, or the values of
    sub-expressions already computed (``shown``), with only the parentheses needed."""

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        shown: Mapping[int, Any] | None = None,
    ) -> None:
        self.values = values
        self.shown = shown or {}

    def text(self, node: ast.AST) -> str:
        return self._text(node)[0]

    def _atom(self, value: Any) -> tuple[str, int]:
        text = _value_text(value)
        return text, 8 if text.startswith("-") else 10

    def _text(self, node: ast.AST) -> tuple[str, int]:
        if id(node) in self.shown:
            return self._atom(self.shown[id(node)])
        if isinstance(node, ast.Name):
            if self.values is not None and node.id in self.values:
                return self._atom(self.values[node.id])
            return node.id, 10
        if isinstance(node, ast.Constant):
            return _value_text(node.value), 10
        if isinstance(node, ast.BinOp):
            mine = _precedence(node)
            left, left_p = self._text(node.left)
            right, right_p = self._text(node.right)
            if isinstance(node.op, ast.Pow):
                left = f"({left})" if left_p <= mine else left
                right = f"({right})" if right_p < mine else right
            elif isinstance(node.op, ast.Add | ast.Mult) and _same_op(node, node.right):
                # a + (b + c) is a + b + c: the grouping of a sum changes nothing exact.
                left = f"({left})" if left_p < mine else left
            else:
                left = f"({left})" if left_p < mine else left
                right = f"({right})" if right_p <= mine else right
            return f"{left} {_SYMBOL.get(type(node.op), '?')} {right}", mine
        if isinstance(node, ast.UnaryOp):
            mine = _precedence(node)
            inner, inner_p = self._text(node.operand)
            inner = f"({inner})" if inner_p < mine else inner
            if isinstance(node.op, ast.Not):
                return f"not {inner}", mine
            return ("-" if isinstance(node.op, ast.USub) else "+") + inner, mine
        if isinstance(node, ast.Compare):
            parts = [self._wrap(node.left, 5)]
            for op, compared in zip(node.ops, node.comparators, strict=True):
                parts.append(COMPARE_SYMBOLS.get(type(op), "?"))
                parts.append(self._wrap(compared, 5))
            return " ".join(parts), 5
        if isinstance(node, ast.BoolOp):
            mine = _precedence(node)
            word = " and " if isinstance(node.op, ast.And) else " or "
            return word.join(self._wrap(v, mine) for v in node.values), mine
        if isinstance(node, ast.IfExp):
            return (
                f"{self._wrap(node.body, 2)} if {self._wrap(node.test, 2)} "
                f"else {self._wrap(node.orelse, 1)}",
                1,
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = ", ".join(self.text(a) for a in node.args)
            return f"{node.func.id}({args})", 10
        return "?", 10

    def _wrap(self, node: ast.AST, level: int) -> str:
        text, precedence = self._text(node)
        return f"({text})" if precedence <= level and not isinstance(node, ast.Call) else text


def _same_op(node: ast.BinOp, child: ast.AST) -> bool:
    return isinstance(child, ast.BinOp) and type(child.op) is type(node.op)


def render_formula(node: ast.AST) -> str:
    """A checked formula tree as text, with exact numbers (never a Python repr)."""
    return _Renderer().text(node)


def _names(node: ast.AST) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _evaluate(node: ast.AST, values: Mapping[str, Any]) -> Any:
    """The exact value of a sub-expression of a checked tree."""
    assert isinstance(node, ast.expr)
    formula = Formula(render_formula(node), node, _names(node), None, None)
    return formula.evaluate_exact(values)


def _is_step(node: ast.AST) -> bool:
    """Sub-expressions worth a step of their own: operations, calls and choices."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return False
    return isinstance(node, ast.BinOp | ast.Call | ast.UnaryOp | ast.IfExp)


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Call):
        return list(node.args)
    return list(ast.iter_child_nodes(node))


def _tree_steps(
    root: ast.AST,
    values: Mapping[str, Any],
    group: str | None,
    root_kind: str,
    root_text: str | None = None,
) -> tuple[list[Step], Any]:
    """A step for every operation under ``root``, children first; the root's step last."""
    steps: list[Step] = []
    shown: dict[int, Any] = {}

    def visit(node: ast.AST) -> None:
        for child in _children(node):
            visit(child)
        if node is root or not _is_step(node):
            return
        value = _evaluate(node, values)
        steps.append(_step("subexpression", node, values, shown, value, group))
        shown[id(node)] = value

    visit(root)
    value = _evaluate(root, values)
    steps.append(_step(root_kind, root, values, shown, value, group, root_text))
    return steps, value


def _step(
    kind: str,
    node: ast.AST,
    values: Mapping[str, Any],
    shown: Mapping[int, Any],
    value: Any,
    group: str | None,
    expression: str | None = None,
) -> Step:
    return Step(
        kind=kind,
        expression=expression or render_formula(node),
        substituted=_Renderer(values, shown).text(node),
        value=_exact(value),
        group=group,
        reason=_reason(value),
    )


def _exact(value: Any) -> Value | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, tuple) and all(isinstance(v, Decimal) for v in value):
        return value
    return None


def _reason(value: Any) -> str | None:
    if isinstance(value, NotAvailable):
        return value.reason
    if isinstance(value, tuple):
        missing = next((v for v in value if isinstance(v, NotAvailable)), None)
        return None if missing is None else missing.reason
    return None


def _parenthesised(text: str) -> str:
    return text if text.isidentifier() or _is_number(text) else f"({text})"


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


# ---------------------------------------------------------------- the steps of each form


def _ratio_steps(
    entry: CompiledIndicator,
    per_group: list[tuple[str | None, dict[str, Any]]],
    decimals: int,
) -> list[Step]:
    assert entry.numerator is not None and entry.denominator is not None
    factor = entry.factor
    times = "" if factor == 1 else f" * {plain(factor)}"
    numerator_text = render_formula(entry.numerator.tree)
    denominator_text = render_formula(entry.denominator.tree)
    shape = f"{_parenthesised(numerator_text)} / {_parenthesised(denominator_text)}{times}"
    computation = compute(entry, per_group, EXACT_BACKEND)
    steps: list[Step] = []
    for (group, values), (ratio, num, den) in zip(per_group, computation.groups, strict=True):
        part, _ = _tree_steps(entry.numerator.tree, values, group, "numerator", numerator_text)
        steps.extend(part)
        part, _ = _tree_steps(
            entry.denominator.tree, values, group, "denominator", denominator_text
        )
        steps.extend(part)
        steps.append(
            Step(
                kind="ratio",
                expression=shape,
                substituted=f"{_value_text(num)} / {_value_text(den)}{times}",
                value=_exact(ratio),
                group=group,
                rounded=round_half_up(ratio, decimals)
                if isinstance(ratio, Decimal) and group is not None
                else None,
                reason=_reason(ratio),
            )
        )
    if len(per_group) > 1:
        nums = [row[1] for row in computation.groups]
        dens = [row[2] for row in computation.groups]
        steps.append(
            Step(
                kind="numerator_total",
                expression=f"sum({numerator_text})",
                substituted=" + ".join(_value_text(n) for n in nums),
                value=_exact(computation.numerator),
                reason=_reason(computation.numerator),
            )
        )
        steps.append(
            Step(
                kind="denominator_total",
                expression=f"sum({denominator_text})",
                substituted=" + ".join(_value_text(d) for d in dens),
                value=_exact(computation.denominator),
                reason=_reason(computation.denominator),
            )
        )
        steps.append(
            Step(
                kind="ratio_total",
                expression=f"sum({numerator_text}) / sum({denominator_text}){times}",
                substituted=f"{_value_text(computation.numerator)} / "
                f"{_value_text(computation.denominator)}{times}",
                value=_exact(computation.value),
                reason=_reason(computation.value),
            )
        )
    return steps


def _weights_steps(
    entry: CompiledIndicator, values: Mapping[str, Any], group: str | None
) -> tuple[list[Step], Any]:
    root = entry.formula.tree
    assert isinstance(root, ast.BinOp) and isinstance(root.right, ast.Constant)
    terms: list[ast.BinOp] = []

    def collect(node: ast.AST) -> None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            terms.append(node)
            return
        for child in ast.iter_child_nodes(node):
            collect(child)

    collect(root.left)
    steps: list[Step] = []
    term_values = []
    for term in terms:
        value = _evaluate(term, values)
        term_values.append(value)
        steps.append(_step("term", term, values, {}, value, group))
    total = _evaluate(root.left, values)
    steps.append(
        Step(
            kind="terms_total",
            expression="sum(w * x)",
            substituted=" + ".join(_value_text(v) for v in term_values),
            value=_exact(total),
            group=group,
            reason=_reason(total),
        )
    )
    weights = entry.definition.formula.weights or {}
    weight_total: Decimal = root.right.value  # type: ignore[assignment]  # an exact literal
    steps.append(
        Step(
            kind="weights_total",
            expression="sum(w)",
            substituted=" + ".join(plain(w) for w in weights.values()),
            value=weight_total,
            group=group,
        )
    )
    value = _evaluate(root, values)
    steps.append(
        Step(
            kind="weighted_mean",
            expression="sum(w * x) / sum(w)",
            substituted=f"{_value_text(total)} / {plain(weight_total)}",
            value=_exact(value),
            group=group,
            reason=_reason(value),
        )
    )
    return steps, value


def _form_steps(
    entry: CompiledIndicator, values: Mapping[str, Any], group: str | None
) -> tuple[list[Step], Any]:
    if entry.definition.formula.form == "weights":
        return _weights_steps(entry, values, group)
    return _tree_steps(entry.formula.tree, values, group, "value", entry.formula.text)


def _other_steps(
    entry: CompiledIndicator,
    per_group: list[tuple[str | None, dict[str, Any]]],
    decimals: int,
) -> list[Step]:
    steps: list[Step] = []
    for group, values in per_group:
        part, value = _form_steps(entry, values, group)
        if group is not None and part:
            last = part[-1]
            part[-1] = Step(
                last.kind,
                last.expression,
                last.substituted,
                last.value,
                last.group,
                round_half_up(value, decimals) if isinstance(value, Decimal) else None,
                last.reason,
            )
        steps.extend(part)
    if len(per_group) == 1:
        return steps
    # The total: the same formula on the inputs summed over the groups (references as is).
    computation = compute(entry, per_group, EXACT_BACKEND)
    summed: dict[str, Any] = {}
    for name, first in per_group[0][1].items():
        if name in entry.references:
            summed[name] = first
            continue
        parts = [values[name] for _, values in per_group]
        total = compute_total(parts)
        summed[name] = total
        if name in entry.formula.names:
            steps.append(
                Step(
                    kind="input_total",
                    expression=f"sum({name})",
                    substituted=" + ".join(_value_text(p) for p in parts),
                    value=_exact(total),
                    reason=_reason(total),
                )
            )
    part, _ = _form_steps(entry, summed, None)
    if part:
        last = part[-1]
        part[-1] = Step(
            last.kind,
            last.expression,
            last.substituted,
            _exact(computation.value),
            None,
            None,
            _reason(computation.value),
        )
    steps.extend(part)
    return steps


def compute_total(parts: Sequence[Any]) -> Any:
    """Σ of group values with the exact backend's addition (n/a stays n/a)."""
    add = EXACT_BACKEND.operators[ast.Add]
    total: Any = Decimal(0)
    for part in parts:
        if isinstance(part, NotAvailable):
            return part
        total = add(total, part)
    return total


# ---------------------------------------------------------------- building


@dataclass
class _Context:
    catalog: Catalog
    results: Mapping[int, Results]
    data: Mapping[int, YearData]
    depth: int | None = None
    definition_lines: dict[str, dict[tuple[str | int, ...], int]] = field(default_factory=dict)

    def lines_of(self, file: str) -> dict[tuple[str | int, ...], int]:
        found = self.definition_lines.get(file)
        if found is None:
            try:
                found = key_lines(Path(file).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                found = {}
            self.definition_lines[file] = found
        return found


def _problem(message: str, ident: str, suggestion: str | None = None) -> DataError:
    return DataError([Problem(message, indicator=ident, suggestion=suggestion)])


def _explain_one(ctx: _Context, ident: str, year: int, stack: tuple[str, ...]) -> Explanation:
    """Explain ``ident`` in ``year``; ``stack`` holds the indicators explained above it."""
    catalog = ctx.catalog
    entry = catalog.compiled(ident, year)
    if entry is None:
        if ident not in catalog:
            raise _problem(
                f"no indicator {ident!r} is defined",
                ident,
                did_you_mean(ident, list(catalog.ids)) or "check the id against the definitions",
            )
        spans = ", ".join(v.in_force.describe() for v in catalog.versions(ident))
        raise _problem(
            f"no definition of {ident!r} is in force in {year}",
            ident,
            f"it is in force {spans}",
        )
    results = ctx.results.get(year)
    if results is None or ident not in results:
        raise _problem(f"{ident!r} has no result for {year}", ident)
    result = results[ident]
    definition = entry.definition
    data = ctx.data.get(year)

    # The inputs exactly as the evaluation saw them.
    raw_groups: Mapping[str | None, Mapping[str, Any]] = (
        data.values.get(ident, {}) if data is not None else {}
    )
    declared_groups = definition.disaggregation.groups if definition.disaggregation else None
    if declared_groups and any(g is not None for g in raw_groups):
        raw_groups = {g: raw_groups[g] for g in declared_groups if g in raw_groups}
    references: dict[str, Any] = {}
    for name, ref in entry.references.items():
        published = results[ref].value if ref in results else None
        references[name] = (
            published
            if published is not None
            else NotAvailable(f"indicator {ref!r} has no value in {year}")
        )
    per_group = inputs_for(entry, raw_groups, references)
    computed = bool(raw_groups) or not entry.needs_data

    inputs: list[InputValue] = []
    for group, values in per_group:
        for name, spec in definition.inputs.items():
            value = values.get(name)
            file = line = None
            unit, label = spec.unit, spec.label
            if spec.indicator is not None:
                ref_entry = catalog.compiled(spec.indicator, year)
                if ref_entry is not None:
                    file = ref_entry.file
                    unit = ref_entry.definition.unit
                    label = label or ref_entry.definition.name
            elif data is not None:
                path = ("values", ident, name) if group is None else ("values", ident, group, name)
                if path in data.lines:
                    file, line = data.source, data.lines[path]
            inputs.append(
                InputValue(
                    name=name,
                    group=group,
                    value=_exact(value),
                    unit=unit,
                    label=label,
                    over=spec.over,
                    indicator=spec.indicator,
                    file=file,
                    line=line,
                    missing=None
                    if computed and _exact(value) is not None
                    else (_reason(value) if computed else f"tidak ada data {year}"),
                )
            )

    steps: list[Step] = []
    if computed:
        if entry.numerator is not None:
            steps = _ratio_steps(entry, per_group, definition.decimals)
        else:
            steps = _other_steps(entry, per_group, definition.decimals)

    rounding = None
    if result.exact is not None and result.value is not None:
        rounding = Rounding(result.exact, definition.decimals, result.value)

    reported = None
    if data is not None and ident in data.reported:
        reported = Reported(
            data.reported[ident],
            data.reported_sources.get(ident),
            data.source,
            data.lines.get(("reported", ident)),
        )

    nested: list[Explanation] = []
    cycles: list[str] = []
    nest = ctx.depth is None or len(stack) < ctx.depth
    for ref in dict.fromkeys(entry.references.values()):
        if ref in stack or ref == ident:
            cycles.append(ref)
            continue
        if not nest:
            continue
        if catalog.compiled(ref, year) is None or ref not in results:
            continue
        nested.append(_explain_one(ctx, ref, year, (*stack, ident)))

    carried = None
    if (
        result.origin == "carried_forward"
        and result.origin_year is not None
        and result.origin_year != year
        and result.origin_year in ctx.results
        and ident in ctx.results[result.origin_year]
    ):
        carried = _explain_one(ctx, ident, result.origin_year, stack)

    versions = []
    for version in catalog.versions(ident):
        probe = version.in_force.first or version.in_force.last or year
        found = catalog.compiled(ident, probe)
        versions.append((version.in_force.describe("id"), found.file if found is not None else ""))

    written: dict[str, Any]
    form = definition.formula
    if form.form == "ratio":
        written = {"numerator": form.numerator, "denominator": form.denominator}
        if form.factor is not None:
            written["factor"] = form.factor
    elif form.form == "weights":
        written = {"weights": dict(form.weights or {})}
    else:
        written = {"expr": form.expr}
    evaluated = render_formula(entry.formula.tree) if form.form == "weights" else entry.formula.text

    lines = ctx.lines_of(entry.file)
    wanted: dict[str, tuple[str | int, ...]] = {"id": ("id",), "formula": ("formula",)}
    wanted.update({f"inputs.{n}": ("inputs", n) for n in definition.inputs})
    if str(year) in {str(y) for y in definition.targets}:
        wanted[f"targets.{year}"] = ("targets", str(year))

    return Explanation(
        id=ident,
        name=definition.name,
        year=year,
        unit=definition.unit,
        decimals=definition.decimals,
        polarity=definition.polarity,
        file=entry.file,
        in_force=definition.in_force,
        versions=tuple(versions),
        form=form.form,
        written=written,
        evaluated=evaluated,
        groups_dimension=definition.disaggregation.dimension if definition.disaggregation else None,
        group_labels=dict(entry.labels),
        inputs=tuple(inputs),
        steps=tuple(steps),
        result=result,
        rounding=rounding,
        achievement=_achievement_step(result, definition.polarity),
        band=_band_step(ctx.catalog, definition.bands, result.value),
        reported=reported,
        references=tuple(nested),
        carried_from=carried,
        cycles=tuple(cycles),
        data_file=data.source if data is not None else None,
        lines={key: lines[path] for key, path in wanted.items() if path in lines},
    )


def _achievement_step(result: IndicatorResult, polarity: str) -> AchievementStep | None:
    target = result.target
    exact = result.exact
    if target is None or exact is None:
        return None
    value = plain(exact)
    if isinstance(target, RangeTarget):
        low, high = plain(target.min), plain(target.max)
        if target.min <= exact <= target.max:
            formula = f"realisasi di dalam rentang {low} sampai {high}: capaian = 100"
            substituted = f"{low} <= {value} <= {high}"
        elif exact < target.min:
            formula = "capaian = realisasi / batas bawah * 100"
            substituted = f"{value} / {low} * 100"
        else:
            formula = "capaian = (2 - realisasi / batas atas) * 100"
            substituted = f"(2 - {value} / {high}) * 100"
    elif polarity == "lower_is_better":
        formula = "capaian = (2 - realisasi / target) * 100"
        substituted = f"(2 - {value} / {plain(target)}) * 100"
    else:
        formula = "capaian = realisasi / target * 100"
        substituted = f"{value} / {plain(target)} * 100"
    raw = achievement(exact, target, polarity)  # type: ignore[arg-type]  # a Polarity
    return AchievementStep(
        target=target,
        polarity=polarity,
        formula=formula,
        substituted=substituted,
        exact=raw,
        rounded=result.achievement,
        status=result.status,
    )


def _band_step(catalog: Catalog, band_set_id: str | None, value: Decimal | None) -> BandStep | None:
    if band_set_id is None or value is None:
        return None
    band_set = catalog.band_sets.get(band_set_id)
    if band_set is None:
        return None
    hit = classify(band_set, value)
    return BandStep(
        band_set=band_set.id,
        band_set_name=band_set.name,
        value=value,
        label=None if hit is None else hit.label,
        name=None if hit is None else hit.name,
        min=None if hit is None else hit.min,
        max=None if hit is None else hit.max,
        bands=tuple(
            (b.label, b.name, b.min, b.max)
            for b in sorted(band_set.bands, key=lambda b: b.min, reverse=True)
        ),
    )


def _years(
    data: YearData | Mapping[str, Any] | str | Path | Iterable[YearData], year: int | None
) -> list[YearData]:
    if isinstance(data, str | Path):
        path = Path(data)
        return load_years(path) if path.is_dir() else [load_data(path)]
    if isinstance(data, YearData):
        return [data]
    if isinstance(data, Mapping):
        return [_as_year_data(data, year)]
    found = list(data)
    if not all(isinstance(d, YearData) for d in found):
        raise TypeError("data must be YearData, a mapping, a path, or a sequence of YearData")
    return found


def explain(
    catalog: Catalog,
    indicator_id: str,
    data: YearData | Mapping[str, Any] | str | Path | Iterable[YearData],
    *,
    year: int | None = None,
    history: Mapping[int, Results] | None = None,
    depth: int | None = None,
) -> Explanation:
    """The derivation of one indicator's figure for one year, step by step.

    Args:
        catalog: The loaded definitions.
        indicator_id: The indicator to explain.
        data: One year's data (:class:`YearData`, a mapping, or a data file), or several
            years (a folder of yearly files, or a sequence of :class:`YearData`): with
            several years, earlier years serve carry-forward, as in
            :meth:`Catalog.evaluate_years`.
        year: The year to explain; default the data's year (the latest with several).
        history: Results of earlier years, for carry-forward with one year's data.
        depth: How many levels of referenced indicators to explain (None: all; 0: none).

    Returns:
        An :class:`Explanation`; ``to_text()``, ``to_markdown()`` and ``to_json()`` render it.

    Raises:
        DataError: the data does not fit the definitions, the year is not in the data,
            or the indicator has no definition in force that year.

    Example:
        >>> catalog = kinerja.load("examples/demo/indicators")  # doctest: +SKIP
        >>> e = kinerja.explain(catalog, "demo.kemampuan", "examples/demo/data-2023.toml")  # doctest: +SKIP
        >>> e.rounding.rounded, e.achievement.rounded  # doctest: +SKIP
        (Decimal('87.55'), Decimal('109.43'))
    """
    years = _years(data, year)
    if not years:
        raise DataError([Problem("no data given")])
    results: dict[int, Results] = dict(history or {})
    by_year: dict[int, YearData] = {}
    if len(years) == 1:
        one = catalog.evaluate(years[0], year=year, history=history)
        results[one.year] = one
        by_year[one.year] = years[0]
        chosen = one.year
    else:
        evaluated = catalog.evaluate_years(years)
        results.update(evaluated)
        by_year.update({d.year: d for d in years if d.year is not None})
        chosen = year if year is not None else max(evaluated)
        if chosen not in evaluated:
            shown = ", ".join(str(y) for y in sorted(evaluated))
            raise DataError(
                [
                    Problem(
                        f"no data for {chosen} (the data has {shown})",
                        file=str(data) if isinstance(data, str | Path) else None,
                        suggestion="give one of those years, or add the year's data file",
                    )
                ]
            )
    if depth is not None and depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    context = _Context(catalog, results, by_year, depth)
    return _explain_one(context, indicator_id, chosen, ())
