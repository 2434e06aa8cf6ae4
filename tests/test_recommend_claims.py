"""Issue 14 (4, 11): recommendations claim only what they change.

- Relocating to a grid keeps each site's PUE: a cloud site (AWS us-east-1, CCF PUE 1.135) moved to
  France's grid saves no energy; its CO2e falls from 270.5 (eGRID2023 SRVC) to 40.48 g/kWh (OWID/Ember
  France 2024). Before, the PUE fell to the 1.0 of a bare grid and a kWh "saving" was claimed.
- Relocating to a cloud region takes that provider's PUE, stated under "Defaults used".
- Travel that is a large share of the CO2e gets a flight recommendation even for a single trip.
"""

from __future__ import annotations

import pytest

from energybill import Overrides, Pipeline
from energybill.report.rows import defaults_used

CLOUD = """
[project]
name = "Cloud"

[sites.virginia]
region = "aws:us-east-1"

[[compute]]
name = "job"
phase = "training"
site = "virginia"
devices = 8
hours = 100
watts_per_device = 700
host_watts_per_device = 575
"""


def test_relocating_to_a_grid_keeps_the_cloud_pue(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(CLOUD)
    pipe = Pipeline.open(path)
    energy = 8 * 100 * (700 + 575) / 1000 * 1.135  # kWh: device-h × W / 1000 × AWS PUE
    assert pipe.bill().totals.energy_kwh == pytest.approx(energy)
    advice = next(r for r in pipe.recommendations() if r.practice == "cleaner grid")
    assert advice.energy_kwh_saved == pytest.approx(0.0, abs=1e-9)
    assert advice.co2e_kg_saved == pytest.approx(energy * (270.5 - 40.48) / 1000)
    assert "each site keeping its PUE" in advice.action
    moved = pipe.bill(Overrides(relocate="FR"))
    assert moved.totals.energy_kwh == pytest.approx(energy)


def test_relocating_to_a_cloud_region_takes_its_stated_pue(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(CLOUD.replace('region = "aws:us-east-1"', "pue = 1.5\ncarbon_intensity_g_per_kwh = 500"))
    moved = Pipeline.open(path).bill(Overrides(relocate="azure:canadaeast"))
    energy = 8 * 100 * (700 + 575) / 1000 * 1.185  # Azure's CCF PUE replaces the site's 1.5
    assert moved.totals.energy_kwh == pytest.approx(energy)
    assert moved.totals.co2e_kg == pytest.approx(energy * 1.5 / 1000)  # Quebec, 1.5 g/kWh
    assert any(line.startswith("PUE 1.185 of azure") for line in defaults_used(moved))


TRIP = """
[project]
name = "One trip"

[sites.lab]
pue = 1.2
carbon_intensity_g_per_kwh = 50

[[compute]]
name = "job"
phase = "training"
site = "lab"
device_hours = 100
watts_per_device = 300
host_watts_per_device = 0

[[travel]]
name = "conference"
distance_km = 9000
round_trip = true
travelers = 2
kg_co2e_per_passenger_km = 0.15
"""


def test_a_single_trip_that_dominates_gets_a_flight_recommendation(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(TRIP)
    pipe = Pipeline.open(path)
    flight_kg = 9000 * 2 * 2 * 0.15  # 5,400 kg
    compute_kg = 100 * 300 / 1000 * 1.2 * 50 / 1000  # 1.8 kg
    assert pipe.bill().totals.co2e_kg == pytest.approx(flight_kg + compute_kg)
    advice = next(r for r in pipe.recommendations() if r.practice == "fewer flights")
    assert advice.co2e_kg_saved == pytest.approx(flight_kg)
    assert "travel is 100% of the CO2e" in advice.action and "'conference'" in advice.action


def test_a_small_trip_gets_none(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(TRIP.replace("distance_km = 9000", "distance_km = 1").replace("device_hours = 100",
                                                                                   "device_hours = 1e6"))
    assert "fewer flights" not in [r.practice for r in Pipeline.open(path).recommendations()]
