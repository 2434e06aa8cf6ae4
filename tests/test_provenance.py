"""Provenance as data: every number's sources are typed records, and the reports read their fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, MINI_PROJECT

from energybill.catalog.values import CatalogValue
from energybill.core.bill import Bill, ItemBill, Provenance
from energybill.core.provenance import KINDS, Source, joined
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.estimate.engine import estimate
from energybill.ledger.store import Ledger
from energybill.project.load import load_project
from energybill.reconcile.runs import attach_measurements
from energybill.report.assumptions import catalog_values
from energybill.report.data import build_report, measured_rows
from energybill.report.document import render_bill
from energybill.report.rows import defaults_used

CATALOG_DATA = Path(__file__).resolve().parents[1] / "src" / "energybill" / "catalog" / "data"


def sources_of(bill: Bill, item: str, quantity: str) -> tuple[Source, ...]:
    return next(p.sources for p in bill.item(item).provenance if p.quantity == quantity)


def test_every_record_of_noor_has_typed_sources() -> None:
    bill = estimate(load_project(EXAMPLES / "noor.toml"))
    records = [p for item in bill.items for p in item.provenance]
    assert records
    for record in records:
        assert record.sources, record
        assert all(isinstance(s, Source) and s.kind in KINDS for s in record.sources)
        assert record.source == joined(record.sources)
    kinds = {s.kind for p in records for s in p.sources}
    assert {"formula", "project"} <= kinds


def test_json_lists_the_sources_beside_the_text() -> None:
    bill = estimate(load_project(EXAMPLES / "noor.toml"))
    records = bill.item("Noor 13B").to_dict()["provenance"]
    entry = next(r for r in records if r["quantity"] == "co2e_kg")
    assert entry["source"].endswith("intensity from project file: sites.noor-hpc.carbon_intensity_g_per_kwh")
    assert entry["sources"][-1] == {
        "kind": "project", "name": "sites.noor-hpc.carbon_intensity_g_per_kwh", "role": "intensity",
    }
    json.dumps(entry)  # plain JSON


def test_a_site_without_pue_is_a_default_source() -> None:
    bill = estimate(load_project(EXAMPLES / "bloom.toml"))  # sites.jean-zay gives no pue
    (pue,) = [s for s in sources_of(bill, bill.items[0].name, "energy_kwh") if s.role == "PUE"]
    assert pue.kind == "default" and pue.value == 1.0
    assert pue.name == "PUE 1.0 because sites.jean-zay gives none (no cooling counted)"
    assert pue.name in defaults_used(bill)


def test_a_catalog_intensity_carries_the_catalogs_value_year_and_licence() -> None:
    grid = json.loads((CATALOG_DATA / "grid.json").read_text(encoding="utf-8"))
    owid = json.loads((CATALOG_DATA / "sources.json").read_text(encoding="utf-8"))["owid"]
    year = str(grid["default_year"])
    bahrain = next(e for e in grid["entities"] if e.get("iso2") == "BH")
    bill = estimate(load_project(EXAMPLES / "noor-catalog.toml"))  # sites.aws-bahrain: region = "BH"
    item = next(i for i in bill.items if i.site == "aws-bahrain")
    (source,) = [s for s in sources_of(bill, item.name, "co2e_kg") if s.kind == "catalog"]
    assert source.role == "intensity"
    assert source.value == bahrain["values"][year]
    assert (source.year, source.unit) == (year, grid["unit"])
    assert (source.licence, source.file) == (owid["licence"], owid["file"])
    assert source.name == f"{owid['short']} {year}: Bahrain {bahrain['values'][year]:g} {grid['unit']}"
    assert source.citation() in catalog_values(bill)


def test_a_citation_with_a_semicolon_survives_intact_into_the_report(tmp_path: Path) -> None:
    value = CatalogValue(12.5, "W", "Widget TDP", "owid", "2024", "measured twice; once at night")
    assumed = Source("default", "4 widgets per rack; set widgets")
    record = Provenance("energy_kwh", "given", {"energy_kwh": 1.0}, (value.as_source(role="power"), assumed))
    item = ItemBill("other", "widgets", "misc", "lab", 1.0, 0.5, {}, (record,))
    bill = Bill.from_items("P", [item])
    citation = "OWID/Ember 2024: Widget TDP 12.5 W (measured twice; once at night)"
    assert value.as_source().name == citation
    assert catalog_values(bill) == [f"{citation} [grid_intensity_country_yearly_owid.csv, CC BY 4.0]"]
    assert defaults_used(bill) == ["4 widgets per rack; set widgets"]
    project_file = tmp_path / "p.toml"
    project_file.write_text('[project]\nname = "P"\n')
    text = render_bill(build_report(bill, load_project(project_file), {}, everyday=False))
    # Markdown escapes the brackets (no accidental link); the citation itself is whole.
    assert f"- {citation} \\[grid_intensity_country_yearly_owid.csv, CC BY 4.0\\]" in text
    assert "- 4 widgets per rack; set widgets" in text
    where = "[grid_intensity_country_yearly_owid.csv, CC BY 4.0]"
    assert record.source == f"power from catalog: {citation} {where}; default: {assumed.name}"


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        Source("guess", "x")  # type: ignore[arg-type]


CPU = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")


def test_measured_runs_are_named_in_their_source(tmp_path: Path) -> None:
    from energybill.ledger.record import record_run

    project_file = tmp_path / "mini.toml"
    project_file.write_text(MINI_PROJECT)
    ledger = Ledger(tmp_path / "mini.ledger.db")
    ids = [
        record_run(ledger, f"r{i}", Measurement(f"r{i}", 1.7e9 + i, 2.0, (DeviceEnergy(CPU, joules),), 50.0),
                   project="Mini", item="finetune")
        for i, joules in enumerate((3600.0, 7200.0))
    ]
    project = load_project(project_file)
    bill = attach_measurements(estimate(project), project, project_file)
    sources = sources_of(bill, "finetune", "details.measured_energy_kwh")
    (measured,) = [s for s in sources if s.kind == "measured"]
    assert sorted(measured.run_ids) == sorted(ids)
    assert measured.file == str(ledger.path)
    assert measured.to_dict()["run_ids"] == list(measured.run_ids)
    (row,) = measured_rows(bill)
    assert row.runs == 2
    assert bill.item("finetune").details["measured_energy_kwh"] == pytest.approx(10800 / 3.6e6 * 1.5)
