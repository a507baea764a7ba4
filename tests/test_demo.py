"""The acceptance fixtures of the core issue, evaluated end to end."""

from __future__ import annotations

from decimal import Decimal

import kinerja


def test_kemampuan_is_ratio_of_sums_with_groups(demo_results: kinerja.Results) -> None:
    result = demo_results["demo.kemampuan"]
    assert result.value == Decimal("87.55")
    assert result.achievement == Decimal("109.43")
    assert result.status is kinerja.Status.ABOVE
    assert {g: r.value for g, r in result.groups.items()} == {
        "anak": Decimal("88.16"),
        "lanjut_usia": Decimal("86.99"),
    }


def test_ikpa_weighted_mean(demo_results: kinerja.Results) -> None:
    result = demo_results["demo.ikpa"]
    assert result.value == Decimal("89.45")
    assert result.exact == Decimal("89.4495")
    assert result.target is None
    assert result.status is kinerja.Status.NOT_AVAILABLE


def test_nka_uses_published_ikpa(demo_results: kinerja.Results) -> None:
    result = demo_results["demo.nka"]
    assert result.value == Decimal("91.31")
    assert result.achievement == Decimal("101.46")
    assert result.status is kinerja.Status.ABOVE


def test_sdm_mean_of_monthly_ratios(demo_results: kinerja.Results) -> None:
    result = demo_results["demo.sdm"]
    assert result.value == Decimal("97.79")
    assert result.achievement == Decimal("102.94")


def test_json_contract(demo_results: kinerja.Results) -> None:
    document = demo_results.to_dict()
    assert document["year"] == 2023
    first = {r["id"]: r for r in document["results"]}
    kemampuan = first["demo.kemampuan"]
    assert set(kemampuan) >= {
        "id",
        "value",
        "unit",
        "target",
        "achievement",
        "status",
        "groups",
        "sampling",
        "band",
        "notes",
    }
    assert kemampuan["value"] == "87.55"
    assert kemampuan["target"] == "80.00"  # at the indicator's decimals
    assert kemampuan["groups"]["anak"]["value"] == "88.16"
    assert kemampuan["sampling"]["sample"] == "4264"
    assert kemampuan["sampling"]["population"] == "15910"
    low, high = kemampuan["sampling"]["ci95"]
    assert Decimal(low) < Decimal("87.55") < Decimal(high)
    assert first["demo.ikpa"]["achievement"] is None
