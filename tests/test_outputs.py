"""Outputs: no command writes to its inputs, writes are atomic, inputs are never modified.

Every command of ``kinerja`` with an ``-o/--output`` option is found from the parser
itself and must have an entry in :data:`INVOCATIONS` (a new command fails
:func:`test_every_command_with_an_output_option_is_covered` until it gets one). For each:

* the output path equal to an input file, inside an input folder, equal to an input
  folder, a symbolic or hard link to an input, or an input spelt another way is refused
  with exit 2, and the input tree is byte-for-byte unchanged (these run on copies of the
  examples in a temporary folder);
* an interruption at the write or at the rename leaves the previous output intact and no
  temporary file behind;
* running every command on the real ``examples/`` and ``indicators/`` leaves every file
  there unchanged (hashed before and after).

The last tests pin the refusals of :mod:`kinerja._io`: a full disk, a folder, an empty path
and a target that is not a regular file each get a clear error, not an internal one.
"""

from __future__ import annotations

import argparse
import csv
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kinerja._cli import _parser, main

ROOT = Path(__file__).resolve().parent.parent
TREES = ("examples", "indicators")


@dataclass(frozen=True)
class Invocation:
    """A command line, with the paths it reads.

    ``{root}`` stands for the folder holding ``examples/`` and ``indicators/``, ``{data}``
    for the folder of generated data (see :func:`frame_data`).
    """

    args: tuple[str, ...]
    inputs: tuple[str, ...] = ()
    needs_data: bool = False
    # The arguments that make the output JSON: () when it always is, None when it never is.
    json: tuple[str, ...] | None = ("--format", "json")
    suffix: str = ".txt"  # of the output file
    overwrites: bool = True  # False: the command refuses any existing output file

    def argv(self, root: Path, *extra: str) -> list[str]:
        return [a.format(root=root, data=data_folder(root)) for a in self.args] + list(extra)

    def input_paths(self, root: Path) -> list[Path]:
        return [Path(p.format(root=root, data=data_folder(root))) for p in self.inputs]


def data_folder(root: Path) -> Path:
    """Generated data: beside a copied tree, or in the session's folder for the real one."""
    return root / "generated" if root != ROOT else _GENERATED[0]


_GENERATED: list[Path] = []


DEMO_DEFINITIONS = "examples/demo/indicators"
DEMO_DATA = "examples/demo/data-2023.toml"

# One command line per command with -o (a second for another kind of input where it has one).
INVOCATIONS: dict[str, tuple[Invocation, ...]] = {
    "evaluate": (
        Invocation(
            ("evaluate", "{root}/" + DEMO_DEFINITIONS, "--data", "{root}/" + DEMO_DATA),
            ("{root}/" + DEMO_DEFINITIONS, "{root}/" + DEMO_DATA),
        ),
    ),
    "replay": (
        Invocation(
            ("replay", "{root}/indicators/rehsos", "{root}/examples/rehsos-2023"),
            ("{root}/indicators/rehsos", "{root}/examples/rehsos-2023"),
        ),
    ),
    "evaluate-frame": (
        Invocation(
            (
                "evaluate-frame",
                "{root}/examples/spm/indicators",
                "--input",
                "{data}/spm.csv",
                "--by",
                "provinsi",
            ),
            ("{root}/examples/spm/indicators", "{data}/spm.csv"),
            needs_data=True,
        ),
    ),
    "explain": (
        Invocation(
            (
                "explain",
                "{root}/" + DEMO_DEFINITIONS,
                "demo.nka",
                "--data",
                "{root}/" + DEMO_DATA,
            ),
            ("{root}/" + DEMO_DEFINITIONS, "{root}/" + DEMO_DATA),
        ),
        Invocation(
            (
                "explain",
                "{root}/indicators/rehsos",
                "rehsos.akip",
                "--data",
                "{root}/examples/rehsos-2023/data",
            ),
            ("{root}/indicators/rehsos", "{root}/examples/rehsos-2023/data"),
        ),
    ),
    "schema": (Invocation(("schema",), json=(), suffix=".json"),),
    "new": (Invocation(("new", "uji.baru"), json=None, suffix=".toml", overwrites=False),),
    "report": (
        Invocation(
            ("report", "{root}/" + DEMO_DEFINITIONS, "--data", "{root}/" + DEMO_DATA),
            ("{root}/" + DEMO_DEFINITIONS, "{root}/" + DEMO_DATA),
        ),
        Invocation(
            (
                "report",
                "{root}/indicators/rehsos",
                "--data",
                "{root}/examples/rehsos-2023/data",
                "--format",
                "md",
            ),
            ("{root}/indicators/rehsos", "{root}/examples/rehsos-2023/data"),
        ),
    ),
}
# Commands without -o, run on the real tree by the never-modified test.
READ_ONLY: tuple[tuple[str, ...], ...] = (
    ("validate", "{root}/" + DEMO_DEFINITIONS, "{root}/indicators/rehsos"),
)

