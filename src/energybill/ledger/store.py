"""Measured runs in one SQLite file: runs, their devices, samples and per-interval checkpoints.

- WAL mode with ``busy_timeout`` and short ``BEGIN IMMEDIATE`` transactions: several processes
  (DDP ranks, a sweep) may write to one ledger at once; readers never block writers.
- Every interval a run's samples, per-device energy, duration and checkpoint time are written in
  one transaction, so a killed run keeps all but its last interval. A run still marked
  ``running`` whose process is gone from this host is marked ``interrupted`` when the ledger is
  next opened for reading.
- ``meta.schema_version`` says which layout a file has; a newer one is refused, not misread.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from energybill.core.errors import EnergybillError
from energybill.core.records import Device, Measurement

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 60_000
STATUSES = ("running", "completed", "failed", "interrupted")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    project TEXT, item TEXT, site TEXT, command TEXT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    exit_code INTEGER,
    interval_s REAL NOT NULL,
    started_unix REAL NOT NULL,
    checkpoint_unix REAL,
    ended_unix REAL,
    duration_s REAL NOT NULL DEFAULT 0,
    energy_j REAL,              -- NULL: no device could be read (never a zero)
    peak_power_w REAL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_item ON runs (project, item);
CREATE TABLE IF NOT EXISTS run_devices (
    run_id TEXT NOT NULL REFERENCES runs (id),
    device_id TEXT NOT NULL,
    component TEXT NOT NULL,
    method TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    energy_j REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, device_id)
);
CREATE TABLE IF NOT EXISTS samples (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq INTEGER NOT NULL,
    t_s REAL NOT NULL,          -- seconds since the run began
    energy_j REAL,              -- cumulative, all devices
    power_w REAL,               -- average over the interval that ends at t_s
    PRIMARY KEY (run_id, seq)
);
"""


class LedgerError(EnergybillError):
    """A ledger that cannot be opened or a run that is not in it."""


@dataclass(frozen=True)
class RunRow:
    """One run as the ledger holds it."""

    id: str
    name: str
    project: str | None
    item: str | None
    site: str | None
    command: str | None
    host: str
    pid: int
    status: str
    exit_code: int | None
    interval_s: float
    started_unix: float
    checkpoint_unix: float | None
    ended_unix: float | None
    duration_s: float
    energy_j: float | None
    peak_power_w: float | None
    notes: str



