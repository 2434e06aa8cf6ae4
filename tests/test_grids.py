"""Issue 14 (1, 9, 11): cloud regions and sites on their own grid zone, one region resolver.

Values worked out by hand from shared/data/grid_intensity_subnational.csv (eGRID2023 rev2 SRC2ERTA,
lb CO2e/MWh × 0.45359237 = g/kWh, rounded to 0.1 g by the file) and cloud_region_grid_zones.csv:
    AWS us-west-2  → NWPP 635.267 lb/MWh → 288.2 g/kWh (data year 2023)
    AWS us-east-1  → SRVC 596.326 lb/MWh → 270.5 g/kWh (2023)
    Azure canadaeast → Quebec (NIR 2021, year 2019) 1.5 g/kWh
Each site runs one compute item: 10 devices × 100 h × 500 W = 500 kWh of IT energy, at the
provider's CCF PUE (AWS 1.135, Azure 1.185).
"""

from __future__ import annotations

import json

import pytest

from energybill import estimate_file
from energybill.catalog.errors import CatalogError
from energybill.catalog.regions import region_values

PROJECT = """
[project]
name = "Cloud regions"

[sites.oregon]
region = "aws:us-west-2"

[sites.virginia]
region = "us-east-1"            # one provider has this name: no prefix needed

[sites.quebec]
region = "azure:canadaeast"

[sites.paris]
region = "aws:eu-west-3"        # no zone data: France's average, and the bill says so

{items}
"""
ITEM = """
[[compute]]
name = "{site} job"
phase = "training"
site = "{site}"
devices = 10
hours = 100
watts_per_device = 500
"""


@pytest.fixture
def bill(tmp_path):
    items = "".join(ITEM.format(site=s) for s in ("oregon", "virginia", "quebec", "paris"))
    path = tmp_path / "cloud.toml"
    path.write_text(PROJECT.format(items=items))
    return estimate_file(path)


def _intensity_source(item):
    record = next(r for r in item.provenance if r.quantity == "co2e_kg")
    return next(s for s in record.sources if s.kind == "catalog")


@pytest.mark.parametrize(
    ("site", "pue", "g_per_kwh", "source", "year", "zone"),
    [
        ("oregon", 1.135, 288.2, "EPA eGRID2023", "2023", "NWPP"),
        ("virginia", 1.135, 270.5, "EPA eGRID2023", "2023", "SRVC"),
        ("quebec", 1.185, 1.5, "Canada NIR 2021", "2019", "CA-QC"),
    ],
)
def test_cloud_regions_are_billed_at_their_grid_zone(bill, site, pue, g_per_kwh, source, year, zone):
    item = bill.item(f"{site} job")
    energy = 10 * 100 * 500 / 1000 * pue  # kWh: device-h × W / 1000 × PUE
    assert item.energy_kwh == pytest.approx(energy)
    assert item.co2e_kg == pytest.approx(energy * g_per_kwh / 1000)
    cited = _intensity_source(item)
    assert cited.value == g_per_kwh and str(cited.year) == year
    assert cited.name.startswith(f"{source} {year}:") and zone in cited.name


def test_oregon_is_not_virginia_any_more(bill):
    # issue 14 (1): every AWS US region was the US average, 383.78 g/kWh
    oregon, virginia = (bill.item(f"{s} job").co2e_kg for s in ("oregon", "virginia"))
    assert oregon != virginia


def test_a_region_without_zone_data_uses_the_country_average_and_says_so(bill):
    cited = _intensity_source(bill.item("paris job"))
    assert cited.value == 40.48 and str(cited.year) == "2024"  # OWID/Ember France 2024
    assert "no sub-national grid data in the catalog, national average used" in cited.name


def test_sites_may_name_a_zone_directly():
    for name in ("US-EGRID-CAMX", "CAMX", "WECC California"):
        assert region_values(name)[0].value == 195.0  # CAMX 429.983 lb/MWh × 0.45359 = 195.0
    quebec, pue = region_values("Quebec")
    assert quebec.value == 1.5 and quebec.year == "2019" and pue is None
    # a zone has one data year: another year is the country's average for it, said so
    other, _ = region_values("CA-QC", 2024)
    assert other.label == "Canada" and "has a figure for 2019 only" in other.note


def test_one_resolver_for_files_and_catalog_show(cli, tmp_path):
    # issue 14 (11): region = "us-east-1" said "no close name" in a file, "ambiguous" in catalog show
    shown = cli("catalog", "show", "cloud", "us-east-1")
    assert shown.returncode == 0 and "aws:us-east-1" in shown.stdout and "270.5" in shown.stdout
    with pytest.raises(CatalogError, match=r"ambiguous.*'aws:us-east-2'.*'gcp:us-east1'"):
        region_values("us east")
    path = tmp_path / "bad.toml"
    path.write_text('[project]\nname = "x"\n[sites.a]\nregion = "us east"\n')
    checked = cli("validate", str(path))
    assert checked.returncode == 2 and "ambiguous" in checked.stderr


def test_the_bill_json_carries_source_and_year(tmp_path, cli):
    path = tmp_path / "one.toml"
    path.write_text(PROJECT.format(items=ITEM.format(site="oregon")))
    out = json.loads(cli("bill", str(path), "--format", "json").stdout)
    sources = [s for p in out["items"][0]["provenance"] if p["quantity"] == "co2e_kg" for s in p["sources"]]
    catalog = next(s for s in sources if s["kind"] == "catalog")
    assert catalog["value"] == 288.2 and catalog["year"] == "2023"
    assert catalog["file"] == "grid_intensity_subnational.csv" and "public domain" in catalog["licence"]


def test_catalog_search_is_ranked_and_finds_zones(cli):
    # issue 14 (11): results were in table order (an airport before the grid zone named "Quebec")
    lines = cli("catalog", "search", "quebec").stdout.splitlines()
    assert lines[0].split()[:3] == ["grid", "zone", "CA-QC"]
    assert any("azure:canadaeast" in line and "grid zone CA-QC" in line for line in lines)
    h100 = cli("catalog", "search", "h100").stdout.splitlines()
    assert all(line.split()[0] in ("accelerator", "embodied") for line in h100[:-1])
    assert h100[0].split()[0] == "accelerator"
    shown = cli("catalog", "show", "grid", "CA-QC Quebec")  # a search result's name shows it
    assert shown.returncode == 0 and "1.5 gCO2e/kWh" in shown.stdout


def test_australian_states_from_the_nga_factors():
    # NGA Factors 2024, Table 1 (Scope 2): NSW & ACT 0.66, Victoria 0.77 kg CO2-e/kWh
    sydney, pue = region_values("aws:ap-southeast-2")
    assert sydney.value == 660.0 and sydney.year == "2024" and pue is not None and pue.value == 1.135
    assert sydney.as_source().licence == "CC BY 4.0 (Commonwealth of Australia)"
    assert region_values("azure:australiasoutheast")[0].value == 770.0
    assert region_values("Victoria")[0].value == 770.0
    assert region_values("AU-WA-SWIS")[0].value == 510.0
