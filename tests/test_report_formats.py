"""`energybill report`: Markdown and model card against golden files, JSON and CSV round-trips,
optional sections, escaping, and the command's errors. Every run is the real CLI in a subprocess.

The golden files were read line by line by a reviewer. To regenerate them after a deliberate change:
    energybill report examples/noor.toml --format markdown --out tests/golden/noor-report.md
    energybill report examples/noor.toml --format model-card --out tests/golden/noor-model-card.md
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from tests.conftest import ROOT, run_cli
from tests.report_helpers import NOOR, full_report, noor_report

from energybill.report.document import render as render_markdown
from energybill.report.html import render as render_html

GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.parametrize(
    ("fmt", "golden"), [("markdown", "noor-report.md"), ("model-card", "noor-model-card.md")]
)
def test_markdown_matches_golden(fmt: str, golden: str) -> None:
    result = run_cli("report", str(NOOR), "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (GOLDEN / golden).read_text(encoding="utf-8")


def test_model_card_has_the_hub_fields() -> None:
    card = (GOLDEN / "noor-model-card.md").read_text(encoding="utf-8")
    for field in ("Hardware Type", "Hours used", "Cloud Provider", "Compute Region", "Carbon Emitted"):
        assert f"- **{field}:**" in card
    # Training: 2,062.125 + 4,758.75 + 11,808.75 + 22,912.5 kWh; CO2e 23,811.7275 kg = 23,811,727.5 g.
    assert "23,811.7 kg CO2e for training (41,542.1 kWh)" in card
    assert "  emissions: 23811727.5\n" in card
    assert "| training | 41,542.1 | 70.4 % | 23,811.7 | 65.5 % |" in card


def test_json_round_trips_the_bill_exactly() -> None:
    result = run_cli("report", str(NOOR), "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    report = out.pop("report")
    assert out == noor_report().bill.to_dict()  # floats compare exactly: JSON writes repr
    assert report["ranking"][:2] == ["Noor 13B", "Noor 6.7B"]
    assert report["training"]["device_hours"] == 59_250.0


def test_csv_round_trips_the_bill_exactly() -> None:
    result = run_cli("report", str(NOOR), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    bill = noor_report().bill
    items = {r["name"]: r for r in rows if r["record"] == "item"}
    assert len(items) == 16
    for item in bill.items:
        if item.billed:
            row = items[item.name]
            assert (float(row["energy_kwh"]), float(row["co2e_kg"])) == (item.energy_kwh, item.co2e_kg)
            assert (row["phase"], row["kind"], row["site"]) == (item.phase, item.kind, item.site or "")
    phases = {r["name"]: r for r in rows if r["record"] == "phase"}
    for name, phase in bill.phases.items():
        assert float(phases[name]["energy_kwh"]) == phase.energy_kwh
        assert float(phases[name]["co2e_share"]) == phase.co2e_share
    (total,) = [r for r in rows if r["record"] == "total"]
    assert (float(total["energy_kwh"]), float(total["co2e_kg"])) == (
        bill.totals.energy_kwh,
        bill.totals.co2e_kg,
    )
    (unbilled,) = [r for r in rows if r["record"] == "unbilled"]
    assert unbilled["name"] == "Noor 13B serving (prospective)" and unbilled["energy_kwh"] == ""


def test_out_suffix_picks_the_format(tmp_path: Path) -> None:
    for name, start in (
        ("r.html", "<!DOCTYPE html>"),
        ("r.md", "# Noor"),
        ("r.json", "{"),
        ("r.csv", "record,"),
    ):
        result = run_cli("report", str(NOOR), "--out", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)
        assert f"wrote {tmp_path / name}" in result.stderr


def test_report_shows_the_files_scenarios_ranges_and_recommendations() -> None:
    compare = json.loads(run_cli("compare", str(NOOR), "--format", "json").stdout)["totals"]
    result = run_cli("report", str(NOOR), "--format", "json", "--scenario", "france", "--samples", "2000")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    text = json.dumps(data)
    assert "france" in text and "pue-1.1" not in text  # only the scenario asked for, after the baseline
    md = run_cli("report", str(NOOR), "--format", "markdown", "--scenario", "france", "--samples", "0").stdout
    france_kg = f"{compare['france']['co2e_kg']:,.1f}"
    assert f"| {france_kg} |" in md  # the compare engine's figure, not a recomputation
    assert "## Uncertainty" not in md  # --samples 0: no whiskers
    assert "## Recommendations" in md


def test_unknown_scenario_is_one_line() -> None:
    result = run_cli("report", str(NOOR), "--scenario", "frnace")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{NOOR}: scenarios.frnace: no such scenario; did you mean 'france'?"
    )


def test_unwritable_out_is_one_line(tmp_path: Path) -> None:
    result = run_cli("report", str(NOOR), "--out", str(tmp_path / "missing" / "r.html"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot write the report" in result.stderr


def test_bad_project_file_is_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[project]\nname = "x"\n[[other]]\nname = "o"\nco2e_kg = -1\n', encoding="utf-8")
    result = run_cli("report", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}: other[0].co2e_kg")


def test_help_has_examples() -> None:
    for command in ("report", "plot"):
        result = run_cli(command, "--help")
        assert result.returncode == 0
        assert f"energybill {command} examples/noor.toml" in result.stdout


OPTIONAL = {
    "markdown": ("## Scenarios", "## Uncertainty: p5–p95", "## Estimate vs. measured", "## Recommendations"),
    "html": ('id="scenarios"', 'id="ranges"', 'id="measured"', 'id="recommendations"'),
}


def test_optional_sections_render_only_when_present() -> None:
    for fmt, render in (("markdown", render_markdown), ("html", render_html)):
        plain, full = render(noor_report()), render(full_report())
        for marker in OPTIONAL[fmt]:
            assert marker not in plain, (fmt, marker)
            assert marker in full, (fmt, marker)


def test_optional_sections_show_their_numbers() -> None:
    text = render_markdown(full_report())
    # Scenario: 15,000 − 36,371.05686 = −21,371.1 kg against the baseline.
    assert "| train in France: noor-hpc at 56 g/kWh | 58,000.0 | 15,000.0 | -21,371.1 |" in text
    assert "| Total (kg CO2e) | 30,000.0 | 36,000.0 | 44,000.0 | 36,371.1 |" in text
    # Measured 25,000 kWh against 22,912.5 estimated: 1.09×.
    assert "| Noor 13B | 22,912.5 | 25,000.0 | 1.09× | NVML energy counter (3 runs) |" in text
    assert "1. **Train where the grid is clean** — saves 21,371.0 kg CO2e and 0.0 kWh." in text
    page = render_html(full_report())
    assert page.count('class="whisker"') == 2 and page.count('data-scenario="') == 2


def test_markdown_escapes_table_breakers(tmp_path: Path) -> None:
    project = tmp_path / "p.toml"
    project.write_text(
        '[project]\nname = "a|b"\n[sites.s]\ncarbon_intensity_g_per_kwh = 100\n'
        '[[other]]\nname = "<script>x</script> | y"\nsite = "s"\nenergy_kwh = 10\n',
        encoding="utf-8",
    )
    result = run_cli("report", str(project), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "# a\\|b — energy bill" in result.stdout
    assert "| 1 | &lt;script&gt;x&lt;/script&gt; \\| y | other | s | 10.0 | 1.0 | 100.0 % |" in result.stdout
    assert "<script>" not in result.stdout


def test_model_card_without_training(tmp_path: Path) -> None:
    project = tmp_path / "p.toml"
    project.write_text(
        '[project]\nname = "tiny"\n[sites.s]\npue = 1.2\ncarbon_intensity_g_per_kwh = 50\n'
        '[[compute]]\nname = "eval"\nphase = "evaluation"\nsite = "s"\n'
        "device_hours = 10\nwatts_per_device = 300\n",
        encoding="utf-8",
    )
    result = run_cli("report", str(project), "--format", "model-card")
    assert result.returncode == 0, result.stderr
    # 10 h × 300 W × 1.2 = 3.6 kWh; × 50 g/kWh = 0.18 kg = 180 g.
    assert "- **Hardware Type:** no training item in the bill" in result.stdout
    assert "- **Carbon Emitted:** 0.18 kg CO2e for the whole project (3.6 kWh; phases below)" in result.stdout
    assert "  emissions: 180.0\n" in result.stdout
    assert "| evaluation | 3.6 | 100.0 % | 0.18 | 100.0 % |" in result.stdout


def test_html_goes_to_stdout_by_default() -> None:
    result = run_cli("report", str(NOOR))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")
    assert "<script" not in result.stdout and "http-equiv=\"Content-Security-Policy\"" in result.stdout


def test_model_card_names_the_cloud_provider_of_a_cloud_region_site(tmp_path: Path) -> None:
    """A training site at ``region = "gcp:europe-west4"`` is on Google Cloud: the card says so
    (SiteRow.provider used to be read from a Site attribute that does not exist, so always None)."""
    path = tmp_path / "cloud.toml"
    path.write_text(
        '[project]\nname = "cloud"\n[sites.gcp]\nregion = "gcp:europe-west4"\n'
        '[[training]]\nname = "m"\nsite = "gcp"\nparameters = 1e9\ntokens = 2e10\n'
        "tflops_per_device = 100\nwatts_per_device = 400\n"
    )
    result = run_cli("report", str(path), "--format", "model-card")
    assert result.returncode == 0, result.stderr
    assert "- **Cloud Provider:** gcp\n" in result.stdout
    assert "- **Compute Region:** gcp:europe-west4 (PUE 1.09" in result.stdout
