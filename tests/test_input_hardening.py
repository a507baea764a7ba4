"""Hostile or careless input files: refused with a problem that names the file and key.

Deep nesting (a RecursionError must never escape), band sets (duplicate labels, bounds at
their resolution, one problem per mistake), and the docs that describe those files.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import kinerja
from kinerja._cli import main
from kinerja._replay import load_published
from kinerja._toml import MAX_DEPTH

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
DOCS = ROOT / "docs"

DEEP = f"nested more than {MAX_DEPTH} levels deep"


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    """A TOML value of ``depth`` lists (or inline tables) inside each other."""
    return opening * depth + "1" + closing * depth


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


# ---------------------------------------------------------------- nesting


@pytest.mark.parametrize("depth", [400, 1200, 20000])
def test_deep_list_in_a_definition_is_a_definition_problem(tmp_path: Path, depth: int) -> None:
    # 400 levels parse in tomllib and used to overflow kinerja's own walks; deeper ones
    # overflow tomllib itself.
    file = write(tmp_path, "deep.toml", "a = " + nested(depth) + "\n")
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    (problem,) = caught.value.problems
    assert DEEP in problem.message
    assert problem.file == str(file)
    assert problem.line == 1
    assert problem.key == "a"


def test_deep_inline_tables_are_a_definition_problem(tmp_path: Path) -> None:
    text = 'id = "x.a"\nname = "A"\nunit = "percent"\n[formula]\nexpr = "1"\n'
    text += "[inputs]\nq = " + nested(500, "{ b = ", " }").replace("1", "{}", 1) + "\n"
    write(tmp_path, "a.toml", text)
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    (problem,) = caught.value.problems
    assert DEEP in problem.message
    assert (problem.line, problem.key) == (7, "inputs.q")


def test_deep_table_headers_are_a_definition_problem(tmp_path: Path) -> None:
    # Dotted keys nest tables without brackets; tomllib reads them at any depth.
    write(tmp_path, "a.toml", "[" + ".".join(["t"] * 3000) + "]\nx = 1\n")
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    (problem,) = caught.value.problems
    assert DEEP in problem.message
    assert problem.line == 1
    assert problem.key == ".".join(["t"] * (MAX_DEPTH + 1))


def test_nesting_up_to_the_limit_gets_the_usual_problems(tmp_path: Path) -> None:
    # A target is read at level 2 ([targets] holds 2023): MAX_DEPTH - 2 more lists reach
    # the limit exactly, and the file gets the ordinary type problem.
    text = 'id = "x.a"\nname = "A"\nunit = "percent"\n[formula]\nexpr = "1"\n'
    text += f"[targets]\n2023 = {nested(MAX_DEPTH - 1)}\n"
    write(tmp_path, "a.toml", text)
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    (problem,) = caught.value.problems
    assert problem.key == "targets.2023"
    assert "got a list" in problem.message


def test_a_string_of_brackets_is_not_nesting(tmp_path: Path) -> None:
    text = 'id = "x.a"\nname = "A"\nunit = "percent"\n'
    text += f'description = "{nested(2000)}"\n[formula]\nexpr = "1"\n'
    write(tmp_path, "a.toml", text)
    assert kinerja.load(tmp_path).ids == ("x.a",)


@pytest.mark.parametrize("depth", [400, 1200])
def test_deep_list_in_a_data_file_is_a_data_problem(tmp_path: Path, depth: int) -> None:
    file = write(
        tmp_path, "data.toml", f'year = 2023\n[values."demo.nka"]\nsmart = {nested(depth)}\n'
    )
    with pytest.raises(kinerja.DataError) as caught:
        kinerja.load_data(file)
    (problem,) = caught.value.problems
    assert DEEP in problem.message
    assert problem.file == str(file)
    assert (problem.line, problem.key) == (3, 'values."demo.nka".smart')
    catalog = kinerja.load(DEMO / "indicators")
    with pytest.raises(kinerja.DataError):
        catalog.evaluate(file, year=2023)


def test_deep_data_just_inside_the_limit_is_an_ordinary_problem(tmp_path: Path) -> None:
    # values (1), the indicator (2), the input's lists (3 ...): the innermost at MAX_DEPTH.
    file = write(
        tmp_path,
        "data.toml",
        f'year = 2023\n[values."demo.nka"]\nsmart = {nested(MAX_DEPTH - 2)}\n',
    )
    with pytest.raises(kinerja.DataError) as caught:
        kinerja.load_data(file)
    (problem,) = caught.value.problems
    assert DEEP not in problem.message
    assert "got a list" in problem.message


def test_deep_published_file_is_refused_by_replay(tmp_path: Path) -> None:
    file = write(tmp_path, "published.toml", f'report = "r"\nyear = 2023\nx = {nested(1500)}\n')
    with pytest.raises(kinerja.DataError) as caught:
        load_published(file)
    (problem,) = caught.value.problems
    assert DEEP in problem.message
    assert (problem.line, problem.key) == (3, "x")


def test_cli_validate_reports_deep_nesting_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "deep.toml", "a = " + nested(400) + "\n")
    write(tmp_path, "deeper.toml", "a = " + nested(1200) + "\n")
    code, output = run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert "internal error" not in output
    assert "Traceback" not in output
    problems = [line for line in output.splitlines() if DEEP in line]
    assert problems == [
        f"{tmp_path / 'deep.toml'}:1: a: the value is {DEEP} (tables and lists inside each "
        "other) (write it with fewer levels: a kinerja file needs only a few)",
        f"{tmp_path / 'deeper.toml'}:1: a: the value is {DEEP} (tables and lists inside each "
        "other) (write it with fewer levels: a kinerja file needs only a few)",
    ]


def test_cli_evaluate_reports_deep_data_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(
        tmp_path, "data.toml", f'year = 2023\n[values."demo.nka"]\nsmart = {nested(1200)}\n'
    )
    code, output = run(
        capsys, "evaluate", str(DEMO / "indicators"), "--data", str(data), "--year", "2023"
    )
    assert code == 2
    assert "internal error" not in output
    assert [line for line in output.splitlines() if DEEP in line] == [
        f'{data}:3: values."demo.nka".smart: the value is {DEEP} (tables and lists inside '
        "each other) (write it with fewer levels: a kinerja file needs only a few)"
    ]


# ---------------------------------------------------------------- band sets


def band_set(*bands: str, decimals: int | None = None) -> str:
    """A band-set file with ``bands`` (inline tables, as written)."""
    head = 'kind = "bands"\nid = "ikm"\nname = "Kategori IKM"\n'
    if decimals is not None:
        head += f"decimals = {decimals}\n"
    return head + "bands = [\n" + "".join(f"  {band},\n" for band in bands) + "]\n"


def band_problems(folder: Path, text: str) -> list[kinerja.Problem]:
    write(folder, "bands.toml", text)
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(folder)
    return list(caught.value.problems)


def test_duplicate_band_labels_are_refused(tmp_path: Path) -> None:
    problems = band_problems(
        tmp_path,
        band_set(
            '{ label = "D", name = "Tidak Baik", min = 25.00, max = 64.99 }',
            '{ label = "D", name = "Kurang Baik", min = 65.00, max = 100.00 }',
        ),
    )
    (problem,) = problems
    assert (problem.line, problem.indicator, problem.key) == (6, "ikm", "bands[1]")
    assert problem.message == (
        "band label 'D' is also the label of bands[0] ('Tidak Baik'): give each band its own label"
    )


@pytest.mark.parametrize(
    ("bounds", "key", "got"),
    [
        ("min = 25.00, max = inf", "max", "inf"),
        ("min = 25.00, max = nan", "max", "nan"),
        ("min = -inf, max = 64.99", "min", "-inf"),
    ],
)
@pytest.mark.parametrize("count", [1, 2])
def test_an_infinite_bound_is_one_problem(
    tmp_path: Path, bounds: str, key: str, got: str, count: int
) -> None:
    # With one band, pydantic also found the list empty (it counts the bands that validated).
    bands = [f'{{ label = "D", name = "Tidak Baik", {bounds} }}']
    if count == 2:
        bands.append('{ label = "C", name = "Kurang Baik", min = 65.00, max = 100.00 }')
    problems = band_problems(tmp_path, band_set(*bands))
    assert [(p.key, p.message) for p in problems] == [
        (f"bands[0].{key}", f"expected a finite number, got {got}")
    ]


def test_every_band_failing_is_not_also_an_empty_list(tmp_path: Path) -> None:
    problems = band_problems(
        tmp_path, band_set('{ label = 5, name = "Tidak Baik", min = 25.00, max = 64.99 }')
    )
    assert [(p.key, p.message) for p in problems] == [
        ("bands[0].label", "expected text in quotes, got 5")
    ]


def test_an_empty_band_list_is_still_refused(tmp_path: Path) -> None:
    (problem,) = band_problems(tmp_path, band_set())
    assert (problem.key, problem.message) == ("bands", "needs at least 1 item, got none")


@pytest.mark.parametrize(
    ("decimals", "expected"),
    [
        (None, "bands 'D' (25.00-65.00) and 'C' (65.00-76.60) overlap"),
        (1, "bands 'D' (25.0-65.0) and 'C' (65.0-76.6) overlap"),
        (3, "bands 'D' (25.000-65.000) and 'C' (65.000-76.600) overlap"),
    ],
)
def test_overlap_prints_bounds_at_the_resolution(
    tmp_path: Path, decimals: int | None, expected: str
) -> None:
    (problem,) = band_problems(
        tmp_path,
        band_set(
            '{ label = "D", name = "Tidak Baik", min = 25, max = 65.0 }',
            '{ label = "C", name = "Kurang Baik", min = 65.0, max = 76.6 }',
            decimals=decimals,
        ),
    )
    assert problem.message == expected


def test_gap_prints_bounds_at_the_resolution(tmp_path: Path) -> None:
    (problem,) = band_problems(
        tmp_path,
        band_set(
            '{ label = "C", name = "Kurang Baik", min = 65, max = 76.6 }',
            '{ label = "B", name = "Baik", min = 77, max = 88.3 }',
        ),
    )
    assert problem.message == (
        "gap between bands 'C' (max 76.60) and 'B' (min 77.00): values from 76.61 to 76.99 "
        "fall in no band"
    )


def test_a_bound_finer_than_the_resolution_is_shown_as_written(tmp_path: Path) -> None:
    problems = band_problems(
        tmp_path,
        band_set(
            '{ label = "D", name = "Tidak Baik", min = 25, max = 64.995 }',
            '{ label = "C", name = "Kurang Baik", min = 65, max = 100 }',
        ),
    )
    assert [p.message for p in problems] == [
        "band 'D' bound 64.995 has more than 2 decimals, the band set's resolution"
    ]


def test_a_huge_bound_is_checked_not_a_crash(tmp_path: Path) -> None:
    # Refused inf, a planner writes 1e30: more digits than the default decimal context.
    write(
        tmp_path,
        "bands.toml",
        band_set(
            '{ label = "D", name = "Tidak Baik", min = 25.00, max = 64.99 }',
            '{ label = "C", name = "Kurang Baik", min = 65.00, max = 1e30 }',
        ),
    )
    assert kinerja.load(tmp_path).band_sets["ikm"].bands[1].max == 10**30
    problems = band_problems(
        tmp_path,
        band_set(
            '{ label = "D", name = "Tidak Baik", min = 25.00, max = 1e30 }',
            '{ label = "C", name = "Kurang Baik", min = 1e30, max = 1e31 }',
        ),
    )
    assert [p.message for p in problems] == [
        f"bands 'D' (25.00-1{'0' * 30}.00) and 'C' (1{'0' * 30}.00-1{'0' * 31}.00) overlap"
    ]


def test_docs_quote_the_band_messages_kinerja_prints(tmp_path: Path) -> None:
    # The docs' example: C overlapping B, and C leaving a gap below B, written without
    # trailing zeros; the messages must be the ones the docs print.
    docs = (DOCS / "indicator-files.md").read_text(encoding="utf-8")
    overlap = band_problems(
        tmp_path / "overlap",
        band_set(
            '{ label = "C", name = "Kurang Baik", min = 65, max = 76.6 }',
            '{ label = "B", name = "Baik", min = 75, max = 88.3 }',
        ),
    )
    gap = band_problems(
        tmp_path / "gap",
        band_set(
            '{ label = "C", name = "Kurang Baik", min = 65, max = 76.6 }',
            '{ label = "B", name = "Baik", min = 77, max = 88.3 }',
        ),
    )
    for (problem,) in (overlap, gap):
        assert f"`{problem.message}`" in " ".join(docs.split())
    assert "(25-65.0)" not in docs


# ---------------------------------------------------------------- docs of goal and data files


def section(path: Path, title: str) -> str:
    """The text of a ``## title`` section of a Markdown file, up to the next ``## ``."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    assert match, f"{path.name} has no '## {title}' section"
    return match.group(1)


