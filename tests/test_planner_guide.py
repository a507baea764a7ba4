"""The planner guide, followed literally: every command run, every file written, every
output shown in the guide checked against the real one.

``docs/planner-guide.md`` (Indonesian) is the one that runs. Its fenced blocks are read in
order:

* a ```` ```sh ```` block: each line is a shell command, run with ``bash`` in a temporary
  copy of the repository's ``indicators/`` and ``examples/``, with ``.venv/bin`` (the
  folder of the running Python, where ``kinerja`` is installed) first on ``PATH``;
* a block preceded by an HTML comment ``<!-- guide: ACTION [PATH] -->``:

  - ``output`` (a text block): the output of the ``sh`` block just before; each line
    must appear, in order, in that output (stdout and stderr together), with runs of
    spaces compared as one and ``...`` standing for any text (a line of only ``...``
    stands for lines left out);
  - ``check PATH``: the file must hold exactly the block;
  - ``write PATH``: write the block to the file (fill it in);
  - ``append PATH``: add the block at the end of the file;
  - ``fix-line PATH``: each line ``key = value`` of the block replaces the file's line
    with that key;
  - ``contains PATH``: each line of the block must appear, in order, in the file (within
    a line: a table row may hold it).

``docs/planner-guide.en.md`` must hold the same commands and the same file contents.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "planner-guide.md"
GUIDE_EN = ROOT / "docs" / "planner-guide.en.md"

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_MARKER = re.compile(r"<!--\s*guide:\s*([\w-]+)(?:\s+(\S+))?\s*-->")


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    action: str | None = None
    path: str | None = None
    line: int = 0


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a guide, each with the marker just above it (if any)."""
    source = path.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(source):
        before = source[: match.start()].rstrip("\n").splitlines()
        marker = _MARKER.fullmatch(before[-1].strip()) if before else None
        found.append(
            Block(
                language=match.group(1),
                text=match.group(2),
                action=marker.group(1) if marker else None,
                path=marker.group(2) if marker else None,
                line=source.count("\n", 0, match.start()) + 1,
            )
        )
    return found


def commands(block: Block) -> list[str]:
    return [
        line.strip()
        for line in block.text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _pattern(expected: str) -> re.Pattern[str]:
    parts = [re.escape(" ".join(p.split())) for p in expected.split("...")]
    return re.compile(r"\s*" + ".*".join(parts) + r"\s*")


def assert_shown(expected: str, actual: str, where: str, *, whole_lines: bool = True) -> None:
    """Every line of ``expected`` appears, in order, among the lines of ``actual`` (as a
    whole line, or anywhere in a line)."""
    lines = [" ".join(line.split()) for line in actual.splitlines()]
    position = 0
    for wanted in expected.splitlines():
        if not wanted.strip() or wanted.strip() in {"...", "…"}:
            continue
        pattern = _pattern(wanted)
        for index in range(position, len(lines)):
            found = pattern.fullmatch if whole_lines else pattern.search
            if found(lines[index]):
                position = index + 1
                break
        else:
            raise AssertionError(
                f"{where}: the guide shows\n  {wanted}\nbut the output is\n{actual}"
            )


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.pop("KINERJA_DEBUG", None)
    env["COLUMNS"] = "200"
    return env


def _copy_repository(target: Path) -> None:
    for folder in ("indicators", "examples"):
        shutil.copytree(ROOT / folder, target / folder)


def test_the_guide_runs_as_written(tmp_path: Path) -> None:
    if shutil.which("kinerja", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("the kinerja command is not installed next to this Python")
    _copy_repository(tmp_path)
    env = _environment()
    last_output: str | None = None
    ran = checked = written = 0
    for block in blocks(GUIDE):
        where = f"{GUIDE.name}:{block.line}"
        if block.language == "sh":
            outputs = []
            for command in commands(block):
                done = subprocess.run(
                    ["bash", "-c", command],
                    cwd=tmp_path,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
                outputs.append(done.stdout + done.stderr)
                assert "Traceback" not in done.stderr, f"{where}: {command}\n{done.stderr}"
                ran += 1
            last_output = "".join(outputs)
            continue
        if block.action is None:
            continue
        target = tmp_path / block.path if block.path else None
        if block.action == "output":
            assert last_output is not None, f"{where}: an output block before any command"
            assert_shown(block.text, last_output, where)
            checked += 1
        elif block.action == "check":
            assert target is not None
            assert target.read_text(encoding="utf-8") == block.text, f"{where}: {block.path}"
            checked += 1
        elif block.action == "contains":
            assert target is not None
            assert_shown(block.text, target.read_text(encoding="utf-8"), where, whole_lines=False)
            checked += 1
        elif block.action == "write":
            assert target is not None
            target.write_text(block.text, encoding="utf-8")
            written += 1
        elif block.action == "append":
            assert target is not None and target.exists(), f"{where}: {block.path} is missing"
            with target.open("a", encoding="utf-8") as stream:
                stream.write(block.text)
            written += 1
        elif block.action == "fix-line":
            assert target is not None
            text = target.read_text(encoding="utf-8")
            for fixed in block.text.splitlines():
                key = fixed.split("=", 1)[0].strip()
                line = re.compile(rf"^{re.escape(key)}\s*=.*$", re.MULTILINE)
                assert len(line.findall(text)) == 1, f"{where}: no single line {key} = ..."
                text = line.sub(lambda _, fixed=fixed: fixed, text)
            target.write_text(text, encoding="utf-8")
            written += 1
        else:
            raise AssertionError(f"{where}: unknown guide action {block.action!r}")
    # The walk-through is all there: create, fill, validate and fix, data, evaluate,
    # explain, report.
    assert ran >= 9 and checked >= 8 and written >= 4, (ran, checked, written)


def test_the_guide_covers_every_step() -> None:
    run = [c for b in blocks(GUIDE) if b.language == "sh" for c in commands(b)]
    joined = "\n".join(run)
    for step in ("kinerja new", "kinerja validate", "kinerja evaluate", "kinerja explain"):
        assert step in joined, step
    actions = [b.action for b in blocks(GUIDE)]
    for action in ("write", "fix-line", "append", "output", "check"):
        assert action in actions, action
    # An error is shown, read and fixed.
    outputs = [b.text for b in blocks(GUIDE) if b.action == "output"]
    assert any("did you mean" in text for text in outputs)


def test_the_report_step_matches_the_cli() -> None:
    """The guide ends with ``kinerja report`` only while the command exists."""
    from kinerja._cli import _parser

    choices = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    has_report = "report" in choices
    mentions = "kinerja report" in GUIDE.read_text(encoding="utf-8")
    assert mentions == has_report


def test_the_english_guide_has_the_same_commands_and_files() -> None:
    indonesian, english = blocks(GUIDE), blocks(GUIDE_EN)

    def runnable(found: list[Block]) -> list[str]:
        return [c for b in found if b.language == "sh" for c in commands(b)]

    def files(found: list[Block]) -> list[tuple[str | None, str | None, str]]:
        return [
            (b.action, b.path, b.text)
            for b in found
            if b.action in {"write", "append", "fix-line", "check", "output", "contains"}
        ]

    assert runnable(english) == runnable(indonesian)
    assert files(english) == files(indonesian)
