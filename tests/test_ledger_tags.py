"""Lineage tags on runs, the filters of `runs list`, idempotent run ids and prefix look-ups, each on
a SQLite file and on a PostgreSQL server (``ledger_location``); the schema migration from a ledger
written by energybill ≤ 0.1 (schema 1) and liveness by heartbeat, on SQLite files."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from tests.conftest import run_cli

from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.record import record_run
from energybill.ledger.sink import LedgerSink
from energybill.ledger.store import SCHEMA_VERSION, Ledger, LedgerError, RunFilter

CPU = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")


def measured(energy_j: float, started_unix: float = 1_700_000_000.0) -> Measurement:
    return Measurement("r", started_unix, 10.0, (DeviceEnergy(CPU, energy_j),), 20.0)


def test_tags_are_stored_read_back_and_filtered(ledger_location: str) -> None:
    ledger = Ledger(ledger_location)
    a = record_run(ledger, "a", measured(100.0), tags={"experiment": "lr-sweep", "model": "noor-1b"})
    b = record_run(ledger, "b", measured(200.0, 1_700_000_001.0),
                   tags={"experiment": "lr-sweep", "model": "noor-7b"})
    c = record_run(ledger, "c", measured(300.0, 1_700_000_002.0), tags={"parent": a, "gone": None},
                   project="P")
    assert ledger.tags(a) == {"experiment": "lr-sweep", "model": "noor-1b"}
    assert ledger.tags(c) == {"parent": a}  # a None value is no tag
    sweep = ledger.runs(where=RunFilter(tags={"experiment": "lr-sweep"}))
    assert [r.id for r in sweep] == [a, b]
    both = RunFilter(tags={"experiment": "lr-sweep", "model": "noor-7b"})
    assert [r.id for r in ledger.runs(where=both)] == [b]
    assert ledger.count(where=both) == 1
    assert [r.id for r in ledger.runs(where=RunFilter(tags={"parent": a}, project="P"))] == [c]
    ledger.set_tags(b, {"model": "noor-13b", "sweep": "s1"})
    assert ledger.tags_for([a, b]) == {a: {"experiment": "lr-sweep", "model": "noor-1b"},
                                       b: {"experiment": "lr-sweep", "model": "noor-13b", "sweep": "s1"}}


@pytest.mark.parametrize("tags", [{"": "x"}, {"bad key": "x"}, {"k": "v" * 1025}, {"k": "a\x00b"}])
def test_a_tag_that_cannot_be_one_is_refused_in_one_line(ledger_location: str, tags: dict[str, str]) -> None:
    ledger = Ledger(ledger_location)
    with pytest.raises(LedgerError, match="tag"):
        record_run(ledger, "a", measured(1.0), tags=tags)
    assert ledger.runs() == []  # nothing half-written


def test_the_sink_splits_columns_from_lineage_tags(ledger_location: str) -> None:
    ledger = Ledger(ledger_location)
    run_id = LedgerSink(ledger).begin_run("r", devices=[CPU], started_unix=1.7e9, interval_s=1.0,
                                          tags={"project": "P", "item": "I", "site": None,
                                                "experiment": "e1", "parent": "abc"})
    (row,) = ledger.runs()
    assert (row.id, row.project, row.item, row.site) == (run_id, "P", "I", None)
    assert ledger.tags(run_id) == {"experiment": "e1", "parent": "abc"}


def test_a_run_id_given_twice_is_recorded_once(ledger_location: str) -> None:
    ledger = Ledger(ledger_location)
    first = record_run(ledger, "job 42", measured(100.0), run_id="slurm-42", tags={"sweep": "s"})
    again = record_run(ledger, "job 42", measured(999.0), run_id="slurm-42", tags={"sweep": "s"})
    (row,) = ledger.runs()
    assert first == again == row.id == "slurm-42"
    assert (row.energy_j, row.status) == (100.0, "completed")  # the second import changed nothing


def test_filters_by_user_host_status_and_time_with_paging(ledger_location: str) -> None:
    ledger = Ledger(ledger_location)
    ids = [record_run(ledger, f"r{i}", measured(float(i + 1), 1_700_000_000.0 + 3600 * i),
                      host="node-a" if i % 2 else "node-b", status="failed" if i == 3 else "completed")
           for i in range(6)]
    assert [r.id for r in ledger.runs(where=RunFilter(host="node-a"))] == [ids[1], ids[3], ids[5]]
    assert [r.id for r in ledger.runs(where=RunFilter(status="failed"))] == [ids[3]]
    window = RunFilter(since_unix=1_700_000_000.0 + 3600, until_unix=1_700_000_000.0 + 3 * 3600)
    assert [r.id for r in ledger.runs(where=window)] == [ids[1], ids[2]]  # [since, until)
    me = ledger.runs()[0].user_name
    assert me and ledger.count(where=RunFilter(user=me)) == 6 and ledger.count(where=RunFilter(user="x")) == 0
    page = ledger.runs(where=RunFilter(host="node-a"), limit=2, offset=1)
    assert [r.id for r in page] == [ids[3], ids[5]]


def test_runs_list_filters_by_tag_on_the_command_line(ledger_location: str) -> None:
    path = ledger_location
    ledger = Ledger(path)
    record_run(ledger, "alpha-run", measured(1.0), tags={"experiment": "e1"})
    record_run(ledger, "beta-run", measured(2.0), tags={"experiment": "e2"})
    done = run_cli("runs", "list", "--ledger", str(path), "--tag", "experiment=e2")
    assert done.returncode == 0, done.stderr
    assert "beta-run" in done.stdout and "alpha-run" not in done.stdout
    assert "experiment=e2" in done.stdout
    since = run_cli("runs", "list", "--ledger", str(path), "--since", "1d")  # runs of 2023: none
    assert since.returncode == 0 and "alpha-run" not in since.stdout
    bad = run_cli("runs", "list", "--ledger", str(path), "--tag", "novalue")
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr and "Traceback" not in bad.stderr
    bad_time = run_cli("runs", "list", "--ledger", str(path), "--since", "yesterday-ish")
    assert bad_time.returncode == 2 and "--since" in bad_time.stderr


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, project TEXT, item TEXT, site TEXT,
    command TEXT, host TEXT NOT NULL, pid INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    exit_code INTEGER, interval_s REAL NOT NULL, started_unix REAL NOT NULL, checkpoint_unix REAL,
    ended_unix REAL, duration_s REAL NOT NULL DEFAULT 0, energy_j REAL, peak_power_w REAL,
    notes TEXT NOT NULL DEFAULT '');
CREATE INDEX runs_item ON runs (project, item);
CREATE TABLE run_devices (run_id TEXT NOT NULL REFERENCES runs (id), device_id TEXT NOT NULL,
    component TEXT NOT NULL, method TEXT NOT NULL, label TEXT NOT NULL, source TEXT NOT NULL,
    energy_j REAL NOT NULL DEFAULT 0, PRIMARY KEY (run_id, device_id));
CREATE TABLE samples (run_id TEXT NOT NULL REFERENCES runs (id), seq INTEGER NOT NULL, t_s REAL NOT NULL,
    energy_j REAL, power_w REAL, PRIMARY KEY (run_id, seq));
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO runs (id, name, host, pid, status, interval_s, started_unix, duration_s, energy_j)
    VALUES ('old1', 'from 0.1', 'h', 1, 'completed', 1, 1600000000, 10, 1234.5);
"""


