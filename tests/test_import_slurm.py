"""`energybill import slurm`: sacct --json answers in Slurm's documented schema, through a `sacct`
shim on PATH (tests/slurm_fixtures.py), recorded into a real SQLite ledger; figures by hand."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.slurm_fixtures import T0, answer, calls, install_shim, job, path_with, step, tres

from energybill.telemetry.slurm import expand_hostlist

GPU8 = [tres("gres", "gpu", 8, 1001)]
TWO = ["gpu-01", "gpu-02"]


def _jobs() -> list[dict[str, object]]:
    return [
        # 1001: 2 nodes × 4 GPUs × 3 h, no energy plugin → modelled at 400 W:
        # 8 GPUs × 10,800 s × 400 W = 34,560,000 J (9.6 kWh); 17,280,000 J per node.
        job(1001, "ablation-lr", "gpu-[01-02]", "COMPLETED", T0, 10_800, GPU8, [
            step(1001, "batch", ["gpu-01"], T0, T0 + 10_800, None),
            step(1001, "extern", TWO, T0, T0 + 10_800, None),
            step(1001, "0", TWO, T0 + 5, T0 + 10_790, None),
        ]),
        # 1002: Slurm's counter; the extern step spans the allocation: 40,000,000 J, not
        # 40 M + 3 M (batch) + 36 M (step 0), which would count the same joules three times.
        job(1002, "pretrain", "gpu-[01-02]", "FAILED", T0 + 20_000, 7_200, GPU8, [
            step(1002, "batch", ["gpu-01"], T0 + 20_000, T0 + 27_200, 3_000_000),
            step(1002, "extern", TWO, T0 + 20_000, T0 + 27_200, 40_000_000),
            step(1002, "0", TWO, T0 + 20_010, T0 + 27_100, 36_000_000, state="FAILED"),
        ]),
        # 1003: no extern step. Largest first: step 0 (8 M), then step 1 (7 M, starts when step 0
        # ends: no overlap); the batch step overlaps both on gpu-01 → skipped. 15,000,000 J.
        job(1003, "sweep-7", "gpu-[01-02]", "CANCELLED", T0 + 40_000, 3_600, GPU8, [
            step(1003, "batch", ["gpu-01"], T0 + 40_000, T0 + 43_600, 5_000_000),
            step(1003, "0", TWO, T0 + 40_010, T0 + 41_800, 8_000_000),
            step(1003, "1", TWO, T0 + 41_800, T0 + 43_590, 7_000_000),
        ]),
        job(1004, "still-going", "gpu-03", "RUNNING", T0 + 50_000, 600, GPU8, []),
        job(1005, "never-ran", "None assigned", "CANCELLED", 0, 0, GPU8, []),
    ]


def _runs(ledger: Path) -> dict[str, dict[str, object]]:
    with sqlite3.connect(ledger) as conn:
        conn.row_factory = sqlite3.Row
        runs = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM runs")}
        for run_id, run in runs.items():
            run["devices"] = {d["device_id"]: dict(d) for d in conn.execute(
                "SELECT * FROM run_devices WHERE run_id = ?", (run_id,))}
            run["tags"] = dict(conn.execute("SELECT key, value FROM run_tags WHERE run_id = ?",
                                            (run_id,)).fetchall())
    return runs


@pytest.fixture
def shim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    install_shim(folder, json.dumps(answer(_jobs())))
    monkeypatch.setenv("PATH", path_with(folder))
    return folder


def test_jobs_become_one_run_each_with_energy_by_its_source(shim: Path, tmp_path: Path) -> None:
    ledger = tmp_path / "team.ledger.db"
    done = run_cli("import", "slurm", "--job", "1001,1002,1003,1004,1005", "--gpu-watts", "400",
                   "--ledger", str(ledger))
    assert done.returncode == 0, done.stderr
    assert calls(shim) == [["--json", "--jobs", "1001,1002,1003,1004,1005"]]
    assert "not imported (not finished or never started): 1004 (RUNNING), 1005 (CANCELLED, never started)" \
        in done.stderr
    runs = _runs(ledger)
    assert set(runs) == {"slurm-noor-1001", "slurm-noor-1002", "slurm-noor-1003"}

    modelled = runs["slurm-noor-1001"]
    assert modelled["energy_j"] == pytest.approx(34_560_000.0)
    assert modelled["status"] == "completed" and modelled["duration_s"] == 10_800
    assert modelled["started_unix"] == T0
    devices = modelled["devices"]
    assert set(devices) == {"gpu-01/slurm:gpus", "gpu-02/slurm:gpus"}  # each node once
    for device in devices.values():
        assert device["energy_j"] == pytest.approx(17_280_000.0)
        assert device["method"] == "modelled" and "8 × 10,800 s × 400 W" in device["source"]

    counted = runs["slurm-noor-1002"]
    assert counted["energy_j"] == pytest.approx(40_000_000.0) and counted["status"] == "failed"
    assert {d["method"] for d in counted["devices"].values()} == {"counter"}
    assert all(d["energy_j"] == pytest.approx(20_000_000.0) for d in counted["devices"].values())

    cancelled = runs["slurm-noor-1003"]
    assert cancelled["energy_j"] == pytest.approx(15_000_000.0) and cancelled["status"] == "interrupted"
    assert cancelled["tags"]["slurm_job"] == "1003" and cancelled["tags"]["slurm_user"] == "amina"
    assert cancelled["tags"]["slurm_state"] == "CANCELLED"


def test_importing_the_same_jobs_twice_keeps_one_run_each(shim: Path, tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    for _ in range(2):
        done = run_cli("import", "slurm", "--job", "1001,1002", "--gpu-watts", "400", "--ledger", str(ledger))
        assert done.returncode == 0, done.stderr
    assert set(_runs(ledger)) == {"slurm-noor-1001", "slurm-noor-1002"}  # only the jobs asked for


def test_array_tasks_are_runs_of_their_own_powered_from_the_gres_type(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # 2000_1 and 2000_2: 1 node, 1 GPU "gpu:a100", 30 min, no energy plugin; the catalog's A100
    # TDP is 400 W (Epoch AI) → 1 × 1,800 s × 400 W = 720,000 J each.
    a100 = [tres("gres", "gpu:a100", 1, 1002)]
    tasks = [job(2000 + k, "hp-search", f"gpu-1{k}", "COMPLETED", T0 + 100 * k, 1_800, a100,
                 [step(2000 + k, "batch", [f"gpu-1{k}"], T0, T0 + 1_800, None)], array_job=2000, task=k)
             for k in (1, 2)]
    folder = tmp_path / "bin"
    install_shim(folder, json.dumps(answer(tasks)))
    monkeypatch.setenv("PATH", path_with(folder))
    ledger = tmp_path / "r.db"
    done = run_cli("import", "slurm", "--job", "2000", "--since", "2026-11-01T00:00:00Z",
                   "--ledger", str(ledger))
    assert done.returncode == 0, done.stderr
    assert calls(folder) == [["--json", "--jobs", "2000", "--starttime", "2026-11-01T00:00:00"]]
    runs = _runs(ledger)
    assert set(runs) == {"slurm-noor-2000_1", "slurm-noor-2000_2"}
    for run in runs.values():
        assert run["energy_j"] == pytest.approx(720_000.0)
        assert run["tags"]["slurm_array"] == "2000"
        [device] = run["devices"].values()
        assert "NVIDIA A100 TDP 400 W" in device["source"] and "gres/gpu:a100" in device["source"]


def test_a_job_without_counter_or_power_asks_for_one(shim: Path, tmp_path: Path) -> None:
    done = run_cli("import", "slurm", "--job", "1001", "--ledger", str(tmp_path / "r.db"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--device NAME" in done.stderr and "--gpu-watts" in done.stderr
    assert not (tmp_path / "r.db").exists() or not _runs(tmp_path / "r.db")


def test_on_the_bill_beside_the_estimate(shim: Path, tmp_path: Path) -> None:
    project = tmp_path / "team.toml"
    project.write_text('[project]\nname = "Team"\n\n[sites.hpc]\npue = 1.2\n'
                       'carbon_intensity_g_per_kwh = 500\n\n[[compute]]\nname = "R&D"\nphase = "r&d"\n'
                       'site = "hpc"\ndevices = 8\nhours = 10\nwatts_per_device = 400\n')
    done = run_cli("import", "slurm", "--job", "1001", "--gpu-watts", "400", "--project", str(project),
                   "--item", "R&D")
    assert done.returncode == 0, done.stderr
    bill = json.loads(run_cli("bill", str(project), "--format", "json").stdout)
    [item] = bill["items"]
    # 34,560,000 J = 9.6 kWh of IT energy × PUE 1.2 = 11.52 kWh measured (modelled) on the item.
    assert item["details"]["measured_energy_kwh"] == pytest.approx(9.6 * 1.2)


@pytest.mark.parametrize(("text", "expected"), [
    ("gpu-[01-02]", ["gpu-01", "gpu-02"]),
    ("gpu-[01-02,05],cpu1", ["gpu-01", "gpu-02", "gpu-05", "cpu1"]),
    ("r[1-2]n[8-9]", ["r1n8", "r1n9", "r2n8", "r2n9"]),
    ("node7", ["node7"]),
    ("a[1-2],a1", ["a1", "a2"]),
])
def test_hostlists_expand_as_slurm_writes_them(text: str, expected: list[str]) -> None:
    assert expand_hostlist(text) == expected
