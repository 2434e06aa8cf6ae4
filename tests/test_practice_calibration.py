"""Calibration records in a bill: measured values replace assumed ones, by hand, with provenance."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from energybill.core.calibration import SCHEMA, Record, ServeRow, write_record
from energybill.core.errors import ProjectError
from energybill.estimate.engine import estimate
from energybill.project.load import load_project

ROOT = Path(__file__).resolve().parent.parent


def train_record(tflops_6n: float = 150.0, watts: float = 310.0) -> Record:
    return Record(
        kind="train",
        id="train-test-a100",
        device="NVIDIA A100-SXM4-80GB",
        arch="noor-1.3b",
        tflops_per_device=tflops_6n * 1.1,
        watts_per_device=watts,
        seconds_per_token=1e-5,
        joules_per_token=3e-3,
        method="nvml-counter: test",
        date="2026-11-26T06:00:00+00:00",
        tflops_6n_per_device=tflops_6n,
    )


def serve_record() -> Record:
    rows = [
        ServeRow(
            batch,
            0.02 * (1 + batch / 64),
            batch / (0.02 * (1 + batch / 64)),
            1.0,
            250.0 + batch,
            1e4,
            0.1,
            300.0,
            1.0,
            256,
        )
        for batch in (1, 8)
    ]
    return Record(
        kind="serve",
        id="serve-test-a100",
        device="NVIDIA A100-SXM4-80GB",
        arch="noor-13b",
        tflops_per_device=1.0,
        watts_per_device=251.0,
        seconds_per_token=rows[0].seconds_per_token,
        joules_per_token=1.0,
        method="nvml-counter: test",
        date="2026-11-26T06:00:00+00:00",
        batch_size=1,
        rows=rows,
    )


PROJECT = """
[project]
name = "calibrated"

[sites.hpc]
pue = 1.5
carbon_intensity_g_per_kwh = 600

[[training]]
name = "13B"
site = "hpc"
parameters = 13e9
tokens = 150e9
tflops_per_device = 100
watts_per_device = 400
host_watts_per_device = 70
{training_calibration}

