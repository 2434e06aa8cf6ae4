"""Issue 16's acceptance on ledgers, on SQLite and on a real PostgreSQL server started here.

- 16 writer processes × 50 runs, each with 3 checkpoints and a finish: 800 runs, 3,200 samples,
  every run's energy 40 J (4 × 10 J steps), none lost, none twice.
- The server stopped for 10 s mid-run and restarted: the run completes from the spool, every
  sample there, one run. (On SQLite, where there is no server: another process holds the file
  locked for 10 s; the writer waits and loses nothing.)
- kill -9 of a writer: its run is marked interrupted with its checkpointed energy (30 J).
- Bad input on a server: unreachable, wrong password, wrong database, newer or garbled schema:
  one line naming host and database, never the password, exit 2, in bounded time.

The server: Debian's ``postgresql`` (``.ci/run`` installs it), ``initdb`` in a temporary folder,
loopback only, a free port (tests/pg_server.py). Without it these tests skip, saying why.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.pg_server import PASSWORD, PgServer

from energybill.ledger.store import Ledger, RunFilter

WRITERS, RUNS, CHECKPOINTS = 16, 50, 3
print(f"ledger scale suite: {WRITERS} writers x {RUNS} runs x {CHECKPOINTS + 1} samples")  # size, in the log

HEADER = """
import sys, time
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.sink import LedgerSink
from energybill.ledger.store import Ledger
from energybill.measure.sink import RunRecorder
cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
def at(k):  # k seconds in, 10 J per second
    return Measurement("r", 1.7e9, float(k), (DeviceEnergy(cpu, 10.0 * k),), 10.0)
ledger = Ledger(sys.argv[1])
sink = LedgerSink(ledger)
"""

WRITER = HEADER + """
worker, runs, checkpoints = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(runs):
    run = RunRecorder.begin(sink, f"w{worker}-{i}", 0.1, [cpu], experiment="scale", worker=str(worker))
    for k in range(1, checkpoints + 1):
        run.checkpoint(at(k))
    run.finish(at(checkpoints + 1), "completed", 0)
"""

OUTAGE = HEADER + """
steps = int(sys.argv[2])
run = RunRecorder.begin(sink, "through-the-outage", 0.25, [cpu], experiment="outage")
for k in range(1, steps + 1):
    run.checkpoint(at(k))
    spooled = ledger._spool is not None and ledger._spool.pending()
    print(k, "spooled" if spooled else "sent", flush=True)
    time.sleep(0.25)
run.finish(at(steps + 1), "completed", 0)
print("finished", flush=True)
"""

KILLED = HEADER + """
run = RunRecorder.begin(sink, "killed", 0.1, [cpu])
for k in (1, 2, 3):
    run.checkpoint(at(k))
