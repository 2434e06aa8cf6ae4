"""Hostile ledgers (issue 12, item 5), each through the CLI in a fresh process: exit code 2, one
line, no traceback, and the file left byte-identical where that is promised.

- another application's SQLite file: never given energybill's tables, never switched to WAL;
- a ledger locked by another process: a bounded wait, then "locked by another process";
- corrupt, future-schema and garbled-schema ledgers, a folder, a text file, an empty file;
- a read-only ledger: reads work (and change nothing), `measure` says it cannot record;
- a 100,000-character run id, and `runs show %` / `_` (no LIKE wildcards);
- a `measure` in its own PID namespace is not marked interrupted by a `runs list` outside it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from tests.conftest import run_cli, wait_until

from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.record import record_run
from energybill.ledger.store import Ledger

CPU = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")


def _ledger_with_a_run(path: Path) -> str:
    result = Measurement("r", 1.7e9, 2.0, (DeviceEnergy(CPU, 20.0),), 10.0)
    ledger = Ledger(path)
    run_id = record_run(ledger, "a run", result)
    ledger.close()
    _checkpoint_wal(path)
    return run_id


def _checkpoint_wal(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:  # fold the WAL into the file: its bytes are the state
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _sql(path: Path, statement: str, *args: object) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(statement, args)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, but for WAL's shared-memory index (-shm), which readers write by design,
    and an empty -wal, which SQLite makes for a reader of a WAL ledger (no data in either)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()
            and not p.name.endswith("-shm") and not (p.name.endswith("-wal") and p.stat().st_size == 0)}


def _one_line(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _other_app(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                       "INSERT INTO notes (body) VALUES ('keep me');")
    conn.close()


READS = [("runs", "list"), ("runs", "list", "--all"), ("runs", "show", "abc"),
         ("runs", "show", "abc", "--json"), ("runs", "export", "--csv")]


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_reading_another_apps_sqlite_leaves_it_byte_identical(tmp_path: Path, args: tuple[str, ...]) -> None:
    other = tmp_path / "other.db"
    _other_app(other)
    before = _snapshot(tmp_path)
    _one_line(run_cli(*args, "--ledger", str(other)), "not an energybill ledger")
    assert _snapshot(tmp_path) == before  # no tables added, no -wal/-shm, not switched to WAL
    with closing(sqlite3.connect(other)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_measure_into_another_apps_sqlite_leaves_it_byte_identical(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    _other_app(other)
    before = _snapshot(tmp_path)
    done = run_cli("measure", "--ledger", str(other), "--", sys.executable, "-c", "raise SystemExit(3)")
    assert done.returncode == 3 and "Traceback" not in done.stderr  # the command's own exit code
    assert "not an energybill ledger" in done.stderr
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(("content", "needle"), [
    (b"just some text\n" * 200, "not an energybill ledger"),
    (b"", "not an energybill ledger"),
    (b"SQLite format 3\x00" + b"\xff" * 4080, "ledger"),
])
def test_a_file_that_is_no_ledger_is_one_line_and_untouched(tmp_path: Path, content: bytes,
                                                            needle: str) -> None:
    path = tmp_path / "x.ledger.db"
    path.write_bytes(content)
    for args in READS:
        _one_line(run_cli(*args, "--ledger", str(path)), needle)
    assert _snapshot(tmp_path) == {"x.ledger.db": content}


def test_a_folder_or_a_missing_file_as_ledger_is_one_line(tmp_path: Path) -> None:
    _one_line(run_cli("runs", "list", "--ledger", str(tmp_path)), "not a ledger file")
    _one_line(run_cli("runs", "list", "--ledger", str(tmp_path / "none.db")), "no such ledger")
    assert not (tmp_path / "none.db").exists()


def test_a_corrupted_page_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledger = Ledger(path)
    for i in range(40):  # several pages of runs
        result = Measurement("r", 1.7e9 + i, 1.0, (DeviceEnergy(CPU, 1.0),))
        record_run(ledger, f"run {i} " + "x" * 200, result)
    _checkpoint_wal(path)
    data = bytearray(path.read_bytes())
    data[4096:len(data)] = b"\x5a" * (len(data) - 4096)  # every page after the first is garbage
    path.write_bytes(bytes(data))
    before = _snapshot(tmp_path)
    line = _one_line(run_cli("runs", "list", "--ledger", str(path)), str(path))
    assert "damaged" in line or "not an energybill ledger" in line or "malformed" in line
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(("value", "needle"), [("99", "newer"), ("abc", "not a number"), ("", "not a number"),
                                               ("1e9", "not a number"), ("-1", "not a number")])
def test_a_future_or_garbled_schema_version_is_one_line(tmp_path: Path, value: str, needle: str) -> None:
    path = tmp_path / "l.db"
    _ledger_with_a_run(path)
    _sql(path, "UPDATE meta SET value = ? WHERE key = 'schema_version'", value)
    _checkpoint_wal(path)
    before = _snapshot(tmp_path)
    for args in (READS[0], READS[4]):
        _one_line(run_cli(*args, "--ledger", str(path)), needle)
    done = run_cli("measure", "--ledger", str(path), "--", sys.executable, "-c", "pass")
    assert done.returncode == 0 and needle in done.stderr and "Traceback" not in done.stderr
    assert _snapshot(tmp_path) == before


def test_a_locked_ledger_waits_a_bounded_time_then_says_so(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _ledger_with_a_run(path)
    locker = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('PRAGMA locking_mode = EXCLUSIVE'); c.execute('BEGIN EXCLUSIVE')\n"
         "c.execute(\"UPDATE meta SET value = value WHERE key = 'schema_version'\")\n"
         "print('locked', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        env = {**os.environ, "ENERGYBILL_LOCK_WAIT_S": "2"}
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "energybill", "runs", "list", "--ledger", str(path)],
                              capture_output=True, text=True, env=env, timeout=60)
        assert time.monotonic() - started < 20
        _one_line(done, "locked by another process")
    finally:
        locker.kill()
        locker.wait()


def test_a_read_only_ledger_is_read_and_never_written(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    run_id = _ledger_with_a_run(path)
    # a run whose writer is gone: a writable ledger would mark it interrupted
    _sql(path, "UPDATE runs SET status = 'running', pid = 999999999, proc_start_unix = 1")
    _checkpoint_wal(path)
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # r--r--r-- (meant read-only, even for root)
    try:
        before = _snapshot(tmp_path)
        listed = run_cli("runs", "list", "--ledger", str(path))
        assert listed.returncode == 0, listed.stderr
        assert run_id in listed.stdout and "running" in listed.stdout
        shown = run_cli("runs", "show", run_id, "--ledger", str(path))
        assert shown.returncode == 0 and "20.0 J" in shown.stdout
        done = run_cli("measure", "--ledger", str(path), "--", sys.executable, "-c", "pass")
        assert done.returncode == 0 and "read-only" in done.stderr and "Traceback" not in done.stderr
        assert _snapshot(tmp_path) == before
    finally:
        path.chmod(0o644)


def test_a_huge_run_id_and_wildcards_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _ledger_with_a_run(path)
    line = _one_line(run_cli("runs", "show", "a" * 100_000, "--ledger", str(path)), "no run")
    assert len(line) < 400
    for pattern in ("%", "_", "%%", "__%", "\\", "' OR 1=1 --"):
        _one_line(run_cli("runs", "show", pattern, "--ledger", str(path)), "no run")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="no unshare(1)")
def test_a_measure_in_its_own_pid_namespace_is_alive_for_a_list_outside_it(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a PID namespace here: {probe.stderr.decode(errors='replace').strip()}")
    listed_flag = tmp_path / "listed"
    # the command runs until the host has listed the run (a fixed 6 s ended before a slow `runs list`
    # on a loaded machine, and the run was then rightly 'completed'); 120 s at most
    wait = (f"import os, time\nend = time.monotonic() + 120\n"
            f"while not os.path.exists({str(listed_flag)!r}) and time.monotonic() < end: time.sleep(0.05)")
    inside = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "energybill", "measure",
         "--interval", "0.2", "--ledger", str(path), "--", sys.executable, "-c", wait],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: _checkpoints(path) >= 2)  # the run and its first heartbeats are written
        listed = run_cli("runs", "list", "--ledger", str(path))  # on the host, outside the namespace
        assert listed.returncode == 0, listed.stderr
        (run,) = Ledger(path).runs()
        assert run.status == "running"  # not interrupted: its pid means nothing here, its heartbeat is fresh
        with closing(sqlite3.connect(path)) as conn:
            pid_ns = conn.execute("SELECT pid_ns FROM runs").fetchone()[0]
        assert pid_ns != os.readlink("/proc/self/ns/pid")
    finally:
        listed_flag.write_text("")
        _, err = inside.communicate(timeout=60)
    assert inside.returncode == 0, err
    (run,) = Ledger(path).runs()
    assert run.status == "completed"


def _checkpoints(path: Path) -> int:
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0])


def test_a_new_ledger_is_never_seen_without_its_tables(tmp_path: Path) -> None:
    """A reader that finds the file as another process creates it reads an empty ledger, never
    'not an energybill ledger' (the race CI hit: `runs list` as `measure` starts)."""
    paths = [tmp_path / f"l{i}.db" for i in range(25)]
    creator = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from energybill.ledger.store import Ledger\n"
        "for p in sys.argv[1:]: Ledger(Path(p)).count()"), *map(str, paths)])
    seen = 0
    try:
        for path in paths:
            deadline = time.monotonic() + 60
            while not path.exists() and time.monotonic() < deadline:
                pass  # spin: catch the file in the instant it appears
            assert Ledger(path, create=False).count() == 0
            seen += 1
    finally:
        creator.wait(timeout=60)
    assert seen == len(paths)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == \
        sorted(p.name for p in paths)  # no temporary file left beside them


def test_a_ledger_let_go_closes_its_file_at_once(tmp_path: Path) -> None:
    """A sqlite3 connection sits in a reference cycle with its statement cache: a Ledger dropped
    without close() kept its write connection until a cyclic collection, whose close rewrote the
    file (the WAL checkpoint) at an arbitrary later moment, e.g. while another process read it."""
    import gc

    path = tmp_path / "l.db"
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    gc.disable()
    try:
        record_run(Ledger(path), "run", Measurement("run", 1.7e9, 2.0, (DeviceEnergy(cpu, 9.0),)))
        assert not Path(f"{path}-wal").exists()  # closed, checkpointed: the file is whole and still
    finally:
        gc.enable()
