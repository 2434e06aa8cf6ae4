"""The SQLite ledger: real files, real processes, several writers at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.sink import LedgerSink
from energybill.ledger.store import SCHEMA_VERSION, Ledger, LedgerError
from energybill.measure.sink import RunRecorder

CPU = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")


def result(energy_j: float, duration_s: float) -> Measurement:
    return Measurement("r", 1_700_000_000.0, duration_s, (DeviceEnergy(CPU, energy_j),), 50.0)


def test_new_ledger_is_wal_with_a_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).runs()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert version == str(SCHEMA_VERSION)


def test_newer_schema_and_foreign_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).runs()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="schema 99 is newer"):
        Ledger(path).runs()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just text " * 100)
    with pytest.raises(LedgerError, match="not an energybill ledger"):
        Ledger(junk).runs()
    with pytest.raises(LedgerError, match="no such ledger"):
        Ledger(tmp_path / "missing.db", create=False)


def test_checkpoints_then_finish(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    recorder = RunRecorder.begin(LedgerSink(ledger), "r", 1.0, [CPU], project="P", item="I")
    recorder.checkpoint(result(100.0, 1.0))
    recorder.checkpoint(result(250.0, 2.0))
    (row,) = ledger.runs()
    assert (row.status, row.energy_j, row.duration_s) == ("running", 250.0, 2.0)
    assert [s["power_w"] for s in ledger.samples(row.id)] == [100.0, 150.0]
    recorder.finish(result(300.0, 2.5), "completed", 0)
    recorder.checkpoint(result(999.0, 9.0))  # a late sampler tick after the end changes nothing
    (row,) = ledger.runs()
    assert (row.status, row.exit_code, row.energy_j, row.duration_s) == ("completed", 0, 300.0, 2.5)
    assert ledger.devices(row.id)[0]["energy_j"] == 300.0
    assert ledger.run(row.id[:6]).id == row.id


def test_a_run_whose_process_died_is_marked_interrupted(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    recorder = RunRecorder.begin(LedgerSink(ledger), "r", 1.0, [CPU])
    recorder.checkpoint(result(100.0, 1.0))
    with sqlite3.connect(ledger.path) as conn:  # as if that (now dead) process had recorded it
        conn.execute("UPDATE runs SET pid = ?", (int(dead.stdout),))
    (row,) = ledger.runs()
    assert (row.status, row.energy_j) == ("interrupted", 100.0)
    assert row.ended_unix == row.checkpoint_unix


WRITER = """
import sys
import energybill
ledger, worker = sys.argv[1], int(sys.argv[2])
for i in range(100):
    with energybill.track(f"w{worker}-{i}", ledger=ledger, interval_s=0.01, cpu_tdp_w=100.0):
        sum(range(2000))
"""


def test_eight_processes_record_a_hundred_runs_each_without_losing_one(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w)], stderr=subprocess.PIPE,
                                text=True) for w in range(8)]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    rows = Ledger(path).runs()
    assert len(rows) == 800
    assert {r.name for r in rows} == {f"w{w}-{i}" for w in range(8) for i in range(100)}
    assert {r.status for r in rows} == {"completed"}
    assert all(r.energy_j is not None and r.energy_j > 0 for r in rows)


def test_a_window_edge_writes_only_the_windows_that_changed(ledger_location: str) -> None:
    """Issue 16, item 7: a checkpoint at the 300th window costs what it costs at the first. The
    meter hands over every window at each edge; the sink writes the new ones and any a late rank
    changed (here the first, re-entered), upserted; read back, the ledger holds every window."""
    from energybill.core.records import RunExtras, WindowRecord
    from energybill.ledger import record

    ledger = Ledger(ledger_location)
    sink = LedgerSink(ledger)
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    run_id = sink.begin_run("epochs", devices=[cpu], started_unix=1.7e9, interval_s=1.0, tags={})
    written: list[int] = []
    write = ledger.write

    def counting(ops):  # type: ignore[no-untyped-def]
        written.append(sum(len(args) for statement, args, many in ops if "run_windows VALUES" in statement))
        write(ops)

    ledger.write = counting  # type: ignore[method-assign]
    windows: list[WindowRecord] = []
    for epoch in range(300):
        windows.append(WindowRecord(f"epoch {epoch}", epoch, None, float(epoch), 1.0, 10.0))
        if epoch == 150:  # a late rank's share of epoch 0 arrives: that window changes too
            windows[0] = WindowRecord("epoch 0", 0, None, 0.0, 1.0, 25.0, 2)
        sink.write_extras(run_id, RunExtras(windows=list(windows)))
    assert written[0] == 1 and max(written[1:]) == 2 and sum(written) == 301  # 300 windows + epoch 0 again
    back = record.windows(ledger, run_id)
    assert len(back) == 300 and back[0].energy_j == 25.0 and back[0].segments == 2
    assert [w.name for w in back] == [f"epoch {i}" for i in range(300)]
