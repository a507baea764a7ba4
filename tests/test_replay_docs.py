"""docs/replay.md cannot go stale: its contradictions, commands and quoted output are real.

Conventions the doc follows (and this test relies on):

* In the section ``## Contradictions in the 2023 report`` every mismatch has a subsection
  whose heading starts with its figure id: ``### F225: ...``. No other heading there does.
* In ```sh blocks, every command that starts with ``.venv/bin/kinerja replay`` ends with a
  comment giving its exit code: ``# exit 1``.
* A ```text block that starts with ``Replay `` is an excerpt of the table output: every line
  other than ``...`` is a line of the real output.
* A ```json block is an excerpt of ``--format json``: same year and summary, and each check
  shown equals the real check with that id.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

import kinerja
from kinerja._cli import main
from kinerja._numbers import plain, round_half_up
from kinerja._replay import Replay, render_replay

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "replay.md"
DEFINITIONS = ROOT / "indicators" / "rehsos"
EXAMPLE = ROOT / "examples" / "rehsos-2023"

CONTRADICTIONS_TITLE = "Contradictions in the 2023 report"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"^### (F\d{3}):", re.MULTILINE)
_COMMAND = re.compile(
    r"^(?P<command>\.venv/bin/kinerja replay\b[^#]*?)\s*(?:#\s*exit\s+(?P<code>\d+)\b.*)?$"
)


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(doc_text()) if lang == language]


def section(text: str, title: str) -> str:
    """The body of a ``## title`` section, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}[ \t]*$", text, re.MULTILINE)
    assert match, f"docs/replay.md has no '## {title}' section"
    rest = text[match.end() :]
    following = re.search(r"^## ", rest, re.MULTILINE)
    return rest[: following.start()] if following else rest


def contradiction_subsections() -> dict[str, str]:
    """Figure id -> the text of its subsection in the contradictions section."""
    body = section(doc_text(), CONTRADICTIONS_TITLE)
    found: dict[str, str] = {}
    parts = re.split(r"^(?=### )", body, flags=re.MULTILINE)
    for part in parts:
        match = _HEADING.match(part)
        if part.startswith("### F") and not match:
            pytest.fail(
                f"a contradiction heading must read '### Fnnn: ...': {part.splitlines()[0]}"
            )
        if match:
            assert match[1] not in found, f"{match[1]} is listed twice"
            found[match[1]] = part
    return found


def replay_commands() -> list[tuple[str, int | None]]:
    """Every ``.venv/bin/kinerja replay`` command in a sh block, with its documented exit code."""
    commands = []
    for block in blocks("sh"):
        for line in block.splitlines():
            match = _COMMAND.match(line.strip())
            if match:
                code = match["code"]
                commands.append((match["command"], None if code is None else int(code)))
    return commands


@pytest.fixture(scope="module")
def report() -> Replay:
    """One replay, run as the doc's commands run it: from the root, with relative paths
    (notes quote the definition file as it was found, e.g. indicators/rehsos/iku/akip.toml)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return kinerja.replay(
            kinerja.load(DEFINITIONS.relative_to(ROOT)), EXAMPLE.relative_to(ROOT)
        )


def mismatch_ids(result: Replay) -> set[str]:
    return {c.id for c in result.checks if c.verdict == "mismatch"}


def test_contradictions_are_exactly_the_mismatches(report: Replay) -> None:
    documented = set(contradiction_subsections())
    produced = mismatch_ids(report)
    assert documented == produced, (
        f"listed in docs but not mismatches: {sorted(documented - produced)}; "
        f"mismatches missing from docs: {sorted(produced - documented)}"
    )


def test_each_contradiction_quotes_both_numbers(report: Replay) -> None:
    subsections = contradiction_subsections()
    for check_id, text in subsections.items():
        check = report[check_id]
        for label, number in (("printed", check.published), ("computed", check.computed)):
            assert number is not None, (check_id, label)
            forms = {number, number.replace(".", ",")}
            assert any(form in text for form in forms), (
                f"the {check_id} subsection does not quote the {label} value {number}"
            )


def test_doc_states_the_mismatch_count(report: Replay) -> None:
    body = section(doc_text(), CONTRADICTIONS_TITLE)
    assert f"**{len(mismatch_ids(report))} mismatches**" in body


def test_every_replay_command_says_its_exit_code() -> None:
    commands = replay_commands()
    assert commands, "no '.venv/bin/kinerja replay' commands in sh blocks"
    missing = [command for command, code in commands if code is None]
    assert not missing, f"replay commands without '# exit N': {missing}"


def _command_params() -> list[object]:
    return [
        pytest.param(command, code, id=" ".join(shlex.split(command)[2:]))
        for command, code in replay_commands()
        if code is not None
    ]


@pytest.mark.parametrize(("command", "code"), _command_params())
def test_replay_command_exits_as_documented(
    command: str, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)
    assert argv[0] == ".venv/bin/kinerja"
    assert main(argv[1:]) == code, command
    capsys.readouterr()


def test_table_excerpts_are_real_output(report: Replay) -> None:
    actual = set(render_replay(report).splitlines())
    excerpts = [b for b in blocks("text") if b.startswith("Replay ")]
    assert excerpts, "no table excerpt (a text block starting with 'Replay ')"
    for excerpt in excerpts:
        for line in excerpt.splitlines():
            if line.strip() in {"", "..."}:
                continue
            assert line in actual, f"docs quote a table line replay no longer prints:\n{line}"


def test_quoted_table_lines_elsewhere_are_real_output(report: Replay) -> None:
    """Check lines quoted in other text blocks (``  ok F028 ...``) are real too."""
    actual = set(render_replay(report).splitlines())
    check_line = re.compile(r"^ {2,3}(ok|~|X|\?) F\d{3} ")
    for block in blocks("text"):
        for index, line in enumerate(block.splitlines()):
            if check_line.match(line):
                assert line in actual, f"docs quote a table line replay no longer prints:\n{line}"
                lines = block.splitlines()
                following = lines[index + 1] if index + 1 < len(lines) else ""
                if following.startswith("       "):
                    assert following in actual, f"stale note line:\n{following}"


def test_json_excerpts_are_real_output(report: Replay) -> None:
    document = report.to_dict()
    by_id = {c["id"]: c for c in document["checks"]}
    excerpts = blocks("json")
    assert excerpts, "no json excerpt"
    for excerpt in excerpts:
        shown = json.loads(excerpt)
        assert set(shown) == {"year", "checks", "summary"}
        assert shown["year"] == document["year"]
        assert shown["summary"] == document["summary"]
        for check in shown["checks"]:
            assert check == by_id[check["id"]], f"stale JSON for {check['id']}"


def test_every_average_method_is_listed_with_its_value(report: Replay) -> None:
    text = doc_text()
    assert len(report.methods) == 24
    for name, value in report.methods.items():
        row = f"| `{name}` | {plain(round_half_up(value, 2))} |"
        assert row in text, f"docs/replay.md lacks the row {row}"


def test_summary_is_quoted(report: Replay) -> None:
    summary = report.summary
    line = (
        "Summary: "
        + ", ".join(
            f"{summary[v]} {v}" for v in ("match", "consistent", "mismatch", "not_reproducible")
        )
        + f" ({len(report.checks)} checks)"
    )
    assert line in doc_text()
