"""`energybill import mlflow` against a real MLflow tracking store (SQLite backend) made here with
MlflowClient.log_batch, figures integrated by hand."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli

from energybill.telemetry.mlflowruns import integrate

T0_MS = 1_795_669_200_000  # 2026-11-26T05:00:00Z
KEY = "system/gpu_{}_power_usage_watts"


def _store(tmp_path: Path) -> tuple[str, dict[str, str]]:
    mlflow = pytest.importorskip("mlflow", reason="pip install 'energybill[mlflow]'")
    from mlflow.entities import Metric, RunTag

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("noor-rd")
    ids: dict[str, str] = {}

    def run(name: str, series: dict[int, list[float]], status: str, tags: dict[str, str],
            start_ms: int, end_ms: int | None) -> str:
        created = client.create_run(experiment, start_time=start_ms, tags={"mlflow.runName": name, **tags})
        run_id = created.info.run_id
        metrics = [Metric(KEY.format(gpu), watts, start_ms + 10_000 * k, k)
                   for gpu, values in series.items() for k, watts in enumerate(values)]
        client.log_batch(run_id, metrics=metrics, tags=[RunTag("note", "a=b")])
        if status != "RUNNING":
            client.set_terminated(run_id, status=status, end_time=end_ms)
        ids[name] = run_id
        return run_id

    parent = run("lr-sweep", {}, "FINISHED", {"sweep": "lr"}, T0_MS, T0_MS + 120_000)
    # lr-3e-4: GPU 0 every 10 s: 100, 200, 300, 300, 200, 100 W → trapezoid
    #   (150 + 250 + 300 + 250 + 150) × 10 s = 11,000 J;
    # GPU 1: 250 W constant, 6 samples over 50 s → 12,500 J. Run: 23,500 J.
    run("lr-3e-4", {0: [100, 200, 300, 300, 200, 100], 1: [250] * 6}, "FINISHED",
        {"mlflow.parentRunId": parent, "sweep": "lr", "lr": "3e-4"}, T0_MS, T0_MS + 50_000)
    # lr-1e-3 failed: 100 W at 0, 10, 20, 30 s, a NaN and a negative sample skipped → 3,000 J.
    run("lr-1e-3", {0: [100, 100, 100, 100, math.nan, -5.0]}, "FAILED",
        {"mlflow.parentRunId": parent, "sweep": "lr"}, T0_MS + 60_000, T0_MS + 120_000)
    run("lr-3e-3", {0: [100, 100]}, "RUNNING", {"mlflow.parentRunId": parent}, T0_MS, None)
    return uri, ids


def _ledger(path: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        runs = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM runs")}
        for run_id, run in runs.items():
            run["devices"] = {d["device_id"]: dict(d) for d in conn.execute(
                "SELECT * FROM run_devices WHERE run_id = ?", (run_id,))}
            run["tags"] = dict(conn.execute("SELECT key, value FROM run_tags WHERE run_id = ?",
                                            (run_id,)).fetchall())
    return runs


def test_finished_runs_with_power_become_runs_with_lineage(tmp_path: Path) -> None:
    uri, ids = _store(tmp_path)
    ledger = tmp_path / "team.ledger.db"
    done = run_cli("import", "mlflow", "--tracking-uri", uri, "--experiment", "noor-rd",
                   "--ledger", str(ledger))
    assert done.returncode == 0, done.stderr
    assert "not finished" in done.stderr and "lr-3e-3" in done.stderr
    assert f"not imported (no GPU power metrics): lr-sweep ({ids['lr-sweep']})" in done.stderr
    assert "skipped 2 power sample(s)" in done.stderr
    runs = _ledger(ledger)
    assert set(runs) == {f"mlflow-{ids['lr-3e-4']}", f"mlflow-{ids['lr-1e-3']}"}

    good = runs[f"mlflow-{ids['lr-3e-4']}"]
    assert good["energy_j"] == pytest.approx(23_500.0) and good["status"] == "completed"
    assert {d: v["energy_j"] for d, v in good["devices"].items()} == pytest.approx(
        {"mlflow/gpu:0": 11_000.0, "mlflow/gpu:1": 12_500.0})
    assert all(d["method"] == "integrated-power" and "median interval 10 s" in d["source"]
               for d in good["devices"].values())
    assert good["started_unix"] == pytest.approx(T0_MS / 1000) and good["duration_s"] == pytest.approx(50.0)
    assert good["tags"] == {"experiment": "noor-rd", "mlflow_run_id": ids["lr-3e-4"],
                            "parent": f"mlflow-{ids['lr-sweep']}", "sweep": "lr", "lr": "3e-4", "note": "a=b"}

    failed = runs[f"mlflow-{ids['lr-1e-3']}"]
    assert failed["energy_j"] == pytest.approx(3_000.0) and failed["status"] == "failed"

    again = run_cli("import", "mlflow", "--tracking-uri", uri, "--experiment", "noor-rd",
                    "--ledger", str(ledger))
    assert again.returncode == 0, again.stderr
    assert len(_ledger(ledger)) == 2  # MLflow's run id is the run's id: no duplicate


def test_an_unknown_experiment_names_the_ones_there(tmp_path: Path) -> None:
    uri, _ = _store(tmp_path)
    done = run_cli("import", "mlflow", "--tracking-uri", uri, "--experiment", "nope", "--ledger",
                   str(tmp_path / "r.db"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no experiment 'nope'" in done.stderr and "noor-rd" in done.stderr


def test_trapezoid_by_hand_with_a_gap_left_out() -> None:
    # 10 s samples at 100 W, then nothing for 300 s (> 5 × 10 s), then two more at 200 W:
    # 100 W × 20 s + (gap not bridged) + 200 W × 10 s = 4,000 J.
    points = [(0.0, 100.0), (10.0, 100.0), (20.0, 100.0), (320.0, 200.0), (330.0, 200.0)]
    integral = integrate(points)
    assert integral.energy_j == pytest.approx(4_000.0)
    assert integral.gaps == 1 and integral.interval_s == 10.0 and integral.samples == 5