class Ledger:
    """One SQLite ledger file; each method opens a short-lived connection (process- and fork-safe)."""

    def __init__(self, path: str | Path, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise LedgerError(f"{self.path}: no such ledger (record a run with `energybill measure` first)")
        self._ready = _key(self.path) in _PREPARED

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction (``BEGIN IMMEDIATE`` when writing)."""
        conn = self._open()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot open ledger ({exc})") from None
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not self._ready:
            self._prepare(conn)
        else:
            self._check_version(conn)
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable across a killed process
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if not self._check_version(conn):
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.execute("COMMIT")
            _PREPARED.add(_key(self.path))
        except sqlite3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()
            raise LedgerError(f"{self.path}: not an energybill ledger ({exc})") from None
        self._ready = True

    def _check_version(self, conn: sqlite3.Connection) -> bool:
        """False for a new file; raises for a schema newer than this code."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            conn.close()
            raise LedgerError(
                f"{self.path}: ledger schema {row[0]} is newer than this energybill "
                f"(schema {SCHEMA_VERSION}); upgrade energybill"
            )
        return row is not None

    # -- writing ----------------------------------------------------------------------------
    def insert_run(self, row: dict[str, Any], devices: Sequence[Device]) -> None:
        with self.connect(write=True) as conn:
            keys = ", ".join(row)
            marks = ", ".join("?" * len(row))
            conn.execute(f"INSERT INTO runs ({keys}) VALUES ({marks})", tuple(row.values()))
            conn.executemany(
                "INSERT INTO run_devices (run_id, device_id, component, method, label, source) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(row["id"], d.device_id, d.component, d.method, d.label, d.source) for d in devices],
            )

    def checkpoint(self, run_id: str, seq: int, result: Measurement, power_w: float | None, *,
                   status: str = "running", exit_code: int | None = None, ended: bool = False) -> None:
        """Write one interval: a sample, each device's energy, the run's duration and energy."""
        now = time.time()
        with self.connect(write=True) as conn:
            status_now = conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
            if status_now is None or status_now[0] != "running":
                return  # finished (or marked interrupted) already: a late sampler tick changes nothing
            conn.execute(
                "INSERT OR REPLACE INTO samples VALUES (?, ?, ?, ?, ?)",
                (run_id, seq, result.duration_s, result.energy_j, power_w),
            )
            conn.executemany(
                "UPDATE run_devices SET energy_j = ? WHERE run_id = ? AND device_id = ?",
                [(d.energy_j, run_id, d.device.device_id) for d in result.devices],
            )
            conn.execute(
                "UPDATE runs SET duration_s = ?, energy_j = ?, peak_power_w = ?, checkpoint_unix = ?, "
                "status = ?, exit_code = ?, ended_unix = ?, notes = ? WHERE id = ? AND status = 'running'",
                (result.duration_s, result.energy_j, result.peak_power_w, now, status, exit_code,
                 result.started_unix + result.duration_s if ended else None, "\n".join(result.notes), run_id),
            )

    def mark_interrupted(self) -> int:
        """Mark this host's ``running`` runs whose process is gone as interrupted; returns how many."""
        host = socket.gethostname()
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT id, pid, started_unix FROM runs WHERE status = 'running' AND host = ?", (host,)
            ).fetchall()
        dead = [r["id"] for r in rows if not _alive(r["pid"], r["started_unix"])]
        if dead:
            with self.connect(write=True) as conn:
                conn.executemany(
                    "UPDATE runs SET status = 'interrupted', ended_unix = checkpoint_unix "
                    "WHERE id = ? AND status = 'running'",
                    [(run_id,) for run_id in dead],
                )
        return len(dead)

    # -- reading ----------------------------------------------------------------------------
    def runs(self, project: str | None = None, item: str | None = None,
             ids: Sequence[str] | None = None, *, limit: int | None = None, offset: int = 0) -> list[RunRow]:
        """Runs, oldest first, optionally those of one project item or with given ids; ``limit``
        and ``offset`` page through them in SQL (a ledger may hold 100,000 runs)."""
        self.mark_interrupted()
        where, args = _filters(project, item, ids)
        page = "" if limit is None else " LIMIT ? OFFSET ?"
        with self.connect() as conn:
            rows = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs{where} ORDER BY started_unix, id{page}",
                                [*args, *((limit, offset) if limit is not None else ())]).fetchall()
        return [RunRow(*r) for r in rows]  # the columns in RunRow's order: no look-up per field

    def count(self, project: str | None = None, item: str | None = None) -> int:
        """How many runs (of one project item) the ledger holds."""
        where, args = _filters(project, item, None)
        with self.connect() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0])

    def run(self, run_id: str) -> RunRow:
        """The run with this id, or a unique id prefix."""
        with self.connect() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM runs WHERE id LIKE ?", (run_id + "%",))]
        if len(ids) != 1:
            why = "no run" if not ids else f"{len(ids)} runs"
            raise LedgerError(f"{self.path}: {why} with id {run_id!r} (see `energybill runs list`)")
        return self.runs(ids=ids)[0]

    def devices(self, run_id: str) -> list[dict[str, Any]]:
        with self.connect() as conn:
            rows = conn.execute("SELECT * FROM run_devices WHERE run_id = ? ORDER BY device_id", (run_id,))
            return [dict(r) for r in rows]

    def devices_for(self, run_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """``devices`` of many runs through one connection: ``{run_id: [device, ...]}``, every id a key."""
        out: dict[str, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
        with self.connect() as conn:
            for chunk in _chunks(list(out)):
                rows = conn.execute(
                    f"SELECT * FROM run_devices WHERE run_id IN ({', '.join('?' * len(chunk))}) "
                    "ORDER BY run_id, device_id", chunk)
                for r in rows:
                    out[r["run_id"]].append(dict(r))
        return out

    def methods_by_run(self, run_ids: Sequence[str]) -> dict[str, set[str]]:
        """The methods behind each run's figures, in one connection: ``{run_id: {"counter", ...}}``
        (an empty set for a run with no device)."""
        out: dict[str, set[str]] = {run_id: set() for run_id in run_ids}
        with self.connect() as conn:
            for chunk in _chunks(list(out)):
                rows = conn.execute(
                    f"SELECT DISTINCT run_id, method FROM run_devices "
                    f"WHERE run_id IN ({', '.join('?' * len(chunk))})", chunk)
                for run_id, method in rows:
                    out[run_id].add(method)
        return out

    def methods_of_project(self, project: str) -> dict[str, set[str]]:
        """``methods_by_run`` of every run of a project, in one query: ``{run_id: {"counter", ...}}``
        (runs with no device are not keys)."""
        out: dict[str, set[str]] = {}
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT DISTINCT d.run_id, d.method FROM run_devices d JOIN runs r ON r.id = d.run_id "
                "WHERE r.project = ?", (project,))
            for run_id, method in rows:
                out.setdefault(run_id, set()).add(method)
        return out

    def samples(self, run_id: str) -> list[dict[str, Any]]:
        with self.connect() as conn:
            rows = conn.execute("SELECT * FROM samples WHERE run_id = ? ORDER BY seq", (run_id,))
            return [dict(r) for r in rows]

    def sample_count(self, run_id: str) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM samples WHERE run_id = ?", (run_id,)).fetchone()[0])


_RUN_COLUMNS = ", ".join(f.name for f in fields(RunRow))  # RunRow's fields in order, found once
_CHUNK = 500  # ids per IN (...): well under SQLite's limit on bound parameters


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _filters(project: str | None, item: str | None, ids: Sequence[str] | None) -> tuple[str, list[Any]]:
    """A WHERE clause (with its leading space, or empty) and its arguments."""
    where: list[str] = []
    args: list[Any] = []
    for column, value in (("project", project), ("item", item)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if ids is not None:
        where.append(f"id IN ({', '.join('?' * len(ids))})")
        args.extend(ids)
    return (" WHERE " + " AND ".join(where) if where else ""), args


_PREPARED: set[tuple[str, int, int]] = set()  # files this process has checked (path, device, inode)


def _key(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:
        return (str(path), -1, -1)  # not created yet: never counts as prepared
    return (str(path.resolve()), info.st_dev, info.st_ino)


def _alive(pid: int, started_unix: float) -> bool:
    """Whether the process that started a run still runs (and is not a later one with its pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        import psutil

        return bool(psutil.Process(pid).create_time() <= started_unix + 1.0)
    except Exception:  # psutil missing or the process just ended: trust os.kill
        return True
