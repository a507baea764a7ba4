"""Bad-input corpora: every case folder holds its input and the exact expected answer.

* ``corpus/definitions/<case>/``: definition files (a small tree) and ``expected.txt``, the
  exact problem lines ``kinerja validate .`` prints (run with the case folder as cwd, so
  paths are relative). Validation must exit 2, print only problem lines on stdout and the
  count on stderr.
* ``corpus/data/<case>/``: ``data.toml`` evaluated against the shared
  ``corpus/data/_definitions/`` for 2023, and either ``expected.txt`` (the exact problem
  lines on stderr; exit 2) or ``expected.json`` (the exact JSON on stdout; exit 0), when the
  input has a defined result.

Cases in :data:`KNOWN_ISSUES` hold the answer kinerja should give; they xfail (strictly)
until the module named there is fixed.

To rewrite the expected files from the current output after an intended change of
messages, run ``KINERJA_CORPUS_UPDATE=1 pytest tests/test_corpus.py`` and review the diff;
known-issue cases are never rewritten.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kinerja._cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"
DEFINITIONS = CORPUS / "definitions"
DATA = CORPUS / "data"
DATA_DEFINITIONS = DATA / "_definitions"
DATA_YEAR = "2023"
UPDATE = bool(os.environ.get("KINERJA_CORPUS_UPDATE"))

# "corpus/case": what is wrong today, and where the fix belongs.
# (data/missing_group: declared groups are the groups allowed, not required -- the Rehsos
# income indicator has no Anak row -- so the total covers the groups given, with a note.)
KNOWN_ISSUES: dict[str, str] = {}


def _cases(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _params(corpus: str, root: Path) -> list[object]:
    params = []
    for case in _cases(root):
        reason = KNOWN_ISSUES.get(f"{corpus}/{case.name}")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def _summary(count: int) -> str:
    return f"{count} problem{'s' if count != 1 else ''} found"


def _known(corpus: str, case: Path) -> bool:
    return f"{corpus}/{case.name}" in KNOWN_ISSUES


@pytest.mark.parametrize("case", _params("definitions", DEFINITIONS))
def test_definitions_corpus(
    case: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    code = main(["validate", "."])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    expected_file = case / "expected.txt"
    if UPDATE and not _known("definitions", case):
        expected_file.write_text(out, encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    assert out == expected
    assert err == _summary(len(expected.splitlines())) + "\n"
    assert code == 2


@pytest.mark.parametrize("case", _params("data", DATA))
def test_data_corpus(
    case: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    definitions = os.path.relpath(DATA_DEFINITIONS, case)
    code = main(
        ["evaluate", definitions, "--data", "data.toml", "--year", DATA_YEAR, "--format", "json"]
    )
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    json_file, text_file = case / "expected.json", case / "expected.txt"
    if json_file.exists():
        if UPDATE and not _known("data", case) and code == 0:
            json_file.write_text(out, encoding="utf-8")
        assert (code, err) == (0, "")
        assert out == json_file.read_text(encoding="utf-8")
    else:
        problems = err.splitlines()[:-1]
        if UPDATE and not _known("data", case) and code == 2:
            text_file.write_text("".join(p + "\n" for p in problems), encoding="utf-8")
        expected = text_file.read_text(encoding="utf-8")
        assert out == ""
        count = len(expected.splitlines())
        assert err == expected + "kinerja: " + _summary(count) + "\n"
        assert code == 2


def test_corpus_sizes_and_layout() -> None:
    definitions = _cases(DEFINITIONS)
    data = _cases(DATA)
    assert len(definitions) >= 40
    assert len(data) >= 15
    for case in definitions:
        assert (case / "expected.txt").is_file(), case.name
    for case in data:
        assert (case / "data.toml").is_file(), case.name
        answers = [(case / name).is_file() for name in ("expected.txt", "expected.json")]
        assert answers.count(True) == 1, case.name
    for issue in KNOWN_ISSUES:
        corpus, name = issue.split("/")
        assert (CORPUS / corpus / name).is_dir(), issue
