"""Real values from the shipped catalog, checked against the source files and published figures."""

from __future__ import annotations

import csv
import math

import pytest

from catalog_helpers import SHARED_DATA
from energybill.catalog import CatalogError, airport, device_tdp, flight_factor, grid_intensity
from energybill.catalog.hardware import accelerator

needs_sources = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"source data not at {SHARED_DATA}")


def _owid(entity: str, year: int) -> float:
    with (SHARED_DATA / "grid_intensity_country_yearly_owid.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Entity"] == entity and row["Year"] == str(year):
                return float(row["Carbon intensity of electricity per kWh"])
    raise LookupError(entity)


# Values read by hand from grid_intensity_country_yearly_owid.csv (OWID/Ember 2025 edition).
@pytest.mark.parametrize(
    ("query", "year", "entity", "expected"),
    [
        ("FR", None, "France", 40.48),  # default: 2024, the latest complete year
        ("FRA", 2022, "France", 78.54),
        ("france", 2024, "France", 40.48),
        ("Bahrain", None, "Bahrain", 902.24),
        ("NL", None, "Netherlands", 250.72),
        ("World", None, "World", 471.08),
        ("OWID_WRL", 2022, "World", 489.52),
    ],
)
def test_grid_intensity(query, year, entity, expected):
    value = grid_intensity(query, year)
    assert value.value == expected
    assert value.year == str(year or 2024)
    assert value.cite() == f"OWID/Ember {year or 2024}: {entity} {expected:g} gCO2e/kWh"
    if SHARED_DATA.is_dir():
        assert value.value == _owid(entity, year or 2024)


def test_preliminary_and_missing_years_are_said():
    assert "preliminary" in grid_intensity("FR", 2025).note
    ukraine = grid_intensity("UA")  # OWID's Ukraine series ends in 2022
    assert ukraine.year == "2022" and "default 2024 is missing" in ukraine.note


def _epoch(name: str, column: str) -> float:
    with (SHARED_DATA / "accelerators_epoch_ml_hardware.csv").open(newline="") as handle:
        return next(float(r[column]) for r in csv.DictReader(handle) if r["Hardware name"] == name)


def test_h100_sxm_tdp_and_bf16_peak():
    tdp = device_tdp("H100 SXM")
    assert tdp.value == 700.0 and tdp.source_key == "epoch"
    entry, source_key = accelerator("H100 SXM")
    assert entry["name"] == "NVIDIA H100 SXM5 80GB" and source_key == "epoch"
    assert entry["bf16_flops"] == pytest.approx(989.4e12)  # NVIDIA: 989 TFLOP/s dense BF16
    if SHARED_DATA.is_dir():
        assert entry["bf16_flops"] == _epoch(entry["name"], "Tensor-FP16/BF16 performance (FLOP/s)")
        assert tdp.value == _epoch(entry["name"], "TDP (W)")


def test_a100_tdp_and_fallback_label():
    assert device_tdp("A100").value == 400.0  # Epoch's "NVIDIA A100" entry, an exact name
    assert device_tdp("A100 PCIe").value == 300.0
    l40s = device_tdp("L40S")  # not in Epoch's data: mlco2/impact, labelled
    assert l40s.value == 350.0 and l40s.source_key == "mlco2_gpus" and "fallback" in l40s.note


def test_ambiguous_and_unknown_names():
    with pytest.raises(CatalogError, match="'NVIDIA H100 NVL', 'NVIDIA H100 PCIe', 'NVIDIA H100 SXM5 80GB'"):
        device_tdp("H100")
    with pytest.raises(CatalogError, match="nearest: 'France"):
        grid_intensity("Frnace")
    with pytest.raises(CatalogError, match="available years: 1990–2025"):
        grid_intensity("FR", 2030)
    with pytest.raises(CatalogError, match="available years: 1990–2025"):
        grid_intensity("FR", 1980)


def test_a_year_just_after_the_data_bills_at_the_newest_figure_and_says_so():
    # issue 14 (11): a 2026 project; OWID's newest France figure is 2025's 41.44 g/kWh (preliminary)
    value = grid_intensity("FR", 2026)
    assert value.value == 41.44 and value.year == "2025"
    assert "no 2026 figure yet" in value.note and "preliminary" in value.note


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Written out independently: d = 2R·asin(√(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2))), R = 6371.0088 km
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_cdg_auh_great_circle():
    from energybill.catalog.flights import great_circle_km

    cdg, auh = airport("CDG"), airport("auh")
    assert (cdg.lat, cdg.lon, auh.lat, auh.lon) == (49.0128, 2.55, 24.433, 54.6511)
    expected = _haversine_km(49.0128, 2.55, 24.433, 54.6511)
    assert great_circle_km(cdg, auh) == pytest.approx(expected, rel=1e-12)
    assert 5240 < expected < 5260  # the talk's example file uses 5,252 km
    if SHARED_DATA.is_dir():
        with (SHARED_DATA / "airports_iata_airportsdata.csv").open(newline="") as handle:
            rows = {r["iata"]: r for r in csv.DictReader(handle) if r["iata"] in ("CDG", "AUH")}
        assert float(rows["CDG"]["lat"]) == cdg.lat and float(rows["AUH"]["lon"]) == auh.lon


def test_desnz_factor_is_direct_plus_well_to_tank():
    value = flight_factor("International, to/from non-UK", "economy", True)
    assert value.value == pytest.approx(0.10916 + 0.01656)
    assert flight_factor("Long-haul, to/from UK", "first", False).value == pytest.approx(0.27701 + 0.09844)
    with pytest.raises(CatalogError, match="available cabins: average, economy, business"):
        flight_factor("Short-haul, to/from UK", "first", True)


def test_embodied_entries_keep_a_caveat_for_users_not_their_editors_note():
    from energybill.catalog import embodied_factor

    gpu = embodied_factor("bloom_gpu")
    assert gpu.value == 150.0 and gpu.year == "2022" and "not checked against its text" in gpu.note
    assert "before release" not in gpu.cite()  # issue 14 (9): the file's note to its editors
    h100 = embodied_factor("nvidia_h100_80gb")  # issue 14 (11): NVIDIA HGX H100 PCF, 164 kg per GPU
    assert h100.value == 164.0 and h100.source_key == "nvidia_pcf" and "second-hand" in h100.note
    assert embodied_factor("H100 80GB").value == 164.0
    assert embodied_factor("bloom_server").value == 2500.0
    with pytest.raises(CatalogError, match=r"'bloom_gpu: NVIDIA A100 \(one GPU\)'.*'chien2023_a100"):
        embodied_factor("A100")
