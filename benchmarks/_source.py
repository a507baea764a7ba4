"""What a benchmark measured: the commit, and whether ``src/`` had uncommitted changes.

Shared by the scripts in this folder (each is run as ``python benchmarks/<script>.py``,
which puts this folder first on ``sys.path``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


def source_state() -> str:
    """``source: commit abc1234``, plus ``+ uncommitted changes in src/`` when there are."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "../src"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "source: not a git checkout"
    return f"source: commit {commit}" + (" + uncommitted changes in src/" if dirty else "")
