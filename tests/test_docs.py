"""The documentation cannot rot: its examples run, and it covers every function and key."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

import kinerja
from kinerja._functions import FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EMBED = ROOT / "examples" / "embed.py"

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def code_blocks(path: Path, language: str) -> list[str]:
    """Every fenced block of ``language`` in a Markdown file, in order."""
    return [
        body for lang, body in _FENCE.findall(path.read_text(encoding="utf-8")) if lang == language
    ]


def backticked(path: Path) -> set[str]:
    """Every `inline code` span of a Markdown file, and each dotted or bracketed part of it."""
    spans = set(re.findall(r"`([^`\n]+)`", path.read_text(encoding="utf-8")))
    parts = {p for span in spans for p in re.split(r"[\[\]\s.=\"]+", span) if p}
    return spans | parts


# ---------------------------------------------------------------- (a) the embedding example


def test_embed_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(EMBED)],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,  # the script must not depend on the working directory
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "87.55" in done.stdout
    assert "91.31" in done.stdout
    assert "109.43" in done.stdout  # capaian of demo.kemampuan
    assert "division by zero" in done.stdout  # an EvaluationError was handled
    assert "did you mean" in done.stdout  # a FormulaError was handled
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- (b) doc code blocks run


@pytest.mark.parametrize("name", ["embedding.md", "formula-language.md"])
def test_python_blocks_run_in_order(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = code_blocks(DOCS / name, "python")
    assert blocks, f"no python blocks in {name}"
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"docs.{name}"}
    for index, block in enumerate(blocks):
        code = compile(block, f"{name} python block {index + 1}", "exec")
        try:
            exec(code, namespace)
        except Exception as error:  # pragma: no cover - the message is the point
            pytest.fail(f"{name}, python block {index + 1} failed: {error!r}\n\n{block}")
    assert os.getcwd() == str(ROOT)


def test_toml_blocks_are_valid_toml() -> None:
    for name in ("indicator-files.md",):
        for index, block in enumerate(code_blocks(DOCS / name, "toml")):
            try:
                tomllib.loads(block)
            except tomllib.TOMLDecodeError as error:
                pytest.fail(f"{name}, toml block {index + 1}: {error}\n\n{block}")


CORPUS = ROOT / "tests" / "corpus" / "definitions"
_QUOTED_PROBLEM = re.compile(r"^\s*(?P<case>[\w-]+)/\S*\.toml(:\d+)?: ")


def test_quoted_validator_output_is_current() -> None:
    """Lines like 'unit_unknown/a.toml:3: ...' in the docs are real output on the corpus."""
    if not CORPUS.is_dir():
        pytest.skip("no tests/corpus/definitions")
    quoted: dict[str, list[str]] = {}
    for name in ("indicator-files.md", "formula-language.md"):
        for block in code_blocks(DOCS / name, "text"):
            for line in block.splitlines():
                match = _QUOTED_PROBLEM.match(line)
                if match and (CORPUS / match["case"]).is_dir():
                    quoted.setdefault(match["case"], []).append(line.strip())
    assert quoted, "no quoted validator output found"
    for case, lines in quoted.items():
        done = subprocess.run(
            [sys.executable, "-m", "kinerja._cli", "validate", case],
            capture_output=True,
            text=True,
            cwd=CORPUS,
            timeout=120,
            check=False,
        )
        actual = set(done.stdout.splitlines())
        for line in lines:
            assert line in actual, f"docs quote a message kinerja no longer prints:\n{line}"


# ---------------------------------------------------------------- (c) every function documented


def test_every_function_has_a_heading() -> None:
    text = (DOCS / "formula-language.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### (\w+)\(\)$", text, re.MULTILINE))
    missing = sorted(set(FUNCTIONS) - headings)
    assert not missing, f"functions without a '### name()' heading: {missing}"
    unknown = sorted(headings - set(FUNCTIONS))
    assert not unknown, f"headings for functions that do not exist: {unknown}"


# ---------------------------------------------------------------- (d) every key documented


def keys_of(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


MODELS: list[type[BaseModel]] = [
    kinerja.Indicator,
    kinerja.BandSet,
    kinerja.Band,
    kinerja.InputSpec,
    kinerja.FormulaSpec,
    kinerja.Sampling,
    kinerja.Disaggregation,
    kinerja.InForce,
    kinerja.RangeTarget,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_key_is_documented(model: type[BaseModel]) -> None:
    documented = backticked(DOCS / "indicator-files.md")
    missing = sorted(keys_of(model) - documented)
    assert not missing, f"{model.__name__} keys not in docs/indicator-files.md: {missing}"


def test_in_force_is_documented_by_its_toml_names() -> None:
    assert keys_of(kinerja.InForce) == {"from", "until"}


def test_index_links_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "index.md":
            assert f"({page.name}" in index, f"docs/index.md does not link {page.name}"
