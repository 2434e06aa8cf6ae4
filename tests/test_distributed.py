"""A 4-process gloo job on two fake hosts: each physical device counted once, a lost rank kept."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, run_cli

from energybill.core.records import COUNTER, Device
from energybill.measure.distributed import Seen, plan_owners

torch = pytest.importorskip(
    "torch", reason="PyTorch is not in the test extra (CUDA wheels): pip install torch==2.13.0 (.ci/run does)"
)
dist_worker = pytest.importorskip("tests.dist_worker")

STEPS = dist_worker.EPOCHS * (dist_worker.TRAIN_STEPS + dist_worker.EVAL_STEPS)  # seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _launch(tmp_path: Path, lose: int | None, ddp: bool) -> list[int | None]:
    for host in ("node-a", "node-b"):
        dist_worker.make_sysfs(tmp_path, host)
    ctx = torch.multiprocessing.get_context("spawn")
    port = _free_port()
    procs = [ctx.Process(target=dist_worker.rank_main, args=(r, 4, port, str(tmp_path), lose, ddp))
             for r in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    for p in procs:
        if p.is_alive():
            p.kill()
    return [p.exitcode for p in procs]


def _the_run(tmp_path: Path) -> tuple[object, object]:
    from energybill.ledger.store import Ledger

    ledger = Ledger(tmp_path / "noor.ledger.db")
    runs = ledger.runs()
    assert len(runs) == 1, "one job, one run (not one per rank)"
    return ledger, runs[0]


def test_four_ranks_two_hosts_count_each_device_once(tmp_path: Path) -> None:
    from energybill.ledger import record

    assert _launch(tmp_path, lose=None, ddp=True) == [0, 0, 0, 0]
    ledger, run = _the_run(tmp_path)
    devices = {d["device_id"]: d for d in record.per_device(ledger, run.id)}
    # By hand: constant power × 8 s for each GPU and each host's package; ranks 0 and 2 read RAPL.
    expected = {
        "node-a/gpu:GPU-node-a-0": (100 * STEPS, 0), "node-a/gpu:GPU-node-a-1": (150 * STEPS, 1),
        "node-b/gpu:GPU-node-b-0": (200 * STEPS, 2), "node-b/gpu:GPU-node-b-1": (250 * STEPS, 3),
        "node-a/rapl:package-0": (50 * STEPS, 0), "node-b/rapl:package-0": (60 * STEPS, 2),
    }
    assert set(devices) == set(expected), "every physical device once, no per-rank copies"
    for key, (joules, rank) in expected.items():
        assert devices[key]["energy_j"] == pytest.approx(joules)
        assert devices[key]["rank"] == rank
    assert run.status == "completed"
    assert run.energy_j == pytest.approx(sum(j for j, _ in expected.values()))  # 6480 J
    assert run.energy_j == pytest.approx(sum(d["energy_j"] for d in devices.values()))
    assert record.per_node(ledger, run.id) == pytest.approx({"node-a": 300 * STEPS, "node-b": 510 * STEPS})
    assert [r.status for r in record.ranks(ledger, run.id)] == ["reported"] * 4
    windows = {w.name: w for w in record.windows(ledger, run.id)}
    assert windows["epoch 1"].energy_j == pytest.approx(810 * 4)
    assert windows["epoch 1/train"].energy_j == pytest.approx(810 * 3)
    assert windows["epoch 1/eval"].energy_j == pytest.approx(810 * 1)
    # The job lands on the project's bill: 6480 J × PUE 1.5 (site noor-hpc) on "Noor 13B".
    shutil.copy(EXAMPLES / "noor.toml", tmp_path / "noor.toml")
    bill = json.loads(run_cli("bill", str(tmp_path / "noor.toml"), "--format", "json").stdout)
    [noor] = [i for i in bill["items"] if i["name"] == "Noor 13B"]
    assert noor["details"]["measured_energy_kwh"] == pytest.approx(6480 / 3.6e6 * 1.5)


def test_a_lost_rank_leaves_the_others_recorded_and_the_run_incomplete(tmp_path: Path) -> None:
    from energybill.ledger import record

    assert _launch(tmp_path, lose=3, ddp=False) == [0, 0, 0, 17]
    ledger, run = _the_run(tmp_path)
    devices = {d["device_id"]: d["energy_j"] for d in record.per_device(ledger, run.id)}
    survivors = {"node-a/gpu:GPU-node-a-0": 100 * STEPS, "node-a/gpu:GPU-node-a-1": 150 * STEPS,
                 "node-b/gpu:GPU-node-b-0": 200 * STEPS, "node-a/rapl:package-0": 50 * STEPS,
                 "node-b/rapl:package-0": 60 * STEPS}
    for key, joules in survivors.items():
        assert devices[key] == pytest.approx(joules)
    # Rank 3 checkpointed at the end of epoch 0 (4 s), then died.
    assert devices["node-b/gpu:GPU-node-b-1"] == pytest.approx(250 * 4)
    assert run.status == "interrupted"
    assert "incomplete: rank 3 was lost" in run.notes
    assert [r.status for r in record.ranks(ledger, run.id)] == ["reported", "reported", "reported", "lost"]
    assert run.energy_j == pytest.approx(sum(survivors.values()) + 1000)


def _seen(rank: int, host: str, ids: list[str], preferred: str | None) -> Seen:
    devices = tuple(Device(i, "gpu" if i.startswith("gpu") else "cpu", COUNTER, i, "test") for i in ids)
    return Seen(rank, host, devices, preferred)


def test_owners_gpu_to_its_trainer_cpu_zones_to_the_lowest_rank_of_the_host() -> None:
    seen = [
        _seen(0, "a", ["gpu:G0", "gpu:G1", "rapl:package-0"], "gpu:G1"),
        _seen(1, "a", ["gpu:G0", "gpu:G1", "rapl:package-0"], "gpu:G0"),
        _seen(2, "b", ["gpu:G2", "gpu:G3", "rapl:package-0"], None),  # trains on nothing visible
        _seen(3, "b", ["gpu:G3", "rapl:package-0"], "gpu:G3"),
    ]
    assert plan_owners(seen) == {
        ("a", "gpu:G1"): 0, ("a", "gpu:G0"): 1, ("a", "rapl:package-0"): 0,
        ("b", "gpu:G3"): 3, ("b", "gpu:G2"): 2, ("b", "rapl:package-0"): 2,
    }


def test_torchrun_job_uses_the_launchers_store_and_counts_the_host_once(tmp_path: Path) -> None:
    """Real torchrun, 2 ranks on this host: the CPU figures come from one rank, not two."""
    import os
    import subprocess
    import sys

    from energybill.ledger import record
    from energybill.ledger.store import Ledger

    job = Path(__file__).with_name("torchrun_cpu_job.py")
    env = {**os.environ, "ENERGYBILL_HOST": "this-host", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone",
               str(job), str(tmp_path / "runs.db")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ledger = Ledger(tmp_path / "runs.db")
    [run] = ledger.runs()
    devices = record.per_device(ledger, run.id)
    ids = [d["device_id"] for d in devices]
    assert len(ids) == len(set(ids)) and ids, ids
    # no GPU here: the CPU figures belong to the host's first rank only
    assert all(d["host"] == "this-host" and d["rank"] == 0 for d in devices)
    assert [r.status for r in record.ranks(ledger, run.id)] == ["reported", "reported"]
    assert run.status == "completed"
    assert run.energy_j == pytest.approx(sum(d["energy_j"] for d in devices))
    assert [w.name for w in record.windows(ledger, run.id) if w.phase is None] == ["epoch 0", "epoch 1"]


def test_merge_keeps_one_figure_per_device_and_names_what_is_missing() -> None:
    from energybill.measure.job import Report, job_device, merge

    gpu = Device("gpu:G0", "gpu", COUNTER, "G0", "test")
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    planned = {"a/gpu:G0": (job_device("a", gpu), "a", 0), "a/rapl:package-0": (job_device("a", cpu), "a", 0),
               "b/gpu:G0": (job_device("b", gpu), "b", 2)}
    reports = {  # rank 1 wrongly read a's GPU too; rank 2 (host b) never reported
        0: Report(0, "a", True, 100.0, 10.0, {"gpu:G0": 1000.0, "rapl:package-0": 300.0}),
        1: Report(1, "a", True, 100.0, 10.0, {"gpu:G0": 999.0}),
    }
    job = merge("job", planned, reports, world=3)
    assert job.per_device_j() == {"a/gpu:G0": 1000.0, "a/rapl:package-0": 300.0}
    assert job.result.energy_j == 1300.0 and job.per_node_j() == {"a": 1300.0}
    assert job.lost == (2,) and not job.complete
    notes = "\n".join(job.result.notes)
    assert "a/gpu:G0: also reported by rank 1; counted once (rank 0)" in notes
    assert "rank 2 was lost before any checkpoint; no reading for b/gpu:G0" in notes
    assert [r.status for r in job.extras.ranks] == ["reported", "reported", "lost"]
