"""Bills that use the catalog: BLOOM's published life-cycle figures, the Noor project by region."""

from __future__ import annotations

import subprocess
import sys

import pytest

from catalog_helpers import EXAMPLES, ROOT, run_cli
from conftest import MINI_PROJECT
from energybill.estimate.engine import estimate
from energybill.project.load import load_project

# Luccioni, Viguier, Ligozat 2022 (arXiv:2211.02001), Table 2 and §4, tonnes CO2e.
BLOOM_T = {
    "Dynamic consumption (GPUs)": 24.69,
    "Idle consumption and infrastructure": 14.6,
    "Embodied: A100 GPUs": 3.64,
    "Embodied: servers (without GPUs)": 7.57,
}


def test_bloom_reproduces_the_published_life_cycle_figures():
    bill = estimate(load_project(EXAMPLES / "bloom.toml"))
    for name, tonnes in BLOOM_T.items():
        assert bill.item(name).co2e_kg / 1000 == pytest.approx(tonnes, rel=0.01), name
    assert bill.totals.co2e_kg / 1000 == pytest.approx(50.5, rel=0.01)
    # By hand: 1,082,990 h × 400 W = 433,196 kWh; × 57 g/kWh = 24,692 kg
    assert bill.item("Dynamic consumption (GPUs)").energy_kwh == pytest.approx(433_196.0)
    # 150 kg × 1,082,990 h / (6 × 8,760 h × 0.85) = 3,636 kg
    assert bill.item("Embodied: A100 GPUs").co2e_kg == pytest.approx(150 * 1_082_990 / (6 * 8760 * 0.85))
    assert bill.item("Embodied: A100 GPUs").energy_kwh == 0.0
    sources = " ".join(p.source for p in bill.item("Embodied: A100 GPUs").provenance)
    assert "Luccioni" in sources and "bloom_gpu" in sources


def test_noor_catalog_uses_regions_devices_and_airports():
    bill = estimate(load_project(EXAMPLES / "noor-catalog.toml"))
    talk = estimate(load_project(EXAMPLES / "noor.toml"))
    # Energy does not depend on the grid: same devices at the same 400 W TDP, same PUEs except
    # the GCP region's (CCF's 1.09 instead of the talk's 1.1).
    for name in ("Noor 13B", "R&D experiments", "Curated data"):
        assert bill.item(name).energy_kwh == pytest.approx(talk.item(name).energy_kwh)
    ccnet = bill.item("CCNet processing")
    assert ccnet.energy_kwh == pytest.approx(16 * 381 * 350 / 1000 * 1.09)
    assert ccnet.co2e_kg == pytest.approx(ccnet.energy_kwh * 236 / 1000)  # Google's europe-west4
    assert bill.item("Noor 13B").co2e_kg == pytest.approx(22_912.5 * 467.51 / 1000)  # UAE 2024
    flight = bill.item("Paris–Abu Dhabi collaboration flights")
    distance = flight.details["great_circle_km"]
    passenger_km = distance * 2 * 4 * 3
    assert flight.co2e_kg == pytest.approx(passenger_km * (0.10916 + 0.01656))
    # The talk's 6.4 t over the same passenger-km is about 51 g per passenger-km
    assert 6400 / passenger_km == pytest.approx(0.0508, rel=0.01)
    assert flight.co2e_kg / talk.item("Paris–Abu Dhabi collaboration flights").co2e_kg == pytest.approx(
        2.47, 0.01
    )


def test_cloud_pue_default_is_listed_as_an_assumption():
    result = run_cli("bill", "examples/noor-catalog.toml")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Defaults used" in out and "PUE 1.09 of gcp:europe-west4" in out
    assert "Catalog values used" in out
    assert "OWID/Ember 2024: Bahrain 902.24 gCO2e/kWh" in out
    assert "economy cabin" in out and "radiative forcing" in out


