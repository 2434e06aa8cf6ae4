"""Disclosure exports (issue 15): each validated against its published schema or field list, each
refusing (exit 2, one line, nothing written) when the bill cannot fill it, and all of them agreeing
on every figure they share when rendered from one ReportData."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from tests.conftest import EXAMPLES, ROOT, run_cli

from energybill.cli.report import report_data
from energybill.pipeline import Pipeline
from energybill.report import exports
from energybill.report.document import render as render_markdown
from energybill.report.model_card import render as render_card
from energybill.report.tabular import render_csv, to_dict

NOOR = EXAMPLES / "noor.toml"
BOAMPS = ROOT / "tests" / "data" / "boamps"
# The energy and compute items of the Model Documentation Form (shared/reference/eu-ai-act-energy-fields.md)
EU_ITEMS = (
    "Training time",
    "Amount of computation used for training",
    "Measurement methodology (computation)",
    "Amount of energy used for training",
    "Measurement methodology (energy)",
    "Calculation when data is missing",
    "Benchmarked amount of computation used for inference",
)
NO_TRAINING = """
[project]
name = "Lab"

[sites.lab]
pue = 1.2
carbon_intensity_g_per_kwh = 300

[[compute]]
name = "experiments"
phase = "R&D"
site = "lab"
device_hours = 100
watts_per_device = 300
"""


@pytest.fixture(scope="module")
def noor():
    return report_data(Pipeline.open(NOOR))


def test_eu_ai_act_lists_every_field_filled_or_not_known_with_a_reason(noor):
    document = json.loads(exports.render_eu_json(noor))
    assert [f["item"] for f in document["fields"]] == list(EU_ITEMS)
    for field in document["fields"]:
        assert field["status"] in ("estimated", "measured", "given", "not known")
        assert field["note"], field  # the method, or the reason it is not known
        assert (field["value"] is None) == (field["status"] == "not known")
    energy = next(f for f in document["fields"] if f["key"] == "training_energy_mwh")
    # by hand: Noor's training, 2,062.125 + 4,758.75 + 11,808.75 + 22,912.5 kWh = 41,542.125 kWh
    assert energy["value"] == pytest.approx(41.542125) and energy["shown"] == "42 MWh"
    flop = next(f for f in document["fields"] if f["key"] == "training_compute_flop")
    # by hand: 6 × (1.3e9 + 2.7e9 + 6.7e9 + 13e9 params... each × its tokens); Noor's 13B: 6 × 13e9 × 150e9
    assert flop["value"] >= 6 * 13e9 * 150e9 and flop["shown"].endswith("FLOP")
    markdown = exports.render_eu_markdown(noor)
    for item in EU_ITEMS:
        assert f"| {item} |" in markdown


def test_eu_ai_act_inference_compute_not_known_without_serving(tmp_path):
    text = NOOR.read_text(encoding="utf-8")
    text = re.sub(r"\n\[\[inference\]\].*?(?=\n\[\[|\n# ---|\Z)", "\n", text, flags=re.S)
    path = tmp_path / "noor-no-serving.toml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("report", str(path), "--format", "eu-ai-act-json")
    assert result.returncode == 0, result.stderr
    field = json.loads(result.stdout)["fields"][-1]
    assert field["key"] == "inference_compute_flop" and field["shown"] == "not known"
    assert "no [[inference]] item" in field["note"]


def test_hf_card_parses_with_huggingface_hub_or_yaml(noor):
    card = exports.render_hf_card(noor)
    try:
        from huggingface_hub import ModelCard
    except ImportError:  # the test extra brings it; PyYAML against the documented keys otherwise
        import yaml

        meta = yaml.safe_load(card.split("---")[1])["co2_eq_emissions"]
    else:
        meta = ModelCard(card).data.to_dict()["co2_eq_emissions"]
    assert set(meta) == {"emissions", "source", "training_type", "geographical_location", "hardware_used"}
    # grams: 23,811.7275 kg CO2e of training (test_report_formats) × 1000
    assert meta["emissions"] == pytest.approx(23_811_727.5)
    assert meta["training_type"] == "pre-training"
    assert "market-based" in card and "Water:" in card


def test_boamps_validates_against_its_schema(noor):
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in BOAMPS.glob("*_schema.json")}
    base = "https://raw.githubusercontent.com/Boavizta/BoAmps/main/model/"
    draft4 = referencing.jsonschema.DRAFT4
    registry = referencing.Registry().with_resources(
        (base + name, draft4.create_resource(schema)) for name, schema in schemas.items()
    )
    validator = jsonschema.Draft4Validator(schemas["report_schema.json"], registry=registry)
    report = json.loads(exports.render_boamps(noor))
    errors = sorted(validator.iter_errors(report), key=str)
    assert not errors, errors[0].message
    # the validator does reach the sub-schemas: a measure without powerConsumption is refused
    broken = json.loads(json.dumps(report))
    del broken["measures"][0]["powerConsumption"]
    assert list(validator.iter_errors(broken))
    assert sum(m["powerConsumption"] for m in report["measures"]) == pytest.approx(41_542.125)


def test_llama_table_has_gpu_hours_power_and_both_methods(noor):
    table = exports.render_llama_table(noor)
    header = table.splitlines()[0]
    for column in ("GPU type", "Time (GPU hours)", "Power consumption (W)", "Location-based", "Market-based"):
        assert column in header
    # by hand: Noor 13B, 32,500 A100-hours at 400 W; 13,747.5 kg = 13.75 t in both methods (no contracts)
    assert "| Noor 13B | accelerators of 400 W | 32,500 | 400 | 13.75 | 13.75 |" in table


@pytest.mark.parametrize("fmt", ["eu-ai-act", "eu-ai-act-json", "hf-card", "boamps", "llama-table"])
def test_an_export_without_training_names_what_is_missing_and_writes_nothing(tmp_path, fmt):
    path = tmp_path / "lab.toml"
    path.write_text(NO_TRAINING, encoding="utf-8")
    out = tmp_path / "export.out"
    result = run_cli("report", str(path), "--format", fmt, "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot fill" in lines[0] and "[[training]]" in lines[0], result.stderr
    assert not out.exists()


def test_every_export_agrees_on_every_shared_figure(noor):
    """One ReportData, every format: the training and project figures they share are the same."""
    training_kg = noor.filing.co2e_kg
    training_market_kg = noor.filing.co2e_market_kg
    eu = exports.eu_document(noor)
    beyond = eu["beyond_the_form"]
    fields = {f["key"]: f for f in eu["fields"]}
    boamps = exports.boamps(noor)
    hf = exports.hf_metadata(noor)
    llama_total = exports.render_llama_table(noor).splitlines()[-3]
    report_json = to_dict(noor)
    rows = list(csv.DictReader(io.StringIO(render_csv(noor))))
    csv_total = next(r for r in rows if r["record"] == "total")
    markdown = render_markdown(noor)
    card = render_card(noor)

    # training CO2e: grams (HF), tonnes (EU, Llama), kg (model card)
    assert hf["emissions"] == pytest.approx(training_kg * 1000, abs=0.1)
    assert beyond["training_co2e_location_t"] == pytest.approx(training_kg / 1000)
    assert beyond["training_co2e_market_t"] == pytest.approx(training_market_kg / 1000)
    assert f"| {training_kg / 1000:,.2f} | {training_market_kg / 1000:,.2f} |" in llama_total
    assert f"{training_kg:,.1f} kg CO2e for training" in card
    # training energy: MWh (EU), kWh (BoAmps measures)
    assert fields["training_energy_mwh"]["value"] * 1000 == pytest.approx(
        sum(m["powerConsumption"] for m in boamps["measures"])
    )
    # device-hours: EU training time, Llama total, HF hardware_used
    hours = f"{noor.filing.device_hours:,.0f}"
    assert fields["training_time"]["value"].startswith(hours)
    assert f"| **Total** | | {hours} |" in llama_total and hours in hf["hardware_used"]
    # project totals: JSON, CSV, Markdown, EU beyond-the-form
    totals = report_json["totals"]
    assert float(csv_total["energy_kwh"]) == totals["energy_kwh"]
    assert float(csv_total["co2e_kg"]) == totals["co2e_kg"]
    assert float(csv_total["co2e_market_kg"]) == totals["co2e_market_kg"]
    assert float(csv_total["water_l"]) == totals["water_l"]
    assert beyond["project_energy_mwh"] == pytest.approx(totals["energy_kwh"] / 1000)
    assert beyond["project_water_l"] == totals["water_l"]
    assert f"{totals['water_l']:,.1f}" in markdown and f"{totals['co2e_market_kg']:,.1f}" in markdown
    assert report_json["report"]["disclosure"]["water_l"] == totals["water_l"]
    # training water: the card's and the EU form's
    assert beyond["training_water_l"] == noor.filing.water_l
    assert f"{noor.filing.water_l:,.1f} L" in exports.render_hf_card(noor)


def test_cli_writes_each_export(tmp_path):
    for fmt, name in (("eu-ai-act-json", "eu.json"), ("boamps", "b.json"), ("hf-card", "README.md")):
        out = tmp_path / name
        result = run_cli("report", str(NOOR), "--format", fmt, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert out.read_text(encoding="utf-8").strip()
