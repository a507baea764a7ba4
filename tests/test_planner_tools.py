"""Planner tooling: ``kinerja schema`` (a JSON Schema for editors) and ``kinerja new``."""

from __future__ import annotations

import functools
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import kinerja
from kinerja._cli import main
from kinerja._planner import FORMS, SCHEMA_KINDS, json_schema, new_indicator

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "definitions"

DEFINITION_FOLDERS = [
    ROOT / "indicators",
    ROOT / "examples" / "demo" / "indicators",
    ROOT / "examples" / "spm" / "indicators",
]
DATA_FILES = [
    ROOT / "examples" / "demo" / "data-2023.toml",
    *sorted((ROOT / "examples" / "rehsos-2023" / "data").glob("*.toml")),
]
SHIPPED = sorted(f for folder in DEFINITION_FOLDERS for f in folder.rglob("*.toml")) + DATA_FILES

# Corpus cases whose mistake the schema sees while the file is typed (the rest need the
# loader: formulas, units of formulas, references, versions, band gaps).
SCHEMA_CATCHES = [
    "band_set_empty",
    "decimals_negative",
    "decimals_too_many",
    "factor_without_ratio",
    "formula_empty_table",
    "in_force_not_table",
    "input_name_invalid",
    "input_neither",
    "input_unit_and_indicator",
    "invalid_id",
    "missing_unit",
    "no_formula_section",
    "ratio_only_numerator",
    "several_problems",
    "target_key_not_year",
    "target_range_missing_max",
    "target_year_out_of_range",
    "two_formula_forms",
    "type_decimals_bool",
    "type_decimals_quoted",
    "type_decimals_text",
    "type_factor_text",
    "type_name_empty",
    "type_name_number",
    "type_polarity_value",
    "type_target_indonesian",
    "type_target_quoted",
    "type_target_text",
    "unit_unknown",
    "unit_unknown_input",
    "unit_unknown_no_match",
    "unknown_key_band",
    "unknown_key_formula",
    "unknown_key_in_force",
    "unknown_key_input",
    "unknown_key_no_match",
    "unknown_key_top",
    "unknown_kind",
    "weights_empty",
    "weights_non_positive",
    "zero_factor",
]


@functools.cache
def validator(kind: str = "all") -> Any:
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(document: dict[str, Any], kind: str = "all") -> list[str]:
    return [e.message for e in validator(kind).iter_errors(document)]


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- the schema


def test_schema_is_draft_2020_12_with_descriptions_enums_and_patterns() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    indicator = schema["$defs"]["Indicator"]["properties"]
    assert indicator["polarity"]["enum"] == ["higher_is_better", "lower_is_better"]
    assert schema["properties"]["kind"]["enum"] == ["indicator", "bands", "goal"]
    assert indicator["kind"]["const"] == "indicator"
    assert indicator["id"]["pattern"].startswith("^[A-Za-z0-9]")
    assert "propertyNames" in indicator["targets"]
    assert "percent" in indicator["unit"]["anyOf"][0]["enum"]
    for name, definition in schema["$defs"].items():
        assert definition.get("description"), name
        for key, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"
    # TOML has no null, and numbers are never quoted.
    text = json.dumps(schema)
    assert '"null"' not in text
    assert "Decimal" not in text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_is_valid(path: Path) -> None:
    assert errors(read(path)) == []


@pytest.mark.parametrize("kind", [k for k in SCHEMA_KINDS if k != "all"])
def test_one_kind_schemas(kind: str) -> None:
    check = validator(kind)
    for path in SHIPPED:
        document = read(path)
        found = (
            "data"
            if path in DATA_FILES
            else {"bands": "bands", "goal": "goal"}.get(document.get("kind", ""), "indicator")
        )
        problems = list(check.iter_errors(document))
        assert (problems == []) == (found == kind), (path, kind, problems[:1])


@pytest.mark.parametrize("case", SCHEMA_CATCHES)
def test_broken_corpus_files_fail(case: str) -> None:
    found: list[str] = []
    for path in sorted((CORPUS / case).rglob("*.toml")):
        try:
            document = read(path)
        except tomllib.TOMLDecodeError:
            continue
        found.extend(errors(document))
    assert found, f"{case}: the schema accepts the broken file"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"id": "x.a", "name": "A", "unit": "percent", "polarty": "higher_is_better"},
            "'polarty' was unexpected",
        ),
        (
            {
                "id": "x.a",
                "name": "A",
                "unit": "percent",
                "formula": {"expr": "a"},
                "decimals": "2",
            },
            "'2' is not of type 'integer'",
        ),
        ({"year": 2023, "values": {"x.a": {"n": "1.794"}}}, "'1.794' is not valid"),
        ({"year": 2023, "nilai": {}}, "'nilai' was unexpected"),
        (
            {"year": 2023, "reported": {"x.a": {"value": 80, "sumber": "Tabel 1"}}},
            "'sumber' was unexpected",
        ),
        (
            {"kind": "bands", "id": "ikm", "name": "IKM", "bands": [{"label": "A"}]},
            "'name' is a required property",
        ),
        ({"kind": "goal", "id": "x.sp1"}, "'name' is a required property"),
    ],
)
def test_broken_documents_fail(document: dict[str, Any], message: str) -> None:
    found = errors(document)
    assert any(message in m for m in found), found


