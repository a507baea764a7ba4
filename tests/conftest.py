"""Shared fixtures: paths to the shipped example and a loaded demo catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

import kinerja

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"


@pytest.fixture(scope="session")
def demo_catalog() -> kinerja.Catalog:
    return kinerja.load(DEMO / "indicators")


@pytest.fixture(scope="session")
def demo_results(demo_catalog: kinerja.Catalog) -> kinerja.Results:
    return demo_catalog.evaluate(DEMO / "data-2023.toml", year=2023)