# Commands that read files or refuse to overwrite: there is an input to protect.
CASES = [
    pytest.param(command, invocation, id=f"{command}-{index}")
    for command, invocations in INVOCATIONS.items()
    for index, invocation in enumerate(invocations)
    if invocation.inputs or not invocation.overwrites
]
FIRST = [
    pytest.param(command, invocations[0], id=command)
    for command, invocations in INVOCATIONS.items()
]


def output_commands() -> set[str]:
    """Every subcommand whose parser has an -o or --output option."""
    found: set[str] = set()
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                options = {o for a in sub._actions for o in a.option_strings}
                if options & {"-o", "--output"}:
                    found.add(name)
    return found


def fingerprint(*folders: Path) -> dict[str, str]:
    """sha256 of every file under ``folders`` (links recorded as links, not followed)."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_symlink():
                found[str(path)] = "link -> " + os.readlink(path)
            elif path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir():
                found[str(path)] = "folder"
    return found


def temporary_files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.tmp"))


@pytest.fixture(scope="session", autouse=True)
def frame_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small long-format CSV for evaluate-frame, from examples/spm/generate.py."""
    folder = tmp_path_factory.mktemp("generated")
    _GENERATED[:] = [folder]
    try:
        command = [sys.executable, str(ROOT / "examples" / "spm" / "generate.py"), "--rows"]
        command.extend(["1", "--format", "csv", "--seed", "3", "--out", str(folder)])
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except OSError:  # pragma: no cover
        done = None
    if done is None or done.returncode != 0:
        _GENERATED[:] = []
        yield folder
        return
    full = folder / "spm.csv"
    with full.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    provinces = sorted({row["provinsi"] for row in rows})[:2]
    keep = [r for r in rows if r["year"] in ("2023", "2024") and r["provinsi"] in provinces]
    with full.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(keep)
    (folder / "wilayah.csv").unlink(missing_ok=True)
    yield folder