def test_goal_files_are_documented_with_every_key() -> None:
    goals = section(DOCS / "indicator-files.md", "Goal files")
    documented = set(re.findall(r"^\| `(\w+)` \|", goals, re.MULTILINE))
    keys = {info.alias or name for name, info in kinerja.Goal.model_fields.items()}
    assert documented == keys
    kind_row = next(
        line
        for line in (DOCS / "indicator-files.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `kind` | string | default")
    )
    assert '`"goal"`' in kind_row


def test_the_documented_goal_file_is_the_shipped_one_and_loads(tmp_path: Path) -> None:
    goals = section(DOCS / "indicator-files.md", "Goal files")
    (block,) = re.findall(r"```toml\n(.*?)```", goals, re.DOTALL)
    shipped = (ROOT / "indicators" / "rehsos" / "goals" / "sp2.toml").read_text(encoding="utf-8")
    assert block == "".join(line for line in shipped.splitlines(True) if not line.startswith("#"))
    write(tmp_path, "sp2.toml", block)
    goal = kinerja.load(tmp_path).goal("rehsos.sp2", 2023)
    assert goal is not None
    assert (goal.group, goal.order) == ("utama", 2)


def test_the_documented_goal_check_is_what_kinerja_says(tmp_path: Path) -> None:
    write(tmp_path, "sp2.toml", 'kind = "goal"\nid = "demo.sp2"\nname = "Sasaran 2"\n')
    write(
        tmp_path,
        "a.toml",
        'id = "demo.a"\nname = "A"\ngoal = "demo.sp9"\nunit = "percent"\n[formula]\nexpr = "1"\n',
    )
    with pytest.raises(kinerja.DefinitionError) as caught:
        kinerja.load(tmp_path)
    (problem,) = caught.value.problems
    assert problem.message == "goal 'demo.sp9' is not defined"
    assert f"`{problem.message}`" in (DOCS / "indicator-files.md").read_text(encoding="utf-8")


def test_replay_docs_say_what_a_reported_table_takes(tmp_path: Path) -> None:
    # Without source, a reported value is read; with another key, it is refused.
    without_source = write(
        tmp_path, "a.toml", 'year = 2023\n[reported."demo.nka"]\nvalue = 91.31\n'
    )
    assert kinerja.load_data(without_source).reported == {"demo.nka": Decimal("91.31")}
    other_key = write(
        tmp_path, "b.toml", 'year = 2023\n[reported."demo.nka"]\nvalue = 91.31\nnote = "x"\n'
    )
    with pytest.raises(kinerja.DataError):
        kinerja.load_data(other_key)
    text = " ".join((DOCS / "replay.md").read_text(encoding="utf-8").split())
    paragraph = text[text.index('`[reported."id"]` holds') :][:600]
    assert "exactly two keys" not in paragraph
    assert "`source` (text, optional" in paragraph
    assert "any other key is refused" in paragraph
