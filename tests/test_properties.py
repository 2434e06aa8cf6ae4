"""Invariants of the engine, checked with hypothesis over generated projects."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from energybill.estimate.engine import estimate
from energybill.project.load import parse_project

amount = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
pue = st.floats(min_value=1.0, max_value=3.0)
intensity = st.floats(min_value=0.0, max_value=1500.0)
factor = st.floats(min_value=0.1, max_value=10.0)


def project(p: float, g: float, n: float, hours: float, devices: int, tokens: float, kg: float) -> dict:
    return {
        "project": {"name": "h"},
        "sites": {"a": {"pue": p, "carbon_intensity_g_per_kwh": g}, "b": {"carbon_intensity_g_per_kwh": 300}},
        "storage": [{"name": "s", "site": "a", "terabytes": n, "hours": hours, "watts_per_tb": 10}],
        "compute": [
            {
                "name": "c",
                "phase": "R&D",
                "site": "b",
                "devices": devices,
                "hours": hours,
                "watts_per_device": 300,
            }
        ],
        "training": [
            {
                "name": "t",
                "site": "a",
                "parameters": 1e9,
                "tokens": tokens,
                "tflops_per_device": 100,
                "watts_per_device": 400,
            }
        ],
        "travel": [{"name": "f", "co2e_kg": kg}],
    }


def bill(**kwargs: float):
    defaults = {"p": 1.2, "g": 400.0, "n": 5.0, "hours": 100.0, "devices": 8, "tokens": 1e10, "kg": 100.0}
    return estimate(parse_project(project(**{**defaults, **kwargs}), "h.toml"))


@settings(max_examples=60, deadline=None)
@given(p=pue, g=intensity, n=amount, hours=amount, devices=st.integers(1, 512), tokens=amount, kg=amount)
def test_totals_equal_the_sum_of_items_and_shares_sum_to_one(p, g, n, hours, devices, tokens, kg) -> None:
    b = bill(p=p, g=g, n=n, hours=hours, devices=devices, tokens=tokens * 1e6, kg=kg)
    assert b.totals.energy_kwh == pytest.approx(sum(i.energy_kwh for i in b.items if i.billed))
    assert b.totals.co2e_kg == pytest.approx(sum(i.co2e_kg for i in b.items if i.billed))
    assert sum(ph.energy_share for ph in b.phases.values()) == pytest.approx(1.0)
    assert sum(ph.co2e_share for ph in b.phases.values()) == pytest.approx(1.0)
    assert sum(ph.energy_kwh for ph in b.phases.values()) == pytest.approx(b.totals.energy_kwh)


@settings(max_examples=60, deadline=None)
@given(tokens=amount, k=factor)
def test_training_energy_is_linear_in_tokens(tokens: float, k: float) -> None:
    one, scaled = bill(tokens=tokens * 1e6).item("t"), bill(tokens=tokens * 1e6 * k).item("t")
    assert scaled.energy_kwh == pytest.approx(one.energy_kwh * k, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(hours=amount, k=factor, devices=st.integers(1, 256), m=st.integers(1, 8))
def test_compute_and_storage_energy_is_linear_in_hours_and_devices(hours, k, devices, m) -> None:
    base = bill(hours=hours, devices=devices)
    longer = bill(hours=hours * k, devices=devices)
    wider = bill(hours=hours, devices=devices * m)
    assert longer.item("c").energy_kwh == pytest.approx(base.item("c").energy_kwh * k, rel=1e-9)
    assert longer.item("s").energy_kwh == pytest.approx(base.item("s").energy_kwh * k, rel=1e-9)
    assert wider.item("c").energy_kwh == pytest.approx(base.item("c").energy_kwh * m, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(g=intensity, drop=st.floats(min_value=0.0, max_value=1.0))
def test_co2e_never_rises_when_an_intensity_falls(g: float, drop: float) -> None:
    high, low = bill(g=g), bill(g=g * drop)
    assert low.totals.co2e_kg <= high.totals.co2e_kg + 1e-9
    assert math.isclose(low.totals.energy_kwh, high.totals.energy_kwh)
    for before, after in zip(high.items, low.items, strict=True):
        assert after.co2e_kg <= before.co2e_kg + 1e-9