def needs(invocation: Invocation) -> None:
    if invocation.needs_data and not _GENERATED:
        pytest.skip("examples/spm/generate.py could not run (numpy, pyarrow missing?)")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of examples/, indicators/ and the generated data."""
    root = tmp_path / "root"
    for tree in TREES:
        shutil.copytree(ROOT / tree, root / tree)
    if _GENERATED:
        shutil.copytree(_GENERATED[0], root / "generated")
    return root


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_every_command_with_an_output_option_is_covered() -> None:
    commands = output_commands()
    assert {"evaluate", "replay"} <= commands
    missing = sorted(commands - set(INVOCATIONS))
    assert not missing, f"add an INVOCATIONS entry for: {missing}"
    gone = sorted(set(INVOCATIONS) - commands)
    assert not gone, f"these commands no longer have -o: {gone}"


# ------------------------------------------------------------------ never over an input


def refused_targets(invocation: Invocation, root: Path, scratch: Path) -> list[tuple[str, Path]]:
    """Every way of naming an input as the output, for one invocation."""
    targets: list[tuple[str, Path]] = []
    if not invocation.overwrites:
        existing = root / DEMO_DEFINITIONS / "nka.toml"
        targets.append(("an existing indicator file", existing))
        link = scratch / "link-to-existing.toml"
        link.symlink_to(existing)
        targets.append(("a link to an existing file", link))
    for source in invocation.input_paths(root):
        if source.is_file():
            targets.append(("the input file", source))
            spelt = source.parent / "." / ".." / source.parent.name / source.name
            targets.append(("the input file spelt another way", spelt))
            link = scratch / f"link-to-{source.name}"
            link.symlink_to(source)
            targets.append(("a symbolic link to the input file", link))
            hard = scratch / f"hard-{source.name}"
            try:
                os.link(source, hard)
            except OSError:
                pass
            else:
                targets.append(("a hard link to the input file", hard))
        else:
            inside = sorted(source.rglob("*.toml"))[0]
            targets.append(("a file inside the input folder", inside))
            targets.append(("a new file inside the input folder", source / "new-output.json"))
            targets.append(("the input folder itself", source))
            folder_link = scratch / f"folder-link-{source.name}"
            folder_link.symlink_to(source, target_is_directory=True)
            targets.append(("a new file through a link to the folder", folder_link / "new.json"))
    return targets


@pytest.mark.parametrize(("command", "invocation"), CASES)
def test_no_command_writes_to_its_inputs(
    command: str,
    invocation: Invocation,
    copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    needs(invocation)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for label, target in refused_targets(invocation, copy, scratch):
        before = fingerprint(copy, scratch)
        code, _, err = run(capsys, invocation.argv(copy, "-o", str(target)))
        assert code == 2, f"{command}, output = {label}: exit {code}\n{err}"
        assert "refusing to write" in err, f"{label}: {err}"
        if invocation.overwrites:
            assert "input" in err, f"{label}: {err}"
        assert "written:" not in err
        assert fingerprint(copy, scratch) == before, f"{command} changed its inputs ({label})"
        assert temporary_files(tmp_path) == []


# ------------------------------------------------------------------ atomic outputs


def interrupt(monkeypatch: pytest.MonkeyPatch, name: str, error: BaseException) -> list[str]:
    """Make ``os.<name>`` raise ``error`` (once the command reaches it)."""
    calls: list[str] = []

    def stop(*args: object, **kwargs: object) -> None:
        calls.append(name)
        raise error

    monkeypatch.setattr(os, name, stop)
    return calls


@pytest.mark.parametrize(("command", "invocation"), FIRST)
@pytest.mark.parametrize(
    ("stage", "error", "exit_code"),
    [
        pytest.param("fsync", KeyboardInterrupt(), 130, id="ctrl-c-at-the-write"),
        pytest.param("replace", KeyboardInterrupt(), 130, id="ctrl-c-at-the-rename"),
        pytest.param(
            "fsync", OSError(errno.ENOSPC, "No space left on device"), None, id="disk-full"
        ),
        pytest.param("replace", OSError(errno.EIO, "Input/output error"), None, id="rename-fails"),
    ],
)
def test_an_interrupted_output_keeps_the_previous_one(
    command: str,
    invocation: Invocation,
    stage: str,
    error: BaseException,
    exit_code: int | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needs(invocation)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / f"result{invocation.suffix}"
    if invocation.overwrites:
        target.write_text("previous output\n", encoding="utf-8")
    calls = interrupt(monkeypatch, stage, error)
    code, _, err = run(capsys, invocation.argv(ROOT, "-o", str(target)))
    assert calls == [stage], f"{command} never reached os.{stage}"
    assert code != 0 and "written:" not in err
    if exit_code is not None:
        assert code == exit_code
    if invocation.overwrites:
        assert target.read_text(encoding="utf-8") == "previous output\n"
        assert [p.name for p in out_dir.iterdir()] == [target.name], "a temporary file was left"
    else:
        assert list(out_dir.iterdir()) == [], "a partial output or a temporary file was left"


@pytest.mark.parametrize(("command", "invocation"), FIRST)
def test_a_completed_output_is_the_whole_output(
    command: str,
    invocation: Invocation,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    needs(invocation)
    target = tmp_path / f"result{invocation.suffix}"
    if invocation.overwrites:
        target.write_text("previous output\n", encoding="utf-8")
    extra = invocation.json or ()
    code, stdout, _ = run(capsys, invocation.argv(ROOT, *extra))
    assert code == 0
    code, _, err = run(capsys, invocation.argv(ROOT, *extra, "-o", str(target)))
    assert code == 0, err
    assert f"written: {target}" in err
    written = target.read_text(encoding="utf-8")
    if invocation.json is None:
        assert written.rstrip("\n") == stdout.rstrip("\n")
    else:
        assert json.loads(written) == json.loads(stdout)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    if not invocation.overwrites:  # a second run keeps the file it wrote
        code, _, err = run(capsys, invocation.argv(ROOT, "-o", str(target)))
        assert code == 2 and "refusing to write" in err
        assert target.read_text(encoding="utf-8") == written
    fresh = tmp_path / f"fresh{invocation.suffix}"
    assert run(capsys, invocation.argv(ROOT, *extra, "-o", str(fresh)))[0] == 0
    assert fresh.stat().st_mode & 0o777 == 0o644


# ------------------------------------------------------------------ inputs never modified


def test_no_command_modifies_any_file_under_examples_or_indicators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trees = [ROOT / tree for tree in TREES]
    for command, invocations in INVOCATIONS.items():
        for index, invocation in enumerate(invocations):
            if invocation.needs_data and not _GENERATED:
                continue
            output = tmp_path / f"{command}-{index}{invocation.suffix}"
            for extra in ((), invocation.json or (), ("-o", str(output))):
                before = fingerprint(*trees)
                code, _, err = run(capsys, invocation.argv(ROOT, *extra))
                assert code == 0, f"{command} {extra}: {err}"
                assert fingerprint(*trees) == before, f"{command} {extra} modified an input"
    for args in READ_ONLY:
        before = fingerprint(*trees)
        code, _, err = run(capsys, [a.format(root=ROOT) for a in args])
        assert code == 0, err
        assert fingerprint(*trees) == before, f"{args[0]} modified an input"


# ------------------------------------------------------------------ refusals of _io.py

EVALUATE = INVOCATIONS["evaluate"][0]


def _check_clear_refusal(code: int, err: str) -> None:
    assert code == 2, err
    assert "internal error" not in err
    assert err.startswith("kinerja: ")


def test_a_full_disk_is_a_clear_output_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt(monkeypatch, "fsync", OSError(errno.ENOSPC, "No space left on device"))
    code, _, err = run(capsys, EVALUATE.argv(ROOT, "-o", str(tmp_path / "out.txt")))
    _check_clear_refusal(code, err)
    assert "No space left" in err


def test_an_output_that_is_a_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, EVALUATE.argv(ROOT, "-o", str(tmp_path)))
    _check_clear_refusal(code, err)


def test_an_empty_output_path_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, EVALUATE.argv(ROOT, "-o", ""))
    _check_clear_refusal(code, err)
    assert list(tmp_path.iterdir()) == []


def test_an_output_that_is_not_a_regular_file_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run(capsys, EVALUATE.argv(ROOT, "-o", str(fifo)))
    assert fifo.is_fifo(), "the FIFO was replaced by a regular file"
    _check_clear_refusal(code, err)
