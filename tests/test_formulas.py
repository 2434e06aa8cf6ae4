"""Each item kind's formula against a computation done by hand in the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from energybill.estimate.engine import estimate
from energybill.project.load import parse_project

SITES = {
    "dc": {"pue": 1.5, "carbon_intensity_g_per_kwh": 400},
    "plug": {"carbon_intensity_g_per_kwh": 100},  # no pue: defaults to 1.0, and says so
}


def bill_of(**tables: Any):
    return estimate(parse_project({"project": {"name": "t"}, "sites": SITES, **tables}, "t.toml"))


def test_storage_applies_pue_unless_included() -> None:
    item = {"name": "s", "site": "dc", "terabytes": 10, "months": 2, "watts_per_tb": 5}
    bill = bill_of(storage=[item, {**item, "name": "s2", "pue_included": True}])
    # 10 TB × 5 W × (2 × 730 h) = 73,000 Wh = 73 kWh; × PUE 1.5 = 109.5 kWh; × 0.4 kg = 43.8 kg
    assert bill.item("s").energy_kwh == pytest.approx(109.5)
    assert bill.item("s").co2e_kg == pytest.approx(43.8)
    assert bill.item("s2").energy_kwh == pytest.approx(73.0)


def test_transfer_counts_copies() -> None:
    bill = bill_of(transfer=[{"name": "t", "site": "dc", "terabytes": 4, "copies": 3, "kwh_per_tb": 6.38}])
    # 4 × 3 × 6.38 = 76.56 kWh (PUE inside the factor); 76.56 × 0.4 = 30.624 kg
    assert bill.item("t").energy_kwh == pytest.approx(76.56)
    assert bill.item("t").co2e_kg == pytest.approx(30.624)


def test_compute_devices_hours_and_device_hours_agree() -> None:
    a = {"name": "a", "phase": "p", "site": "dc", "devices": 16, "hours": 381, "watts_per_device": 350}
    b = {
        "name": "b",
        "phase": "p",
        "site": "dc",
        "device_hours": 16 * 381,
        "watts_per_device": 300,
        "host_watts_per_device": 50,
    }
    bill = bill_of(compute=[a, b])
    # 16 × 381 h × 350 W = 2,133.6 kWh × 1.5 = 3,200.4 kWh
    assert bill.item("a").energy_kwh == pytest.approx(3200.4)
    assert bill.item("b").energy_kwh == pytest.approx(3200.4)
    assert bill.item("a").details["device_hours"] == 6096


def test_training_flops_pf_days_hours_energy() -> None:
    item = {
        "name": "r",
        "site": "dc",
        "parameters": 2e9,
        "tokens": 1e11,
        "tflops_per_device": 150,
        "watts_per_device": 700,
        "host_watts_per_device": 100,
        "devices": 64,
    }
    details = (bill := bill_of(training=[item])).item("r").details
    assert details["flops"] == pytest.approx(1.2e21)  # 6 × 2e9 × 1e11
    assert details["pf_days"] == pytest.approx(1.2e21 / 8.64e19)  # 13.888…
    hours = 1.2e21 / (150e12 * 3600)  # 2,222.2 device-hours
    assert details["device_hours"] == pytest.approx(hours)
    assert details["wall_clock_days"] == pytest.approx(hours / 64 / 24)
    assert bill.item("r").energy_kwh == pytest.approx(hours * 0.8 * 1.5)


def test_inference_economics_and_billing_by_volume() -> None:
    base = {"site": "dc", "tokens_per_second": 100, "watts_per_device": 300, "devices": 2}
    bill = bill_of(
        inference=[
            {**base, "name": "none"},
            {**base, "name": "total", "tokens": 7.2e6},
            {**base, "name": "words", "words": 3e6},
            {**base, "name": "daily", "tokens_per_day": 1e6, "days": 10},
        ]
    )
    # 2 × 300 W × 1.5 / 100 tokens/s = 9 J per token
    assert bill.item("none").details["joules_per_token"] == pytest.approx(9.0)
    assert bill.item("none").energy_kwh is None
    assert bill.item("total").energy_kwh == pytest.approx(7.2e6 * 9 / 3.6e6)  # 18 kWh
    # words without a ratio use the default 4/3 tokens per word, recorded in the details
    assert bill.item("words").details["tokens_per_word"] == pytest.approx(4 / 3)
    assert bill.item("words").energy_kwh == pytest.approx(3e6 * 4 / 3 * 9 / 3.6e6)  # 10 kWh
    assert bill.item("daily").energy_kwh == pytest.approx(1e7 * 9 / 3.6e6)  # 25 kWh
    assert bill.item("daily").details["co2e_kg_per_day"] == pytest.approx(1e6 * 9 / 3.6e6 * 0.4)
    # tokens per kg at 400 g/kWh: 1 kg = 2.5 kWh = 9e6 J → 1e6 tokens
    assert bill.item("none").details["tokens_per_kg_co2e"] == pytest.approx(1e6)
    assert "inference" in bill.phases  # billed items make a phase; the unbilled one adds nothing
    assert bill.phases["inference"].energy_kwh == pytest.approx(18 + 10 + 25)


def test_inference_compares_with_the_largest_training_by_default() -> None:
    run = {"site": "dc", "tokens": 1e9, "tflops_per_device": 100, "watts_per_device": 400}
    bill = bill_of(
        training=[{**run, "name": "small", "parameters": 1e8}, {**run, "name": "big", "parameters": 1e9}],
        inference=[
            {"name": "i", "site": "dc", "seconds_per_token": 0.1, "batch_size": 4, "watts_per_device": 400}
        ],
    )
    details = bill.item("i").details
    assert details["compare_with"] == "big"
    # 400 W × 1.5 × 0.1 s / 4 = 15 J/token
    assert details["tokens_to_match_training"] == pytest.approx(bill.item("big").energy_kwh * 3.6e6 / 15)


def test_travel_and_other() -> None:
    bill = bill_of(
        travel=[
            {
                "name": "f",
                "distance_km": 1000,
                "round_trip": True,
                "travelers": 2,
                "trips": 3,
                "kg_co2e_per_passenger_km": 0.1,
            },
            {"name": "g", "co2e_kg": 50},
        ],
        other=[{"name": "o", "site": "plug", "energy_kwh": 200}, {"name": "p", "co2e_kg": 7}],
    )
    assert bill.item("f").co2e_kg == pytest.approx(1000 * 2 * 2 * 3 * 0.1)  # 1,200 kg
    assert bill.item("f").energy_kwh == 0.0
    assert bill.item("g").co2e_kg == 50
    assert bill.item("o").co2e_kg == pytest.approx(20.0)  # 200 kWh × 100 g, no PUE on plug energy
    assert bill.item("p").energy_kwh == 0.0


def test_default_pue_is_recorded_as_a_default() -> None:
    bill = bill_of(
        compute=[{"name": "c", "phase": "p", "site": "plug", "device_hours": 10, "watts_per_device": 100}]
    )
    assert bill.item("c").energy_kwh == pytest.approx(1.0)
    sources = " ".join(record.source for record in bill.item("c").provenance)
    assert "default: PUE 1.0" in sources


def test_public_api_bills_a_project_file() -> None:
    import energybill
    import energybill.estimate.engine  # the subpackage must not shadow the public function

    bill = energybill.estimate_bill(
        energybill.load_project(Path(__file__).parents[1] / "examples" / "noor.toml")
    )
    assert isinstance(bill, energybill.Bill)
    assert bill.item("Noor 13B").energy_kwh == pytest.approx(32500 * 0.47 * 1.5)  # 22,912.5 kWh
