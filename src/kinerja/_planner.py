"""Tools for planners: a JSON Schema of kinerja's files, and a commented new indicator file.

* :func:`json_schema` describes indicator, band-set, goal and data files (JSON Schema
  draft 2020-12), generated from the pydantic models of :mod:`kinerja._model`, so that an
  editor (Taplo / Even Better TOML) completes keys, shows what each one means and marks
  mistakes while the file is typed. ``kinerja validate`` remains the judge: the schema
  cannot see formulas, units of formulas, references or band gaps.
* :func:`new_indicator` writes the skeleton of an indicator file, commented in Indonesian
  with English key names, that loads once its blanks (``""``) are filled in.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema

from ._model import BandSet, Goal, IdText, Indicator
from ._units import known_units

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SchemaKind = Literal["all", "indicator", "bands", "goal", "data"]
SCHEMA_KINDS: tuple[str, ...] = ("all", "indicator", "bands", "goal", "data")
Form = Literal["ratio", "weights", "expr"]
FORMS: tuple[str, ...] = ("ratio", "weights", "expr")

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9][A-Za-z0-9_\-]*)*$"
_INPUT_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
_YEAR_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)$"
# A unit expression such as "IDR / person": names joined by * or /, or raised to a power.
_UNIT_EXPRESSION = r"^[A-Za-z_ ]+(\s*[*/]\s*[A-Za-z_ ]+|\s*\*\*\s*-?\d)+$"

# Descriptions for the keys the models leave undescribed, or describe for programmers.
# English first (the key names are English), the Indonesian term in parentheses.
_DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("Indicator", "kind"): 'Kind of file; "indicator" is the default and may be left out.',
    ("Indicator", "id"): "Dotted identifier, unique per year in force, e.g. 'rehsos.kemampuan' "
    "(kode indikator).",
    ("Indicator", "name"): "The indicator's name exactly as printed in the Perjanjian Kinerja "
    "(nama indikator).",
    ("Indicator", "description"): "Free text, e.g. the cara perhitungan as printed; not used "
    "in evaluation.",
    ("Indicator", "unit"): "Unit of the value (satuan): percent, person, institution, point, "
    "IDR, ... (docs/formula-language.md#units).",
    ("Indicator", "polarity"): "How achievement (capaian) is computed: higher_is_better "
    "(R / T x 100) or lower_is_better ((2 - R / T) x 100).",
    ("Indicator", "decimals"): "Published precision of the value (jumlah desimal), 0 to 10; "
    "rounded half-up once at the end.",
    ("Indicator", "formula"): "How the value (realisasi) is computed: numerator/denominator "
    "(with factor), weights, or expr.",
    ("Indicator", "inputs"): "The named values the formula uses: { unit = ..., label = ... } "
    "for a measured value, { indicator = ... } for another indicator's value.",
    ("Indicator", "sampling"): "The value is a proportion measured on a sample (metode "
    "sampling): adds the sampling fraction and a 95% confidence interval.",
    ("Indicator", "disaggregation"): "The value is broken down by groups (kluster, provinsi, "
    "...); the total of a ratio is the ratio of the sums.",
    ("Indicator", "targets"): "Target per year from the Perjanjian Kinerja: 2024 = 80, or a "
    "range 2024 = { min = 75, max = 85 }.",
    ("Indicator", "bands"): "Id of a band set (kategori, e.g. 'ikm') that classifies the value.",
    ("Indicator", "in_force"): "The years this version applies (masa berlaku): "
    "{ from = 2023 }, { until = 2022 } or both; default every year.",
    ("InputSpec", "unit"): "Unit of the measured value (satuan), e.g. person, institution, "
    "point, IDR.",
    ("InputSpec", "label"): "What the value is, in the report's words (keterangan).",
    ("InForce", "from"): "First year this version applies (inclusive).",
    ("InForce", "until"): "Last year this version applies (inclusive).",
    ("RangeTarget", "min"): "Lower end of the target range (batas bawah).",
    ("RangeTarget", "max"): "Upper end of the target range (batas atas).",
    ("Band", "label"): "Short label of the category, e.g. 'A'.",
    ("Band", "name"): "Name of the category, e.g. 'Sangat Baik'.",
    ("Band", "min"): "Lower bound, inclusive.",
    ("Band", "max"): "Upper bound, inclusive.",
    ("BandSet", "kind"): 'Must be "bands" for a band-set file.',
    ("BandSet", "id"): "Id that indicators name with bands = \"...\", e.g. 'ikm'.",
    ("BandSet", "name"): "Name of the band set, e.g. the regulation it comes from.",
    ("BandSet", "bands"): "The bands (kategori); at the set's resolution consecutive bands "
    "touch, without gaps or overlaps.",
    ("Goal", "kind"): 'Must be "goal" for a sasaran file.',
    ("Goal", "id"): "Id that indicators name with goal = \"...\", e.g. 'rehsos.sp2'.",
    ("Goal", "name"): "The sasaran program as printed (nama sasaran).",
    ("Goal", "in_force"): "The years this version of the goal applies.",
}


def _strip_null(schema: dict[str, Any]) -> dict[str, Any]:
    """TOML has no null: ``anyOf [X, null]`` becomes X (the key is simply left out)."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) != len(options):
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            schema = {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}
    if schema.get("default", 0) is None:
        schema = {k: v for k, v in schema.items() if k != "default"}
    return schema


