"""Acceptance: ``energybill bill examples/noor.toml --format json`` reproduces the talk's figures.

Figures are the talk's ("Energy Bill of Extreme-scale Language Models", Noor slides), each with
its tolerance: 3 % per phase, 5 % per training run, 1 % on totals.
"""

from __future__ import annotations

import json

import pytest
from tests.conftest import EXAMPLES, run_cli


@pytest.fixture(scope="module")
def noor() -> dict:
    result = run_cli("bill", str(EXAMPLES / "noor.toml"), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def item(bill: dict, name: str) -> dict:
    return next(i for i in bill["items"] if i["name"] == name)


def test_json_has_exactly_the_design_shape(noor: dict) -> None:
    assert list(noor) == ["project", "items", "phases", "totals"]
    assert noor["project"] == "Noor"
    for entry in noor["items"]:
        assert list(entry) == [
            "kind",
            "name",
            "phase",
            "site",
            "energy_kwh",
            "co2e_kg",
            "water_l",
            "co2e_market_kg",
            "cost",
            "currency",
            "boundary",
            "details",
            "provenance",
        ]
        for record in entry["provenance"]:
            assert list(record) == ["quantity", "formula", "inputs", "source", "sources"]
            assert record["sources"] and all(list(s)[:2] == ["kind", "name"] for s in record["sources"])
    for phase in noor["phases"].values():
        assert list(phase) == [
            "energy_kwh",
            "co2e_kg",
            "energy_share",
            "co2e_share",
            "water_l",
            "co2e_market_kg",
            "cost",
        ]
    assert list(noor["totals"]) == ["energy_kwh", "co2e_kg", "water_l", "co2e_market_kg", "cost", "currency"]


# Per phase, within 3 %. Storage: the talk's 6 months are 4,320 to 4,392 hours depending on the
# month lengths; we use 730 h per month (4,380 h), and its model line (300 kWh) does not follow from
# its own inputs (5.7 TB × 11.3 W × 4,380 h = 282 kWh), so our storage is 1,675 kWh against "1.7 MWh".
@pytest.mark.parametrize(
    ("phase", "mwh", "tonnes"),
    [
        ("storage", 1.7, 2.0),
        ("transfer", 1.8, 2.1),
        ("data processing", 2.35, 0.96),
        ("R&D", 10.7, 0.65),
        ("other", 1.0, 0.42),
    ],
)
def test_phases_match_the_talk_within_3_percent(noor: dict, phase: str, mwh: float, tonnes: float) -> None:
    got = noor["phases"][phase]
    assert got["energy_kwh"] / 1000 == pytest.approx(mwh, rel=0.03)
    assert got["co2e_kg"] / 1000 == pytest.approx(tonnes, rel=0.03)


def test_flights_are_6_4_tonnes(noor: dict) -> None:
    assert noor["phases"]["flights"]["co2e_kg"] / 1000 == pytest.approx(6.4, rel=0.03)
    assert noor["phases"]["flights"]["energy_kwh"] == 0.0  # fuel, not grid electricity


# Table 1 of the talk, within 5 %. Its A100-hours are rounded up (3,250 → 3,300; 6,750 → 6,800).
@pytest.mark.parametrize(
    ("name", "pf_days", "a100_hours", "mwh", "tonnes"),
    [
        ("Noor 1.3B", 13.5, 3300, 2.1, 0.13),
        ("Noor 2.7B", 28.1, 6800, 4.8, 2.9),
        ("Noor 6.7B", 69.8, 17000, 11.8, 7.1),
        ("Noor 13B", 135, 33000, 22.9, 13.8),
    ],
)
def test_training_table_within_5_percent(
    noor: dict, name: str, pf_days: float, a100_hours: float, mwh: float, tonnes: float
) -> None:
    run = item(noor, name)
    assert run["details"]["pf_days"] == pytest.approx(pf_days, rel=0.05)
    assert run["details"]["device_hours"] == pytest.approx(a100_hours, rel=0.05)
    assert run["energy_kwh"] / 1000 == pytest.approx(mwh, rel=0.05)
    assert run["co2e_kg"] / 1000 == pytest.approx(tonnes, rel=0.05)


def test_training_flops_are_six_n_d(noor: dict) -> None:
    # 6 × 13e9 × 150e9 = 1.17e22 FLOP, by hand.
    assert item(noor, "Noor 13B")["details"]["flops"] == pytest.approx(1.17e22, rel=1e-12)


def test_inference_economics(noor: dict) -> None:
    serving = item(noor, "Noor 13B serving (prospective)")
    d = serving["details"]
    assert d["tokens_per_hour"] == pytest.approx(72_000, rel=1e-9)  # 3600 s / 0.05 s
    assert d["joules_per_token"] == pytest.approx(26, rel=0.01)  # 470 W × 1.1 × 0.05 s = 25.85 J
    # "3 billion tokens": 22,912.5 kWh × 3.6e6 / 25.85 J = 3.19e9, the talk rounds down (within 7 %).
    assert d["tokens_to_match_training"] == pytest.approx(3e9, rel=0.07)
    assert d["compare_with"] == "Noor 13B"
    # "300.000 tokens per kg": 3.6e6 / (25.85 × 0.475) = 293,189 (within 3 %).
    assert d["tokens_per_kg_co2e"] == pytest.approx(300_000, rel=0.03)
    # 4.5e9 words/day at 2 tokens per word (stated in the file, shown in the details) → 30 t/day.
    assert d["tokens_per_word"] == 2.0
    assert d["co2e_kg_per_day"] / 1000 == pytest.approx(30, rel=0.03)


def test_inference_without_volume_is_not_billed(noor: dict) -> None:
    serving = item(noor, "Noor 13B serving (prospective)")
    assert serving["energy_kwh"] is None and serving["co2e_kg"] is None
    assert "inference" not in noor["phases"]


def test_totals_and_shares_within_1_percent(noor: dict) -> None:
    totals, phases = noor["totals"], noor["phases"]
    assert totals["energy_kwh"] / 1000 == pytest.approx(59.14, rel=0.01)
    assert totals["co2e_kg"] / 1000 == pytest.approx(36.5, rel=0.01)
    # "70% went for training", "65% went for training and 18% for international flights":
    # shares within one percentage point of the talk's rounded percentages.
    assert phases["training"]["energy_share"] == pytest.approx(0.70, abs=0.01)
    assert phases["training"]["co2e_share"] == pytest.approx(0.65, abs=0.01)
    assert phases["flights"]["co2e_share"] == pytest.approx(0.18, abs=0.01)


def test_every_number_has_provenance(noor: dict) -> None:
    for entry in noor["items"]:
        quantities = {record["quantity"] for record in entry["provenance"]}
        if entry["energy_kwh"] is not None:
            assert {"energy_kwh", "co2e_kg"} <= quantities, entry["name"]
        for key, value in entry["details"].items():
            if isinstance(value, float | int):
                assert f"details.{key}" in quantities, (entry["name"], key)
