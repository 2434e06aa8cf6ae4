"""One number rule in every renderer, measured-only items said so in every format, the model card
consistent with its own bill, no internal notes in user output, `runs export --format`.

Values worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, run_cli

from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.record import record_run
from energybill.ledger.store import Ledger
from energybill.report.numbers import amount, large, rounded, share, signed

# 20 million tokens a day at 0.36 J/token (360 W, 1,000 tokens/s, PUE 1): 7.2e6 J = 2 kWh a day;
# × 400 g/kWh = 800 g = 0.0008 t CO2e a day.
SMALL_SERVING = """
[project]
name = "Small serving"

[sites.dc]
pue = 1.0
carbon_intensity_g_per_kwh = 400

[[inference]]
name = "chat"
site = "dc"
tokens_per_second = 1000
watts_per_device = 360
tokens_per_day = 20e6
"""


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (58_993.9, 1, "58,993.9"),  # the Noor total keeps its one decimal
        (36.3711, 2, "36.37"),
        (0.0008, 1, "0.00080"),  # 2 significant digits, not 0.0
        (0.0008, 2, "0.00080"),
        (2.0, 0, "2.0"),  # 2 kWh/day: "2.0", not rounded to a bare 2 that hides nothing but...
        (2.34, 0, "2.3"),  # ...2.34 would have read "2"
        (12.3, 0, "12"),  # 2 significant digits already: the table's 0 decimals
        (0.18, 1, "0.18"),
        (-0.042, 1, "-0.042"),
        (0.0, 1, "0.0"),  # a real zero stays a zero
        (-0.0, 1, "0.0"),
        (0.0996, 1, "0.100"),
        (None, 1, "—"),
    ],
)
def test_amount_keeps_two_significant_digits(value: float | None, decimals: int, shown: str) -> None:
    assert amount(value, decimals) == shown


def test_rounded_keeps_significant_digits_as_a_number() -> None:
    assert rounded(2_304_000.04, 1) == 2_304_000.0
    assert rounded(0.0042, 1) == 0.0042  # 4.2 mg: the model card's YAML says 0.0042 g, not 0.0
    assert rounded(0.0, 1) == 0.0


def test_shares_counts_and_signs() -> None:
    assert share(0.704) == "70.4 %"
    assert share(0.0093) == "0.9 %"
    assert share(0.0003) == "0.03 %"  # 0.03 %, never 0.0 %
    assert share(0.0) == "0.0 %"
    assert large(3.19e9) == "3.19 billion"
    assert large(293_189.4) == "293,189"
    assert large(0.5) == "0.50"
    assert signed(1234.5) == "+1,234.5" and signed(-0.042) == "-0.042" and signed(0.0) == "0.0"


@pytest.fixture
def small_serving(tmp_path: Path) -> Path:
    path = tmp_path / "serving.toml"
    path.write_text(SMALL_SERVING, encoding="utf-8")
    return path


DAILY = "20.00 million tokens/day → 2.0 kWh, 0.00080 t CO2e per day"


@pytest.mark.parametrize(
    "args",
    [
        ("bill",),
        ("bill", "--format", "markdown"),
        ("report", "--format", "markdown"),
        ("report", "--format", "html"),
    ],
)
def test_a_small_daily_footprint_is_not_zero_in_any_format(
    small_serving: Path, args: tuple[str, ...]
) -> None:
    result = run_cli(args[0], str(small_serving), *args[1:])
    assert result.returncode == 0, result.stderr
    assert DAILY in result.stdout
    assert "0.0 t CO2e per day" not in result.stdout


def test_sweep_shows_a_small_daily_energy(small_serving: Path) -> None:
    # 1e5 tokens/day × 0.36 J = 36,000 J = 0.01 kWh; at batch 2 (J/token halves at constant power,
    # the talk's model): 0.005 kWh.
    result = run_cli(
        "sweep", str(small_serving), "--tokens-per-day", "1e5", "--batch", "1,2", "--power-model", "constant"
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if re.match(r"^│\s+[12] ", line)]
    assert len(rows) == 2
    assert "0.010" in rows[0] and "0.0050" in rows[1]
    # t CO2e/day: 0.01 kWh × 400 g = 4 g = 0.000004 t; 2 g at batch 2
    assert "0.0000040" in rows[0] and "0.0000020" in rows[1]


def test_renderers_format_numbers_through_report_numbers() -> None:
    """No renderer formats a figure with its own fixed decimals (``:,.1f``): they call
    ``report.numbers`` so that the significant-figure rule holds everywhere. Geometry (SVG
    coordinates) and durations in seconds are not figures of the bill."""
    src = Path(__file__).resolve().parents[1] / "src" / "energybill"
    allowed = {"report/numbers.py", "report/svg.py"}
    fixed = re.compile(r"\{[^{}]*:[,+]?\.\d+[f%]\}")
    offenders = []
    for path in [*(src / "report").glob("*.py"), *(src / "cli").glob("*.py")]:
        rel = path.relative_to(src).as_posix()
        if rel in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if fixed.search(line) and "duration_s" not in line and "KiB" not in line and "loss" not in line:
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


# --- measured-only items ------------------------------------------------------------------------

TWO_SITES = """
[project]
name = "Lab"