def _numbers(schema: dict[str, Any]) -> dict[str, Any]:
    """Decimals are TOML numbers: pydantic's ``number or string`` becomes ``number``
    (a quoted number is refused by the loader, so the schema refuses it too)."""
    options = schema.get("anyOf")
    if (
        isinstance(options, list)
        and {"type": "number"} in options
        and {"type": "string"} in (options)
    ):
        kept = [o for o in options if o != {"type": "string"}]
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        schema = {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}
    return schema


def _clean(node: Any, key: str | None = None) -> Any:
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _clean(v, k) for k, v in node.items()}
    node = _numbers(_strip_null(node))
    title = node.get("title")
    if (
        isinstance(title, str)
        and key is not None
        and title.lower() == key.lower().replace("_", " ")
    ):
        node.pop("title")
    return node


def _model_defs() -> dict[str, Any]:
    _, generated = models_json_schema(
        [(Indicator, "validation"), (BandSet, "validation"), (Goal, "validation")],
        ref_template="#/$defs/{model}",
    )
    defs: dict[str, Any] = copy.deepcopy(generated["$defs"])
    for name, model in list(defs.items()):
        defs[name] = _clean(model)
        for prop_name, prop in defs[name].get("properties", {}).items():
            text = _DESCRIPTIONS.get((name, prop_name))
            if text is not None:
                prop["description"] = text  # beside a $ref too: allowed in 2020-12
    indicator = defs["Indicator"]["properties"]
    indicator["targets"]["propertyNames"] = {"pattern": _YEAR_PATTERN}
    indicator["inputs"]["propertyNames"] = {"pattern": _INPUT_NAME_PATTERN}
    units = sorted(set(known_units()), key=str.lower)
    unit_schema = {
        "anyOf": [
            {"enum": units},
            {"type": "string", "pattern": _UNIT_EXPRESSION},
        ]
    }
    indicator["unit"] = {"type": "string", "description": indicator["unit"]["description"]}
    indicator["unit"].update(unit_schema)
    input_unit = defs["InputSpec"]["properties"]["unit"]
    defs["InputSpec"]["properties"]["unit"] = {
        "type": "string",
        "description": input_unit.get("description", ""),
        **unit_schema,
    }
    weights = defs["FormulaSpec"]["properties"]["weights"]
    weights["propertyNames"] = {"pattern": _INPUT_NAME_PATTERN}
    weights["additionalProperties"] = {"type": "number", "exclusiveMinimum": 0}
    weights["minProperties"] = 1
    # An input is measured (unit) or taken from another indicator (indicator): one of them.
    defs["InputSpec"]["oneOf"] = [{"required": ["unit"]}, {"required": ["indicator"]}]
    factor = defs["FormulaSpec"]["properties"]["factor"]
    factor["not"] = {"const": 0}
    # The three forms of [formula]: exactly one.
    defs["FormulaSpec"]["oneOf"] = [
        {"required": ["numerator", "denominator"], "not": {"anyOf": _others("ratio")}},
        {"required": ["weights"], "not": {"anyOf": _others("weights")}},
        {"required": ["expr"], "not": {"anyOf": _others("expr")}},
    ]
    return defs