def test_a_schema_1_ledger_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.ledger.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
    ledger = Ledger(path)
    (old,) = ledger.runs()
    assert (old.id, old.energy_j, old.user_name) == ("old1", 1234.5, None)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION) == "2"
        columns = {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
    assert {"user_name", "boot_id", "pid_ns", "proc_start_unix"} <= columns
    ledger.set_tags("old1", {"experiment": "legacy"})
    assert [r.id for r in ledger.runs(where=RunFilter(tags={"experiment": "legacy"}))] == ["old1"]


def test_show_matches_a_prefix_never_a_wildcard(ledger_location: str) -> None:
    ledger = Ledger(ledger_location)
    run_id = record_run(ledger, "only", measured(1.0))
    assert ledger.run(run_id[:4]).id == run_id
    for pattern in ("%", "_", run_id[:2] + "%", "_" * len(run_id)):
        with pytest.raises(LedgerError, match="no run"):
            ledger.run(pattern)
    with pytest.raises(LedgerError, match="no run") as error:
        ledger.run("a" * 100_000)
    assert len(str(error.value)) < 300


def test_a_fresh_heartbeat_elsewhere_is_alive_and_a_stale_one_is_interrupted(tmp_path: Path) -> None:
    """A run written from another PID namespace (a container with our hostname): its pid means
    nothing here, so only its heartbeat says whether it lives."""
    ledger = Ledger(tmp_path / "l.db")
    fresh = record_run(ledger, "fresh", measured(5.0), status="running")
    stale = record_run(ledger, "stale", measured(5.0), status="running")
    with sqlite3.connect(ledger.path) as conn:
        conn.execute("UPDATE runs SET pid_ns = 'pid:[1]', pid = 999999999, checkpoint_unix = ?",
                     (time.time(),))
        conn.execute("UPDATE runs SET checkpoint_unix = ? WHERE id = ?", (time.time() - 3600, stale))
    status = {r.id: r.status for r in ledger.runs()}
    assert status == {fresh: "running", stale: "interrupted"}