[sites.lab]
pue = 1.5
carbon_intensity_g_per_kwh = 600

[sites.office]
pue = 1.0
carbon_intensity_g_per_kwh = 100

[[compute]]
name = "finetune"
phase = "training"
site = "lab"
devices = 1
hours = 1
watts_per_device = 100

[[inference]]
name = "prospective API"
site = "lab"
tokens_per_second = 100
watts_per_device = 300
"""

CPU = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A project whose ledger holds a run of an item not in the file, with no site (two sites:
    none to choose): measured, not priced, not billed."""
    path = tmp_path / "lab.toml"
    path.write_text(TWO_SITES, encoding="utf-8")
    ledger = Ledger(tmp_path / "lab.ledger.db")
    # 7,200 J = 0.002 kWh of IT energy, no site: no PUE (1) and no CO2e
    record_run(ledger, "probe", Measurement("probe", 1.7e9, 2.0, (DeviceEnergy(CPU, 7200.0),), 50.0),
               project="Lab", item="probe")
    return path


def test_markdown_report_says_measured_only(lab: Path) -> None:
    out = run_cli("report", str(lab), "--format", "markdown").stdout
    assert "Not in the totals (prospective, no volume given): prospective API." in out
    assert "Not in the totals (measured only, no site to price its CO2e" in out
    assert "probe." in out
    (row,) = [line for line in out.splitlines() if line.startswith("| probe |")]
    # estimated: none (—), measured 0.002 kWh, no ratio
    assert row.startswith("| probe | — | 0.0020 | only measured |"), row