[[inference]]
name = "serving"
site = "hpc"
seconds_per_token = 0.05
batch_size = {batch}
watts_per_device = 400
host_watts_per_device = 70
tokens = 1e9
{inference_calibration}
"""


def project(tmp_path: Path, training: str = "", inference: str = "", batch: int = 1) -> Path:
    path = tmp_path / "project" / "p.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        PROJECT.format(training_calibration=training, inference_calibration=inference, batch=batch)
    )
    return path


def test_a_training_record_changes_the_energy_as_computed_by_hand(tmp_path: Path) -> None:
    write_record(train_record(tflops_6n=150.0, watts=310.0), tmp_path / "project" / "records" / "t.json")
    path = project(tmp_path, training='calibration = "records/t.json"')  # relative to the project file
    assumed = estimate(load_project(project(tmp_path / "plain"))).item("13B")
    item = estimate(load_project(path)).item("13B")
    # by hand: 6 · 13e9 · 150e9 FLOP at 150 TFLOP/s → device-hours; × (310 W + 70 W host) × PUE 1.5
    device_hours = 6 * 13e9 * 150e9 / (150e12 * 3600)
    assert item.details["device_hours"] == pytest.approx(device_hours)
    assert item.energy_kwh == pytest.approx(device_hours * (310 + 70) / 1000 * 1.5)
    assert item.co2e_kg == pytest.approx(item.energy_kwh * 0.6)
    # the assumption it replaced: 100 TFLOP/s and 400 W (the talk's 22.9 MWh)
    assert assumed.energy_kwh == pytest.approx(6 * 13e9 * 150e9 / (100e12 * 3600) * 470 / 1000 * 1.5)
    assert item.energy_kwh != pytest.approx(assumed.energy_kwh)


def test_sampling_bills_the_calibrated_values_like_the_point_bill(tmp_path: Path) -> None:
    """--samples draws the file's ranges, but a calibrated item's measured values replace them as in
    the point bill: the intervals of a project whose only range is on a replaced key collapse to it."""
    from energybill.project.load import load_raw
    from whatif_helpers import sample

    write_record(train_record(tflops_6n=150.0, watts=310.0), tmp_path / "project" / "t.json")
    path = project(tmp_path, training='calibration = "t.json"')
    ranged = "watts_per_device = {low = 300, high = 500}\nhost"
    path.write_text(path.read_text().replace("watts_per_device = 400\nhost", ranged, 1))  # training's
    bill, intervals = sample(load_raw(path), str(path), 200, seed=1)
    measured = 6 * 13e9 * 150e9 / (150e12 * 3600) * (310 + 70) / 1000 * 1.5  # by hand, as above
    assert bill.item("13B").energy_kwh == pytest.approx(measured)
    cell = intervals.items["13B"]["energy_kwh"]
    assert cell["p5"] == pytest.approx(measured) and cell["p95"] == pytest.approx(measured)


def test_the_provenance_names_the_record(tmp_path: Path) -> None:
    record_path = write_record(train_record(), tmp_path / "project" / "t.json")
    item = estimate(load_project(project(tmp_path, training='calibration = "t.json"'))).item("13B")
    assert item.details["calibration"] == "train-test-a100"
    first = item.provenance[0]
    assert first.quantity == "details.calibration"
    assert first.inputs["record"] == str(record_path)
    assert first.inputs["tflops_per_device"] == 150.0 and first.inputs["assumed_tflops_per_device"] == 100.0
    assert "train-test-a100" in first.source and "NVIDIA A100-SXM4-80GB" in first.source
    assert "nvml-counter" in first.source and "2026-11-26" in first.source
    fed = {p.quantity: p.source for p in item.provenance}
    assert fed["details.device_hours"].endswith("measured: calibration record train-test-a100")
    assert fed["energy_kwh"].endswith("measured: calibration record train-test-a100")
    assert "calibration" not in fed["details.flops"]


def test_a_serve_record_sets_latency_and_power_for_the_item_batch_size(tmp_path: Path) -> None:
    record = serve_record()
    write_record(record, tmp_path / "project" / "s.json")
    item = estimate(load_project(project(tmp_path, inference='calibration = "s.json"', batch=8))).item(
        "serving"
    )
    row = record.row(8)
    assert row is not None
    # by hand: J/token = (W + host W) × PUE × s/token / batch
    joules = (row.watts_per_device + 70) * 1.5 * row.seconds_per_token / 8
    assert item.details["joules_per_token"] == pytest.approx(joules)
    assert item.energy_kwh == pytest.approx(1e9 * joules / 3.6e6)
    assert item.details["calibration"] == "serve-test-a100"


def test_a_record_by_id_comes_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGYBILL_CALIBRATIONS", str(tmp_path / "store"))
    written = write_record(train_record(), None)
    assert written == tmp_path / "store" / "train-test-a100.json"
    item = estimate(load_project(project(tmp_path, training='calibration = "train-test-a100"'))).item("13B")
    assert item.details["calibration"] == "train-test-a100"


def test_bad_calibrations_are_one_line_errors_with_exit_code_2(tmp_path: Path) -> None:
    write_record(serve_record(), tmp_path / "project" / "s.json")
    (tmp_path / "project" / "junk.json").write_text(json.dumps({"schema": "other"}))
    path = project(tmp_path, training='calibration = "s.json"', inference='calibration = "junk.json"')
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    lines = caught.value.lines()
    # sorted by key path (issue 14, 5): inference[0] before training[0]
    assert lines[1].startswith(f"{path}: training[0].calibration: ")
    assert "is a serve record; a training item needs one from energybill bench train" in lines[1]
    assert lines[0].startswith(f"{path}: inference[0].calibration: ")
    assert f"(schema must be '{SCHEMA}')" in lines[0]
    missing = project(tmp_path, inference='calibration = "s.json"', batch=4)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "energybill"), "bill", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"{missing}: inference[0].calibration: {missing.parent / 's.json'} has no "
        "measurement at batch_size 4; measured: 1, 8"
    )


def test_rebill_script_adds_the_records_to_noor(tmp_path: Path) -> None:
    record = write_record(train_record(tflops_6n=125.0, watts=350.0), tmp_path / "t.json")
    out = tmp_path / "noor-calibrated.toml"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "rebill_noor.py"),
            "--set",
            f"Noor 1.3B={record}",
            "--write",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    # Noor 1.3B on MeluXina (PUE 1.35): 6 · 1.3e9 · 150e9 at 125 TFLOP/s, 350 W + 70 W
    kwh = 6 * 1.3e9 * 150e9 / (125e12 * 3600) * 420 / 1000 * 1.35
    assert f"| Noor 1.3B (calibrated) | 2,062 | {kwh:,.0f} |" in done.stdout
    assert estimate(load_project(out)).item("Noor 1.3B").energy_kwh == pytest.approx(kwh)


def test_measured_power_replaces_a_catalog_device_tdp(tmp_path: Path) -> None:
    write_record(train_record(tflops_6n=150.0, watts=310.0), tmp_path / "project" / "t.json")
    path = project(tmp_path, training='calibration = "t.json"')
    path.write_text(
        path.read_text().replace("watts_per_device = 400\nhost", 'device = "A100 SXM4 80 GB"\nhost', 1)
    )
    item = estimate(load_project(path)).item("13B")
    device_hours = 6 * 13e9 * 150e9 / (150e12 * 3600)
    assert item.energy_kwh == pytest.approx(device_hours * (310 + 70) / 1000 * 1.5)  # not the 400 W TDP
    assert item.provenance[0].inputs["assumed_device"] == "A100 SXM4 80 GB"


def test_a_serve_record_gives_the_measured_prefill_rate(tmp_path: Path) -> None:
    """Prefill apart from decode: the record's prefill tokens/s replaces the item's assumed one."""
    record = serve_record()
    write_record(record, tmp_path / "project" / "s.json")
    path = project(tmp_path, inference='calibration = "s.json"', batch=8)
    requests = "requests = 1000\ninput_tokens_per_request = 500\noutput_tokens_per_request = 100\n"
    path.write_text(
        path.read_text().replace("tokens = 1e9\n", requests + "prefill_tokens_per_second = 1\n", 1)
    )
    item = estimate(load_project(path)).item("serving")
    row = record.row(8)
    assert row is not None
    # by hand: 500 prompt tokens at the measured 1e4 tokens/s = 0.05 s (not 500 s at the assumed 1/s),
    # at the measured power: (258 + 70) W × 1.5 × 0.05 s = 24.6 J per request
    assert item.details["prefill_seconds_per_request"] == pytest.approx(500 / row.prefill_tokens_per_second)
    assert item.details["prefill_joules_per_request"] == pytest.approx(
        (row.watts_per_device + 70) * 1.5 * 0.05
    )
    decode = (row.watts_per_device + 70) * 1.5 * row.seconds_per_token / 8 * 100
    assert item.details["decode_joules_per_request"] == pytest.approx(decode)