def _others(form: str) -> list[dict[str, Any]]:
    keys = {
        "ratio": ["weights", "expr"],
        "weights": ["numerator", "denominator", "factor", "expr"],
        "expr": ["numerator", "denominator", "factor", "weights"],
    }[form]
    return [{"required": [k]} for k in keys]


def _data_defs() -> dict[str, Any]:
    value = {
        "description": "One input value: a number, or a list of numbers for a series input "
        "(declared with over = ...).",
        "anyOf": [
            {"type": "number"},
            {"type": "array", "items": {"type": "number"}},
        ],
    }
    return {
        "InputValue": value,
        "IndicatorValues": {
            "type": "object",
            "description": "The inputs of one indicator (input = value), or one table per "
            'group of a disaggregated indicator ([values."id".group]).',
            "propertyNames": {"pattern": _INPUT_NAME_PATTERN},
            "additionalProperties": {
                "anyOf": [
                    {"$ref": "#/$defs/InputValue"},
                    {
                        "type": "object",
                        "propertyNames": {"pattern": _INPUT_NAME_PATTERN},
                        "additionalProperties": {"$ref": "#/$defs/InputValue"},
                    },
                ]
            },
        },
        "ReportedValue": {
            "type": "object",
            "description": "A value published without its inputs.",
            "additionalProperties": False,
            "required": ["value"],
            "properties": {
                "value": {"type": "number", "description": "The value as published."},
                "source": {"type": "string", "description": "Where it is printed."},
            },
        },
        "DataFile": {
            "type": "object",
            "title": "kinerja data file",
            "description": 'Input values of one year: year = 2023, [values."id"] tables and '
            '[reported."id"] tables. Kept outside the definitions folder.',
            "additionalProperties": False,
            "properties": {
                "year": {
                    "type": "integer",
                    "minimum": 1900,
                    "maximum": 2200,
                    "description": "The year of the values (tahun).",
                },
                "values": {
                    "type": "object",
                    "description": 'Inputs by indicator id: [values."rehsos.lembaga"].',
                    "propertyNames": {"pattern": _ID_PATTERN},
                    "additionalProperties": {"$ref": "#/$defs/IndicatorValues"},
                },
                "reported": {
                    "type": "object",
                    "description": "Values published without inputs: "
                    '[reported."rehsos.ikm"] with value = ... and source = "...".',
                    "propertyNames": {"pattern": _ID_PATTERN},
                    "additionalProperties": {"$ref": "#/$defs/ReportedValue"},
                },
            },
        },
    }


def _kind_is(kind: str) -> dict[str, Any]:
    return {"required": ["kind"], "properties": {"kind": {"const": kind}}}