def test_html_report_says_measured_only(lab: Path) -> None:
    out = run_cli("report", str(lab), "--format", "html").stdout
    notes = re.findall(r'<p class="note unbilled">(.*?)</p>', out)
    assert notes == [
        "Not in the totals (prospective, no volume given): prospective API.",
        "Not in the totals (measured only, no site to price its CO2e (record the run with --site)): probe.",
    ]
    row = re.search(r'<tr data-measured="probe">(.*?)</tr>', out, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">(.*?)</td>', row.group(1))
    assert cells == ["—", "0.0020", "only measured"]
    assert row.group(1).count("<svg") == 1  # the measurement's bar, no estimate bar of zero


def test_json_and_csv_reports_say_measured_only(lab: Path) -> None:
    data = json.loads(run_cli("report", str(lab), "--format", "json").stdout)
    (probe,) = [m for m in data["report"]["measured"] if m["name"] == "probe"]
    assert probe["estimated_energy_kwh"] is None and probe["ratio"] is None
    assert probe["measured_energy_kwh"] == pytest.approx(0.002)
    reasons = {u["reason"]: u["items"] for u in data["report"]["unbilled"]}
    assert reasons["prospective, no volume given"] == ["prospective API"]
    assert [r for r in reasons if r.startswith("measured only")] and ["probe"] in reasons.values()
    rows = list(csv.DictReader(io.StringIO(run_cli("report", str(lab), "--format", "csv").stdout)))
    (row,) = [r for r in rows if r["name"] == "probe"]
    assert (row["record"], row["kind"], row["energy_kwh"]) == ("unbilled", "measured", "")


def test_terminal_and_markdown_bill_say_measured_only(lab: Path) -> None:
    terminal = run_cli("bill", str(lab)).stdout
    assert "only measured" in terminal
    markdown = run_cli("bill", str(lab), "--format", "markdown").stdout
    assert "measured only, no site to price its CO2e" in markdown
    assert "| probe | — | 0.0020 | only measured |" in markdown


# --- the model card and its bill ------------------------------------------------------------------

CARD_PROJECT = """
[project]
name = "Card"

[sites.cloud]
pue = 1.2
carbon_intensity_g_per_kwh = 400

[[training]]
name = "ablation 1B"
phase = "R&D"
site = "cloud"
parameters = 1e9
tokens = 1.8e10
tflops_per_device = 300
watts_per_device = 700
devices = 8

[[training]]
name = "main run"
site = "cloud"
parameters = 8e9
tokens = 1.35e11
tflops_per_device = 300
watts_per_device = 700
host_watts_per_device = 100
devices = 8
"""


def test_model_card_training_is_its_phase_tables_training(tmp_path: Path) -> None:
    path = tmp_path / "card.toml"
    path.write_text(CARD_PROJECT, encoding="utf-8")
    card = run_cli("report", str(path), "--format", "model-card").stdout
    bill = json.loads(run_cli("bill", str(path), "--format", "json").stdout)
    # main run: 6 × 8e9 × 1.35e11 = 6.48e21 FLOP / (300e12 × 3600) = 6,000 device-h
    # × 800 W × 1.2 = 5,760 kWh; × 0.4 = 2,304 kg. The ablation (R&D) is not training.
    training = bill["phases"]["training"]
    assert training["energy_kwh"] == pytest.approx(5760.0)
    assert training["co2e_kg"] == pytest.approx(2304.0)
    assert "- **Hours used:** 6,000 device-hours (training)" in card
    assert "- **Carbon Emitted:** 2,304.0 kg CO2e for training (5,760.0 kWh)" in card
    (phase_row,) = [line for line in card.splitlines() if line.startswith("| training |")]
    assert phase_row.startswith("| training | 5,760.0 | ") and "| 2,304.0 |" in phase_row
    assert "  emissions: 2304000.0\n" in card  # grams, training only
    assert "- **Hardware Type:** 8 × accelerators of 700 W + 100 W host share each" in card
    assert 'hardware_used: "8 × accelerators of 700 W + 100 W host share each"' in card


def test_model_card_names_the_catalog_device_with_its_count(tmp_path: Path) -> None:
    text = CARD_PROJECT.replace("watts_per_device = 700\nhost", 'device = "H100 SXM"\nhost')
    path = tmp_path / "card.toml"
    path.write_text(text, encoding="utf-8")
    card = run_cli("report", str(path), "--format", "model-card").stdout
    assert "- **Hardware Type:** 8 × H100 SXM + 100 W host share each" in card


# --- no internal notes in what a user reads ---------------------------------------------------------

INTERNAL = ("DESIGN.md", "TODO", "FIXME", "XXX", "check against")


@pytest.mark.parametrize("example", ["noor.toml", "noor-catalog.toml"])
def test_no_internal_notes_in_user_output(example: str) -> None:
    path = str(EXAMPLES / example)
    outputs = [
        run_cli("bill", path, "--format", "json").stdout,
        run_cli("report", path, "--format", "markdown").stdout,
    ]
    for out in outputs:
        assert out
        for note in INTERNAL:
            assert note not in out


# --- runs export ------------------------------------------------------------------------------------


def test_runs_export_defaults_to_csv_and_offers_json(lab: Path) -> None:
    ledger = str(lab.with_name("lab.ledger.db"))
    default = run_cli("runs", "export", "--ledger", ledger)
    assert default.returncode == 0, default.stderr
    (row,) = list(csv.DictReader(io.StringIO(default.stdout)))
    assert row["item"] == "probe" and float(row["energy_j"]) == 7200.0
    alias = run_cli("runs", "export", "--csv", "--ledger", ledger)
    assert alias.stdout == default.stdout
    as_json = run_cli("runs", "export", "--format", "json", "--ledger", ledger)
    assert as_json.returncode == 0, as_json.stderr
    (run,) = json.loads(as_json.stdout)["runs"]
    assert run["id"] == row["id"] and run["energy_j"] == 7200.0
    assert run["energy_kwh"] == pytest.approx(0.002)  # 7,200 J / 3.6e6
    assert [d["component"] for d in run["devices"]] == ["cpu"]
    both = run_cli("runs", "export", "--csv", "--format", "json", "--ledger", ledger)
    assert both.returncode == 2 and "Traceback" not in both.stderr


def test_an_unbounded_ratio_reads_as_infinity_not_inf(tmp_path: Path) -> None:
    """Tokens per kg CO2e on a zero-carbon grid is unbounded: every human format prints ∞, never
    Python's 'inf' (JSON: null)."""
    from energybill.report.numbers import amount, large, two_figures

    assert (amount(float("inf")), large(float("inf")), two_figures(float("inf"))) == ("∞", "∞", "∞")
    project = tmp_path / "clean.toml"
    project.write_text(
        '[project]\nname = "clean"\n[sites.s]\ncarbon_intensity_g_per_kwh = 0\n'
        '[[inference]]\nname = "serve"\nsite = "s"\nwatts_per_device = 400\nseconds_per_token = 0.05\n'
        "tokens_per_day = 1e6\ndays = 30\n", encoding="utf-8")
    for args in (("bill",), ("sweep",), ("report", "--format", "markdown")):
        done = run_cli(*args[:1], str(project), *args[1:])
        assert done.returncode == 0, done.stderr
        assert "∞" in done.stdout and not re.search(r"\binf\b", done.stdout), args