_LAZY_CHECK = """
import sys
from energybill.cli.main import main
sys.argv = ["energybill", "bill", sys.argv[1], "--format", "json"]
try:
    main()
except SystemExit:
    pass
# the catalog's package may be imported (its error type is cheap); its data files must not be read
tables = sys.modules.get("energybill.catalog.tables")
print("LOADED", ",".join(tables.loaded() if tables else []) or "-")
"""


def _loaded(example: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", _LAZY_CHECK, example], capture_output=True, text=True, cwd=ROOT
    )
    return out.stdout.strip().splitlines()[-1]


def test_a_bill_without_catalog_references_never_reads_the_catalog(tmp_path):
    # the JSON bill: the table view's clean-grid advice reads France's intensity from the catalog
    import_only = subprocess.run(
        [sys.executable, "-c", "import energybill, sys; print('energybill.catalog' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert import_only.stdout.strip() == "False"
    mini = tmp_path / "mini.toml"
    mini.write_text(MINI_PROJECT, encoding="utf-8")
    assert _loaded(str(mini)) == "LOADED -"
    # Noor names catalog countries for its water (water_country) and reads only what that needs
    assert _loaded("examples/noor.toml") == "LOADED water,grid,sources"


def test_a_bill_loads_only_the_tables_it_uses():
    loaded = set(_loaded("examples/bloom.toml").removeprefix("LOADED ").split(","))
    assert loaded == {"hardware", "embodied", "sources"}  # no grid, airports, CPUs or cloud


def _bill(tmp_path, text: str):
    path = tmp_path / "p.toml"
    path.write_text('[project]\nname = "x"\n' + text, encoding="utf-8")
    return estimate(load_project(path))


def test_flight_options_choose_the_desnz_row(tmp_path):
    no_rf = _bill(tmp_path, '[[travel]]\nname = "f"\nfrom = "CDG"\nto = "AUH"\nradiative_forcing = false\n')
    item = no_rf.items[0]
    assert item.co2e_kg == pytest.approx(item.details["great_circle_km"] * (0.06449 + 0.01656))
    uk = _bill(tmp_path, '[[travel]]\nname = "f"\nfrom = "LHR"\nto = "JFK"\ncabin = "business"\n')
    assert uk.items[0].details["haul"] == "Long-haul, to/from UK"
    assert uk.items[0].details["kg_co2e_per_passenger_km"] == pytest.approx(0.3394 + 0.07137)
    domestic = _bill(tmp_path, '[[travel]]\nname = "f"\nfrom = "LHR"\nto = "EDI"\n')
    assert domestic.items[0].details["kg_co2e_per_passenger_km"] == pytest.approx(0.22928 + 0.0335)
    sources = " ".join(p.source for p in domestic.items[0].provenance)
    assert "only an average-passenger factor" in sources


def test_cloud_region_year_and_pue(tmp_path):
    text = '[sites.g]\nregion = "gcp:europe-west9"\n{extra}'
    text += '[[other]]\nname = "o"\nsite = "g"\nenergy_kwh = 1000\n'
    google = _bill(tmp_path, text.format(extra=""))
    assert google.items[0].co2e_kg == pytest.approx(34.0)  # Google's Paris figure, 34 g/kWh
    france_2022 = _bill(tmp_path, text.format(extra="year = 2022\n"))
    assert france_2022.items[0].co2e_kg == pytest.approx(78.54)  # France 2022, OWID/Ember
    compute = _bill(
        tmp_path,
        '[sites.a]\nregion = "aws:eu-west-3"\n[[compute]]\nname = "c"\nphase = "p"\nsite = "a"\n'
        'device_hours = 1000\ndevice = "H100 SXM"\n',
    )
    # 1,000 h × (700 W + host 575 W) × PUE 1.135 (AWS, CCF) × France 2024 40.48 g/kWh; the host
    # default is DGX H100's: (10,200 − 8 × 700) / 8 = 575 W per GPU (issue 14, 2)
    assert compute.items[0].energy_kwh == pytest.approx(1275 * 1.135)
    assert compute.items[0].co2e_kg == pytest.approx(1275 * 1.135 * 40.48 / 1000)
    assert compute.items[0].details["device"] == "NVIDIA H100 SXM5 80GB"