def json_schema(kind: str = "all") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of kinerja's TOML files.

    Args:
        kind: ``"all"`` (one schema for every file: chosen by ``kind``, a file without
            ``id`` or ``kind`` that holds ``year``/``values``/``reported`` is a data file),
            or one of ``"indicator"``, ``"bands"``, ``"goal"``, ``"data"``.

    Example:
        >>> schema = json_schema()
        >>> schema["$schema"]
        'https://json-schema.org/draft/2020-12/schema'
        >>> schema["$defs"]["Indicator"]["properties"]["polarity"]["enum"]
        ['higher_is_better', 'lower_is_better']
    """
    if kind not in SCHEMA_KINDS:
        raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(SCHEMA_KINDS)}")
    defs = {**_model_defs(), **_data_defs()}
    schema: dict[str, Any] = {"$schema": SCHEMA_DIALECT}
    if kind == "all":
        schema.update(
            {
                "title": "kinerja file",
                "description": "An indicator file (the default kind), a band-set file "
                '(kind = "bands"), a goal file (kind = "goal"), or a data file (year, '
                "[values], [reported]; no id). Check files with kinerja validate: the schema "
                "cannot check formulas, units, references or band gaps.",
                "type": "object",
                "properties": {
                    "kind": {
                        "enum": ["indicator", "bands", "goal"],
                        "description": 'What the file defines; "indicator" when left out.',
                    }
                },
                "if": _kind_is("bands"),
                "then": {"$ref": "#/$defs/BandSet"},
                "else": {
                    "if": _kind_is("goal"),
                    "then": {"$ref": "#/$defs/Goal"},
                    "else": {
                        "if": {
                            "anyOf": [
                                {"required": ["id"]},
                                {"required": ["kind"]},
                                {
                                    "not": {
                                        "anyOf": [
                                            {"required": ["year"]},
                                            {"required": ["values"]},
                                            {"required": ["reported"]},
                                        ]
                                    }
                                },
                            ]
                        },
                        "then": {"$ref": "#/$defs/Indicator"},
                        "else": {"$ref": "#/$defs/DataFile"},
                    },
                },
            }
        )
    else:
        name = {"indicator": "Indicator", "bands": "BandSet", "goal": "Goal", "data": "DataFile"}[
            kind
        ]
        schema["title"] = f"kinerja {kind} file"
        schema["$ref"] = f"#/$defs/{name}"
    schema["$defs"] = defs
    return schema


# ---------------------------------------------------------------- kinerja new


def id_problem(ident: str) -> str | None:
    """Why ``ident`` is not a valid indicator id, in a planner's words; or None."""
    try:
        TypeAdapter(IdText).validate_python(ident)
    except ValidationError:
        return (
            f"{ident!r} is not a valid id: use letters, digits, '_' and '-', in parts joined "
            "by '.' (like 'rehsos.kemampuan')"
        )
    return None


_HEADER = """\
# Indikator baru: {ident}
# Dibuat dengan: kinerja new {ident} --form {form}
#
# Cara mengisi:
# - Isi setiap "" (teks kosong) di bawah ini. Nama kunci (id, name, unit, ...) tetap
#   dalam bahasa Inggris; isinya boleh bahasa Indonesia.
# - Baris yang diawali '#' adalah komentar. Hapus '#' di depan kunci opsional untuk
#   memakainya.
# - Angka ditulis tanpa tanda kutip, dengan titik untuk desimal: 80.5, bukan "80,5".
# - Periksa berkas ini dengan: kinerja validate <folder indikator>
#   Panduan: docs/planner-guide.md; semua kunci: docs/indicator-files.md

id = "{ident}"

# Nama indikator persis seperti tertulis di Perjanjian Kinerja / Laporan Kinerja.
name = ""

# Satuan nilai: "percent" (persen), "person" (orang), "institution" (lembaga),
# "point" (poin/nilai), "IDR" (rupiah), "unit", "document", ...
unit = "{unit}"

# Arah kinerja: "higher_is_better" (makin tinggi makin baik) atau
# "lower_is_better" (makin rendah makin baik).
polarity = "higher_is_better"

# Jumlah desimal nilai yang dipublikasikan (dibulatkan setengah ke atas, sekali, di akhir).
decimals = 2

# Opsional: sasaran (goal) yang diukur, urutan di Perjanjian Kinerja, label, uraian.
# goal = "rehsos.sp4"
# order = 11
# tags = ["iku"]
# description = "Cara perhitungan sebagaimana tertulis di laporan."

# Opsional: kategori nilai (set kategori, berkas kind = "bands"), masa berlaku versi ini,
# dan nilai tahun sebelumnya yang dipakai bila data tahun ini tidak ada.
# bands = "ikm"
# in_force = {{ from = 2024 }}
# carry_forward = 1
"""

