"""``energybill.track``, the meter's ``RunSink`` honoured by the SQLite ledger, and ``runs list`` paging.

Real SQLite files in tmp_path; energies worked out by hand from a fake backend and a fake clock.
"""

from __future__ import annotations

import os
import socket
import time
import types
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.fakehw import PowerProfile, StepClock

import energybill
from energybill.core.records import (
    COUNTER,
    MODELLED,
    Device,
    DeviceEnergy,
    Measurement,
    RunExtras,
    WindowRecord,
)
from energybill.ledger import record
from energybill.ledger.sink import LedgerSink
from energybill.ledger.store import Ledger
from energybill.measure.sink import RunSink
from energybill.measure.training import TrainingMeter


def _options(clock: StepClock, watts: list[float]) -> dict[str, Any]:
    return {"backends": [PowerProfile(watts)], "clock": clock, "thread": False}


def test_measure_is_a_module_and_track_records_as_context_manager_and_decorator(tmp_path: Path) -> None:
    import energybill.measure

    assert isinstance(energybill.measure, types.ModuleType) and not callable(energybill.measure)
    assert "track" in energybill.__all__ and "measure" not in energybill.__all__
    clock, path = StepClock(), tmp_path / "runs.db"
    options = _options(clock, [10.0] * 100)
    with energybill.track("block", ledger=path, project="P", item="I", **options) as run:
        clock.t = 2.0
        run.meter.tick()  # one sampler interval: a checkpoint
        clock.t = 4.0
    assert run.energy_j == 40.0  # 4 s at 10 W

    deco = energybill.track("fn", ledger=path, **_options(clock, [10.0] * 100))

    @deco
    def work(seconds: float) -> str:
        clock.t += seconds
        return "done"

    assert work(1.0) == "done" and work(3.0) == "done"
    ledger = Ledger(path)
    rows = ledger.runs()
    assert sorted((r.name, r.status, r.energy_j, r.duration_s) for r in rows) == [
        ("block", "completed", 40.0, 4.0), ("fn", "completed", 10.0, 1.0), ("fn", "completed", 30.0, 3.0)]
    block = next(r for r in rows if r.name == "block")
    assert (block.project, block.item, block.id) == ("P", "I", run.run_id)
    # the tick at 2 s, then the end at 4 s: cumulative joules and the power of each interval
    assert [(s["t_s"], s["energy_j"], s["power_w"]) for s in ledger.samples(block.id)] == [
        (2.0, 20.0, 10.0), (4.0, 40.0, 10.0)]


def test_track_with_ledger_false_records_nothing(tmp_path: Path) -> None:
    clock = StepClock()
    with energybill.track("alone", ledger=False, **_options(clock, [5.0] * 10)) as run:
        clock.t = 2.0
    assert (run.energy_j, run.run_id, run.sink, run.ledger) == (10.0, None, None, None)


def test_the_ledger_honours_the_sink_protocol(tmp_path: Path) -> None:
    sink = LedgerSink(Ledger(tmp_path / "runs.db"))
    assert isinstance(sink, RunSink)
    clock = StepClock()
    # 50 W for 3 s, 200 W for 2 s, 80 W after: epoch 0 is seconds 0-4, epoch 1 seconds 4-7
    watts = [50.0, 50.0, 50.0, 200.0, 200.0, 80.0, 80.0, 80.0]
    with TrainingMeter("loop", sink=sink, item="tiny", on_epoch=lambda e: None, distributed=False,
                       wall=clock, **_options(clock, watts)) as tm:  # wall: exact window offsets
        with tm.epoch(0):
            with tm.phase("train"):
                clock.t = 3.0
            with tm.phase("eval"):
                clock.t = 4.0
        with tm.epoch(1), tm.phase("train"):
            clock.t = 7.0
    ledger = sink.ledger
    [run] = ledger.runs()
    assert (run.name, run.item, run.status, run.id) == ("loop", "tiny", "completed", tm.run_id)
    assert run.energy_j == 3 * 50 + 2 * 200 + 2 * 80  # 710 J over 7 s
    # no sampler tick: the one interval since the run's start is the whole run
    assert (run.duration_s, run.peak_power_w) == (7.0, pytest.approx(710 / 7))
    assert [(d["device_id"], d["energy_j"]) for d in ledger.devices(run.id)] == [("fake:0", 710.0)]
    windows = {w.name: (w.started_s, w.duration_s, w.energy_j) for w in record.windows(ledger, run.id)}
    assert windows == {"epoch 0": (0.0, 4.0, 350.0), "epoch 0/train": (0.0, 3.0, 150.0),
                       "epoch 0/eval": (3.0, 1.0, 200.0), "epoch 1": (4.0, 3.0, 360.0),
                       "epoch 1/train": (4.0, 3.0, 360.0)}