print("ready", flush=True)
time.sleep(120)
"""


@pytest.fixture
def location(ledger_location: str) -> str:
    return ledger_location


@pytest.fixture(autouse=True)
def spool_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "spool"
    monkeypatch.setenv("ENERGYBILL_SPOOL", str(folder))  # this process and the writers it starts
    return folder


def _python(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_sixteen_writers_fifty_runs_each_lose_no_sample(location: str) -> None:
    writers = [_python(WRITER, location, str(w), str(RUNS), str(CHECKPOINTS)) for w in range(WRITERS)]
    for writer in writers:
        _, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err
    ledger = Ledger(location)
    rows = ledger.runs()
    assert len(rows) == WRITERS * RUNS == 800
    assert len({r.id for r in rows}) == 800
    assert {r.name for r in rows} == {f"w{w}-{i}" for w in range(WRITERS) for i in range(RUNS)}
    assert {r.status for r in rows} == {"completed"}
    # each run: 4 intervals of 10 J/s × 1 s → 40 J, and its 4 samples (3 checkpoints + the finish)
    assert {r.energy_j for r in rows} == {10.0 * (CHECKPOINTS + 1)}
    with ledger.connect() as conn:
        samples = conn.execute("SELECT COUNT(*), COUNT(DISTINCT run_id) FROM samples").fetchone()
        per_run = {tuple(r) for r in conn.execute(
            "SELECT COUNT(*), MIN(seq), MAX(seq) FROM samples GROUP BY run_id").fetchall()}
    assert tuple(samples) == (800 * (CHECKPOINTS + 1), 800)
    assert per_run == {(CHECKPOINTS + 1, 1, CHECKPOINTS + 1)}
    assert ledger.count(where=RunFilter(tags={"worker": "7", "experiment": "scale"})) == RUNS


def test_an_outage_mid_run_loses_nothing_and_duplicates_nothing(location: str, pg_or_none: PgServer | None,
                                                                spool_folder: Path) -> None:
    steps = 56  # 56 × 0.25 s = 14 s of run, with a 10 s outage inside
    writer = _python(OUTAGE, location, str(steps))
    assert writer.stdout is not None
    lines = [writer.stdout.readline() for _ in range(4)]  # four checkpoints sent
    assert all(line.endswith("sent\n") for line in lines), lines
    if pg_or_none is not None:
        pg_or_none.stop()
        time.sleep(10)
        pg_or_none.start()
    else:  # SQLite: another process holds the file locked for 10 s
        locker = sqlite3.connect(location, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        time.sleep(10)
        locker.execute("COMMIT")
        locker.close()
    out, err = writer.communicate(timeout=180)
    assert writer.returncode == 0, err
    assert out.strip().endswith("finished")
    if pg_or_none is not None:
        assert " spooled" in out  # the writes during the outage went to the spool...
        assert not list(spool_folder.rglob("*.jsonl"))  # ...and were all sent
    ledger = Ledger(location)
    (run,) = ledger.runs(where=RunFilter(tags={"experiment": "outage"}))
    assert (run.status, run.energy_j, run.duration_s) == ("completed", 10.0 * (steps + 1), steps + 1.0)
    assert [s["seq"] for s in ledger.samples(run.id)] == list(range(1, steps + 2))


@pytest.fixture
def pg_or_none(location: str, request: pytest.FixtureRequest) -> PgServer | None:
    if location.startswith("postgresql://"):
        server: PgServer = request.getfixturevalue("pg")
        return server
    return None


def test_a_killed_writer_leaves_its_run_interrupted_with_checkpointed_energy(location: str) -> None:
    writer = _python(KILLED, location)
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    (run,) = Ledger(location).runs()
    assert (run.status, run.energy_j, run.duration_s) == ("interrupted", 30.0, 3.0)
    assert run.ended_unix == run.checkpoint_unix


# -- bad input on a server --------------------------------------------------------------------------
def _one_line(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert PASSWORD not in done.stderr + done.stdout
    return lines[0]


def test_an_unreachable_server_is_one_line_in_bounded_time(pg: PgServer) -> None:
    closed = f"postgresql://energybill:{PASSWORD}@127.0.0.1:1/teamdb"  # nothing listens on port 1
    started = time.monotonic()
    line = _one_line(run_cli("runs", "list", "--ledger", closed), "127.0.0.1", "teamdb")
    assert time.monotonic() - started < 30
    assert "cannot connect" in line


@pytest.mark.parametrize("wrong", ["password", "database"])
def test_a_wrong_password_or_database_is_one_line(pg: PgServer, wrong: str) -> None:
    url = pg.url(password="not-it") if wrong == "password" else pg.url("no_such_db")
    line = _one_line(run_cli("runs", "list", "--ledger", url), "127.0.0.1")
    assert ("password" in line) if wrong == "password" else ("no_such_db" in line)
    assert "not-it" not in line


@pytest.mark.parametrize(("version", "needle"), [("99", "newer"), ("x'; drop", "not a number")])
def test_a_newer_or_garbled_schema_on_a_server_is_one_line(pg: PgServer, version: str, needle: str) -> None:
    import psycopg

    url = pg.new_database()
    Ledger(url).runs()  # the schema
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (version,))
    _one_line(run_cli("runs", "list", "--ledger", url), needle, "127.0.0.1")
    # measure still runs the command (its exit code matters more than the record) and says why
    # nothing was recorded in one warning line
    done = run_cli("measure", "--ledger", url, "--", sys.executable, "-c", "pass")
    assert done.returncode == 0 and "Traceback" not in done.stderr and PASSWORD not in done.stderr
    (warning,) = [line for line in done.stderr.splitlines() if line.startswith("energybill: warning")]
    assert needle in warning and "127.0.0.1" in warning


def test_measure_into_a_server_never_prints_or_stores_the_password(pg: PgServer) -> None:
    url = pg.new_database()
    done = run_cli("measure", "--ledger", url, "--interval", "0.1", "--cpu-tdp-w", "100", "--",
                   sys.executable, "-c", "import time; time.sleep(0.5)")
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert "recorded in postgresql://energybill@127.0.0.1" in done.stderr
    (run,) = Ledger(url).runs()
    assert run.status == "completed" and run.energy_j is not None and run.energy_j > 0
    with Ledger(url).connect() as conn:
        text = " ".join(str(v) for table in ("runs", "run_devices", "samples", "meta", "run_tags")
                        for row in conn.execute(f"SELECT * FROM {table}").fetchall() for v in row)
    assert PASSWORD not in text
    listed = run_cli("runs", "list", "--ledger", url)
    assert listed.returncode == 0 and run.id in listed.stdout and PASSWORD not in listed.stdout


ENDS_OFFLINE = HEADER + """
run = RunRecorder.begin(sink, "ended-offline", 0.1, [cpu], experiment="offline")
run.checkpoint(at(1))
print("begun", flush=True)
sys.stdin.readline()  # the server is stopped now
run.checkpoint(at(2))
run.finish(at(3), "completed", 0)
print("spooled" if ledger._spool is not None and ledger._spool.pending() else "sent", flush=True)
"""


def test_a_writer_that_ends_while_the_server_is_away_is_sent_by_the_next_process(
        pg: PgServer, spool_folder: Path) -> None:
    url = pg.new_database()
    writer = subprocess.Popen([sys.executable, "-c", ENDS_OFFLINE, url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdin is not None
    assert writer.stdout.readline().strip() == "begun"
    pg.stop()
    try:
        writer.stdin.write("go\n")
        writer.stdin.flush()
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "spooled"
        assert len(list(spool_folder.rglob("*.jsonl"))) == 1  # left for whoever reaches the server next
        listed = run_cli("runs", "list", "--ledger", url)
        _one_line(listed, "cannot connect", "127.0.0.1")  # still away: said, nothing lost
    finally:
        pg.start()
    listed = run_cli("runs", "list", "--ledger", url, "--tag", "experiment=offline")
    assert listed.returncode == 0, listed.stderr
    assert "ended-offline" in listed.stdout and "completed" in listed.stdout
    assert not list(spool_folder.rglob("*.jsonl"))
    (run,) = Ledger(url).runs()
    assert (run.status, run.energy_j) == ("completed", 30.0)
    assert [s["seq"] for s in Ledger(url).samples(run.id)] == [1, 2, 3]