_RATIO = """
[formula]
# Realisasi = pembilang / penyebut x factor (factor = 100 untuk persentase).
# Ganti nama 'pembilang' dan 'penyebut' dengan nama input Anda (huruf kecil, angka, '_'),
# di sini dan di [inputs]; keduanya boleh berupa ekspresi, mis. "a + b".
numerator = "pembilang"
denominator = "penyebut"
factor = 100

[inputs]
# Setiap nama yang dipakai rumus: satuan dan keterangan (seperti judul kolom di laporan).
pembilang = {{ unit = "", label = "" }}
penyebut = {{ unit = "", label = "" }}
"""

_WEIGHTS = """
[formula]
# Rata-rata tertimbang: jumlah(bobot x nilai) / jumlah(bobot). Bobot harus lebih dari 0;
# jumlahnya tidak harus 100. Ganti nama komponen dan bobotnya, di sini dan di [inputs].
weights = {{ komponen_a = 50, komponen_b = 50 }}

[inputs]
# Setiap komponen: satuan dan keterangan. Untuk memakai nilai indikator lain, tulis
# komponen_a = {{ indicator = "id.indikator.lain" }} (tanpa unit).
komponen_a = {{ unit = "", label = "" }}
komponen_b = {{ unit = "", label = "" }}
"""

_EXPR = """
[formula]
# Rumus bebas dari bahasa rumus kinerja (docs/formula-language.md), mis.
# "0.5 * smart + 0.5 * ikpa" atau "mean(melapor / ditugaskan) * 100".
expr = ""

[inputs]
# Setiap nama yang dipakai rumus: satuan dan keterangan. Tambahkan baris sesuai kebutuhan;
# nilai indikator lain: nama = {{ indicator = "id.indikator.lain" }};
# deret bulanan: nama = {{ unit = "person", over = "bulan" }}.
nilai = {{ unit = "", label = "" }}
"""

_FOOTER = """
# Opsional: nilai diukur dari sampel (hanya untuk bentuk pembilang/penyebut).
# [sampling]
# sample = "penyebut"
# population = "populasi"  # tambahkan juga input 'populasi' di [inputs]
# note = "Pengumpulan data melalui metode sampling"

# Opsional: nilai dirinci per kelompok (kluster); totalnya rasio dari jumlah.
# [disaggregation]
# dimension = "kluster"
# groups = {{ anak = "Anak", lanjut_usia = "Lanjut Usia" }}

[targets]
# Target per tahun dari Perjanjian Kinerja (tanpa tanda kutip), mis.:
# 2024 = 80
# atau sebuah rentang: 2024 = {{ min = 75, max = 85 }}
"""

_UNITS = {"ratio": "percent", "weights": "point", "expr": ""}


def new_indicator(ident: str, form: str = "ratio") -> str:
    """The text of a new indicator file to fill in (Indonesian comments, English keys).

    Every ``""`` is a blank to fill; the file loads once they are filled (the input units
    with a unit, ``name`` with the indicator's name, ``expr`` with a formula).

    Raises:
        ValueError: ``ident`` is not a valid id, or ``form`` is not a formula form.

    Example:
        >>> text = new_indicator("rehsos.baru")
        >>> 'id = "rehsos.baru"' in text and 'numerator = "pembilang"' in text
        True
    """
    problem = id_problem(ident)
    if problem is not None:
        raise ValueError(problem)
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}: use ratio, weights or expr")
    body = {"ratio": _RATIO, "weights": _WEIGHTS, "expr": _EXPR}[form]
    text = _HEADER.format(ident=ident, form=form, unit=_UNITS[form])
    text += body.format() + _FOOTER.format()
    return re.sub(r"\n{3,}", "\n\n", text)