def test_schema_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "schema")
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(json_schema()))
    target = tmp_path / "kinerja.schema.json"
    code, _, err = cli(capsys, "schema", "--kind", "indicator", "-o", str(target))
    assert code == 0
    assert f"written: {target}" in err
    assert json.loads(target.read_text(encoding="utf-8"))["$ref"] == "#/$defs/Indicator"


# ---------------------------------------------------------------- kinerja new


def fill(text: str, form: str) -> str:
    """Fill the blanks as a planner would."""
    unit = "point" if form == "weights" else "person"
    text = text.replace('name = ""', 'name = "Persentase uji"')
    text = text.replace('{ unit = "", label = "" }', f'{{ unit = "{unit}", label = "Jumlah" }}')
    text = text.replace('unit = ""', f'unit = "{unit}"')  # the expr form's own unit
    text = text.replace('expr = ""', 'expr = "nilai"')
    return text.replace("# 2024 = 80", "2024 = 80")


@pytest.mark.parametrize("form", FORMS)
def test_new_file_loads_once_filled(tmp_path: Path, form: str) -> None:
    text = new_indicator("uji.baru", form)
    assert '""' in text
    (tmp_path / "baru.toml").write_text(text, encoding="utf-8")
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    assert any(p.key == "name" and "must not be empty" in p.message for p in caught.value.problems)
    filled = fill(text, form)
    blanks = [line for line in filled.splitlines() if '""' in line and not line.startswith("#")]
    assert blanks == []
    (tmp_path / "baru.toml").write_text(filled, encoding="utf-8")
    catalog = kinerja.load(tmp_path)
    definition = catalog.indicator("uji.baru", 2024)
    assert definition is not None
    assert definition.formula.form == form
    assert definition.targets == {2024: 80}
    assert errors(read(tmp_path / "baru.toml")) == []


def test_new_file_speaks_indonesian_with_english_keys() -> None:
    text = new_indicator("rehsos.baru")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert "Isi setiap" in text and "Nama indikator" in text and "Arah kinerja" in text
    assert len(comments) > 20
    keys = re.findall(r"^(\w+) =", text, flags=re.MULTILINE)
    assert {"id", "name", "unit", "polarity", "decimals", "numerator", "denominator"} <= set(keys)
    # Every optional key, uncommented, is a known key at the right place.
    optional = "\n".join(
        line[2:] if re.match(r"# ([a-z_0-9]+ = |\[[a-z])", line) else line
        for line in text.splitlines()
    )
    optional = optional.replace('name = ""', 'name = "x"').replace('unit = ""', 'unit = "person"')
    document = tomllib.loads(optional)
    assert {"goal", "order", "tags", "bands", "in_force", "carry_forward"} <= set(document)
    assert {"sampling", "disaggregation"} <= set(document)


def test_new_refuses_bad_ids_and_forms() -> None:
    with pytest.raises(ValueError, match="not a valid id"):
        new_indicator("rehsos/baru")
    with pytest.raises(ValueError, match="unknown form"):
        new_indicator("rehsos.baru", "rasio")


def test_new_command_writes_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "baru.toml"
    code, _, err = cli(capsys, "new", "rehsos.baru", "--form", "weights", "-o", str(target))
    assert code == 0
    assert f"written: {target}" in err
    assert target.read_text(encoding="utf-8") == new_indicator("rehsos.baru", "weights")
    target.write_text("# my work\n", encoding="utf-8")
    code, out, err = cli(capsys, "new", "rehsos.baru", "-o", str(target))
    assert code == 2
    assert "already exists" in err
    assert "Traceback" not in out + err
    assert target.read_text(encoding="utf-8") == "# my work\n"


def test_new_command_stdout_and_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "new", "rehsos.baru", "--form", "expr")
    assert code == 0
    assert out == new_indicator("rehsos.baru", "expr")
    code, _, err = cli(capsys, "new", "rehsos/baru")
    assert code == 2
    assert "'rehsos/baru' is not a valid id" in err
    code, _, err = cli(capsys, "new", "rehsos.baru", "-o", str(tmp_path / "baru.txt"))
    assert code == 2
    assert "must end in .toml" in err
    code, _, err = cli(capsys, "new", "rehsos.baru", "-o", str(tmp_path / "no" / "baru.toml"))
    assert code == 2
    assert "does not exist" in err
