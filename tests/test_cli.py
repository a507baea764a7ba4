"""The kinerja command as a user runs it: exit codes, output, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kinerja._cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(DEMO / "indicators"))
    assert code == 0
    assert "4 indicator(s), 1 band set(s), all valid" in out


def test_validate_reports_every_problem_once_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.toml").write_text(
        'id = "x.a"\nname = "A"\nunit = "percent"\n[formula]\nexpr = "b_value / 2"\n'
        '[inputs]\nb_valeu = { unit = "person" }\n',
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text(
        'id = "x.b"\nname = "B"\nunit = "persn"\n[formula]\nexpr = "1"\n'
    )
    code, out, err = run(capsys, "validate", str(tmp_path))
    assert code == 2
    lines = out.strip().splitlines()
    assert len(lines) == 2, out
    assert lines[0].startswith(
        f"{tmp_path / 'a.toml'}:5: x.a: formula.expr: unknown name 'b_value'"
    )
    assert "did you mean 'b_valeu'?" in lines[0]
    assert lines[1].startswith(f"{tmp_path / 'b.toml'}:3: x.b: unit: unknown unit 'persn'")
    assert "2 problems found" in err
    assert "Traceback" not in out + err


def test_evaluate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "evaluate",
        str(DEMO / "indicators"),
        "--data",
        str(DEMO / "data-2023.toml"),
        "--year",
        "2023",
        "--format",
        "json",
    )
    assert code == 0
    document = json.loads(out)
    values = {r["id"]: (r["value"], r["achievement"], r["status"]) for r in document["results"]}
    assert values == {
        "demo.ikpa": ("89.45", None, "n/a"),
        "demo.kemampuan": ("87.55", "109.43", "above"),
        "demo.nka": ("91.31", "101.46", "above"),
        "demo.sdm": ("97.79", "102.94", "above"),
    }


def test_evaluate_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "evaluate", str(DEMO / "indicators"), "--data", str(DEMO / "data-2023.toml")
    )
    assert code == 0
    assert "demo.kemampuan" in out and "109.43" in out and "anak" in out


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "no/such/folder", "--data", "x.toml"],
        ["evaluate", str(DEMO / "indicators"), "--data", "no/such/data.toml"],
        [
            "evaluate",
            str(DEMO / "indicators"),
            "--data",
            str(DEMO / "data-2023.toml"),
            "--year",
            "2022",
        ],
        ["validate", "no/such/folder"],
    ],
)
def test_errors_are_clear_and_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert "Traceback" not in out + err
    assert err.strip()


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "kinerja"
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("kinerja ")


def test_output_is_written_atomically_and_never_over_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.toml"
    data.write_bytes((DEMO / "data-2023.toml").read_bytes())
    before = data.read_bytes()
    code, _, err = run(
        capsys, "evaluate", str(DEMO / "indicators"), "--data", str(data), "-o", str(data)
    )
    assert code == 2 and "it is an input" in err
    assert data.read_bytes() == before
    inside = DEMO / "indicators" / "out.json"
    code, _, err = run(
        capsys, "evaluate", str(DEMO / "indicators"), "--data", str(data), "-o", str(inside)
    )
    assert code == 2 and "inside the input folder" in err and not inside.exists()
    out = tmp_path / "out.json"
    out.write_text("previous", encoding="utf-8")
    code, _, _ = run(
        capsys,
        "evaluate",
        str(DEMO / "indicators"),
        "--data",
        str(data),
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["year"] == 2023
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_interrupted_write_keeps_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from kinerja._io import write_output

    out = tmp_path / "report.json"
    out.write_text("previous", encoding="utf-8")

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_output(out, "new content")
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
