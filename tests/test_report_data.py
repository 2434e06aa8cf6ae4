"""ReportData: built once from the Noor bill, with values worked out by hand from the talk's inputs."""

from __future__ import annotations

import math

import pytest
from tests.report_helpers import noor_report

from energybill.report.data import MeasuredRow, RangeRow


def test_totals_and_phases_are_the_bills() -> None:
    data = noor_report()
    assert data.energy_kwh == data.bill.totals.energy_kwh
    assert data.co2e_kg == data.bill.totals.co2e_kg
    assert [p.name for p in data.phases] == list(data.bill.phases)
    for row in data.phases:
        assert row.energy_kwh == data.bill.phases[row.name].energy_kwh
        assert sum(i.energy_kwh for i in row.items) == pytest.approx(row.energy_kwh, rel=1e-12)


def test_items_are_ranked_by_co2e() -> None:
    data = noor_report()
    # Talk's training table: 13B 13.75 t, 6.7B 7.09 t, then the flights' 6.4 t, then 2.7B 2.86 t.
    assert [row.name for row in data.ranked[:4]] == [
        "Noor 13B",
        "Noor 6.7B",
        "Paris–Abu Dhabi collaboration flights",
        "Noor 2.7B",
    ]
    assert [row.rank for row in data.ranked] == list(range(1, 17))
    co2e = [row.co2e_kg for row in data.ranked]
    assert co2e == sorted(co2e, reverse=True)
    # The prospective inference item has no volume: shown, never ranked.
    assert data.unbilled == ("Noor 13B serving (prospective)",)
    top = data.ranked[0]
    assert top.co2e_share == pytest.approx(13_747.5 / 36_371.05686, rel=1e-9)


def test_equivalents_by_hand() -> None:
    data = noor_report()
    homes, cars, flights = data.equivalents
    assert homes.value == pytest.approx(58_993.9028 / 10_715, rel=1e-9)  # 5.51 home-years
    assert cars.value == pytest.approx(36_371.05686 / 4_600, rel=1e-9)  # 7.91 car-years
    # One economy return flight CDG–JFK: 2 × great circle × (0.10916 + 0.01656) kg/pkm (DESNZ 2025),
    # the great circle by haversine (IUGG mean radius 6,371.0088 km) on airportsdata's coordinates.
    lat1, lon1, lat2, lon2 = map(math.radians, (49.0128, 2.55, 40.639928, -73.778692))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371.0088 * math.asin(math.sqrt(a))
    assert km == pytest.approx(5_833.6, abs=0.05)
    assert flights.factor == pytest.approx(2 * km * (0.10916 + 0.01656), rel=1e-12)
    assert flights.value == pytest.approx(24.796, rel=1e-4)
    assert all(e.source and e.formula for e in data.equivalents)


def test_training_summary_for_the_model_card() -> None:
    training = noor_report().training
    assert training is not None
    # device-hours = 6·N·D / (100 TFLOP/s × 3600 s): 3,250 + 6,750 + 16,750 + 32,500.
    assert training.device_hours == pytest.approx(59_250.0, rel=1e-12)
    assert training.energy_kwh == pytest.approx(2_062.125 + 4_758.75 + 11_808.75 + 22_912.5, rel=1e-12)
    assert training.co2e_kg == pytest.approx(123.7275 + 2_855.25 + 7_085.25 + 13_747.5, rel=1e-12)
    assert [s.name for s in training.sites] == ["meluxina", "noor-hpc"]
    # Noor 1.3B gives no device count; the three models on noor-hpc give 160.
    each = "accelerators of 400 W + 70 W host share each"
    assert training.hardware == f"{each}; 160 × {each}"


def test_sites_keep_their_sources() -> None:
    sites = {s.name: s for s in noor_report().sites}
    assert list(sites) == ["aws-bahrain", "gcp-netherlands", "meluxina", "noor-hpc", "serving", "offices"]
    hpc = sites["noor-hpc"]
    assert (hpc.pue, hpc.carbon_intensity_g_per_kwh, hpc.items) == (1.5, 600.0, 3)
    assert hpc.pue_source == "project file: sites.noor-hpc.pue"
    assert hpc.intensity_source == "project file: sites.noor-hpc.carbon_intensity_g_per_kwh"


def test_optional_sections_are_empty_by_default() -> None:
    data = noor_report()
    assert (data.scenarios, data.ranges, data.measured, data.recommendations) == ((), None, (), ())


def test_range_rows_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="p5 <= p50 <= p95"):
        RangeRow("Total", "co2e_kg", 10.0, 12.0, 11.0, 13.0)


def test_measured_ratio() -> None:
    assert MeasuredRow("x", 200.0, 250.0, "NVML energy counter", 2).ratio == 1.25
    assert MeasuredRow("x", 0.0, 250.0, "NVML energy counter", 1).ratio == 0.0


def test_site_years_come_from_the_catalog_value_used() -> None:
    from pathlib import Path

    from energybill.estimate.engine import estimate
    from energybill.estimate.site import site_contexts
    from energybill.project.load import load_project
    from energybill.report.data import build_report

    project = load_project(Path(__file__).parents[1] / "examples" / "noor-catalog.toml")
    sites = {row.name: row for row in build_report(estimate(project), project, site_contexts(project)).sites}
    # region = "BH" with no year: the latest complete OWID year, 2024, not "—"
    assert sites["aws-bahrain"].year == "2024"
    assert sites["aws-bahrain"].carbon_intensity_g_per_kwh == pytest.approx(902.24)
    assert {row.year for row in noor_report().sites} == {None}  # hand-written intensities have no year