def test_a_run_written_through_the_sink_directly(tmp_path: Path) -> None:
    """begin_run, checkpoint, drop_devices, finish, write_extras: each as the ledger reads it back."""
    sink = LedgerSink(Ledger(tmp_path / "runs.db"))
    gpu = Device("gpu:GPU-a", "gpu", COUNTER, "GPU a", "test")
    cpu = Device("model:cpu", "cpu", MODELLED, "CPU", "test")
    run_id = sink.begin_run("direct", devices=[gpu, cpu], started_unix=1_700_000_000.0, interval_s=1.0,
                            tags={"project": "P", "item": None})
    first = Measurement("direct", 1_700_000_000.0, 2.0, (DeviceEnergy(gpu, 300.0), DeviceEnergy(cpu, 20.0)))
    sink.checkpoint(run_id, 1, first, 160.0)
    last = Measurement("direct", 1_700_000_000.0, 4.0, (DeviceEnergy(gpu, 600.0),))
    sink.drop_devices(run_id, [cpu.device_id])
    sink.finish(run_id, 2, last, 150.0, "failed", 3)
    sink.write_extras(run_id, RunExtras(windows=[WindowRecord("all", None, None, 0.0, 4.0, 600.0)]))
    sink.checkpoint(run_id, 3, first, 1.0)  # a late tick after the end changes nothing
    ledger = sink.ledger
    row = ledger.run(run_id)
    assert (row.status, row.exit_code, row.energy_j, row.duration_s) == ("failed", 3, 600.0, 4.0)
    assert (row.project, row.item) == ("P", None)
    assert row.ended_unix == 1_700_000_004.0
    assert [(d["device_id"], d["energy_j"]) for d in ledger.devices(run_id)] == [("gpu:GPU-a", 600.0)]
    assert [(s["seq"], s["power_w"]) for s in ledger.samples(run_id)] == [(1, 160.0), (2, 150.0)]
    assert [w.name for w in record.windows(ledger, run_id)] == ["all"]


def _fill(path: Path, n: int, *, step_s: float = 1.0) -> list[str]:
    """``n`` completed runs written straight into the ledger (fast: one transaction)."""
    ledger = Ledger(path)
    ids = [f"run{i:07d}" for i in range(n)]
    host, pid = socket.gethostname(), os.getpid()
    with ledger.connect(write=True) as conn:
        conn.executemany(
            "INSERT INTO runs (id, name, host, pid, status, interval_s, started_unix, duration_s, energy_j) "
            "VALUES (?, ?, ?, ?, 'completed', 1.0, ?, 10.0, 3600.0)",
            [(run_id, f"r{i}", host, pid, 1_700_000_000.0 + i * step_s) for i, run_id in enumerate(ids)])
        conn.executemany(
            "INSERT INTO run_devices (run_id, device_id, component, method, label, source, energy_j) "
            "VALUES (?, 'rapl:package-0', 'cpu', 'counter', 'package-0', 'test', 3600.0)",
            [(run_id,) for run_id in ids])
    return ids


def test_runs_list_pages(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    ids = _fill(path, 120)

    def shown(*args: str) -> tuple[list[str], str]:
        done = run_cli("runs", "list", "--ledger", str(path), *args)
        assert done.returncode == 0, done.stderr
        return [i for i in ids if i in done.stdout], done.stdout

    first, out = shown()
    assert first == ids[:50]  # oldest first
    assert "70 more — use --limit/--offset or --all" in out
    assert "counter" in out and "no device" not in out
    rest, out = shown("--offset", "50", "--limit", "100")
    assert rest == ids[50:] and "more —" not in out
    middle, out = shown("--offset", "100", "--limit", "10")
    assert middle == ids[100:110] and "10 more —" in out
    every, out = shown("--all")
    assert every == ids and "more —" not in out


def test_a_small_ledger_lists_without_a_more_line(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    ids = _fill(path, 50)
    done = run_cli("runs", "list", "--ledger", str(path))
    assert done.returncode == 0, done.stderr
    assert all(i in done.stdout for i in ids) and "more —" not in done.stdout


def test_batched_reads_match_the_per_run_ones(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "runs.db")
    ids = _fill(ledger.path, 3)
    sink = LedgerSink(ledger)
    bare = sink.begin_run("bare", devices=[], started_unix=1_800_000_000.0, interval_s=1.0, tags={})
    everyone = [*ids, bare]
    assert ledger.methods_by_run(everyone) == {**{i: {"counter"} for i in ids}, bare: set()}
    assert ledger.devices_for(everyone) == {i: ledger.devices(i) for i in everyone}
    assert ledger.count() == 4 and ledger.sample_count(ids[0]) == 0


def test_a_page_of_a_100000_run_ledger_is_read_in_well_under_a_second(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "big.db")
    _fill(ledger.path, 100_000)
    start = time.perf_counter()
    rows = ledger.runs(limit=50)
    methods = ledger.methods_by_run([r.id for r in rows])
    total = ledger.count()
    elapsed = time.perf_counter() - start
    assert (len(rows), len(methods), total) == (50, 50, 100_000)
    assert elapsed < 1.0, f"{elapsed:.2f} s"


@pytest.mark.parametrize("module", ["energybill.measure", "energybill.core.records"])
def test_the_meter_never_imports_the_ledger(module: str) -> None:
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("energybill")
    assert not graph.chain_exists(importer=module, imported="energybill.ledger", as_packages=True)
    assert not graph.chain_exists(importer="energybill.ledger", imported="energybill.measure",
                                  as_packages=True)
