"""Measured runs in a ledger: runs, their devices, samples, tags and per-interval checkpoints.

A ledger is a SQLite file (the default, one person on one machine) or a PostgreSQL database
given by URL (``postgresql://user@host/db``: a team, a cluster); ``backend.py`` holds the
difference, ``sql.py`` every statement and the versioned migrations of the one schema.

- Many writers: short transactions (SQLite: WAL, ``busy_timeout``, ``BEGIN IMMEDIATE``); every
  write is idempotent (run ids are made by the writer; inserts ``ON CONFLICT``), so a write sent
  twice (after a lost connection, from the spool) changes nothing.
- Every interval a run's sample, per-device energy, duration and heartbeat are written in one
  transaction, so a killed run keeps all but its last interval. A ``running`` run whose writer is
  gone (``liveness.py``: boot id, PID namespace, process start time, heartbeat) is marked
  ``interrupted`` when the ledger is next read.
- A PostgreSQL ledger lost mid-run: writes go to the local spool (``spool.py``) and are sent when
  the server returns.
- ``meta.schema_version`` says which layout a ledger has; a newer one is refused, not misread.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from energybill.core.records import Device, Measurement
from energybill.ledger import liveness, sql
from energybill.ledger.backend import (
    LedgerError,
    LedgerUnavailable,
    PgBackend,
    SqliteBackend,
    open_backend,
    writable,
)
from energybill.ledger.spool import Op, Spool

__all__ = ["SCHEMA_VERSION", "STATUSES", "Ledger", "LedgerError", "LedgerUnavailable", "RunFilter", "RunRow"]

SCHEMA_VERSION = sql.SCHEMA_VERSION
STATUSES = ("running", "completed", "failed", "interrupted")
RETRY_AFTER_S = 2.0  # after a lost server, writes go straight to the spool for this long
MAX_ID_CHARS = 128
TAG_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,63}")
MAX_TAG_VALUE_CHARS = 1024
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
WRITABLE_COLUMNS = frozenset({"id", "name", "project", "item", "site", "command", "host", "pid", "status",
                              "interval_s", "started_unix", "user_name", "boot_id", "pid_ns",
                              "proc_start_unix"})


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
    user_name: str | None = None


@dataclass(frozen=True)
class RunFilter:
    """Which runs: every given field must match (``tags``: every key=value; times in unix s)."""

    project: str | None = None
    item: str | None = None
    ids: Sequence[str] | None = None
    tags: Mapping[str, str] | None = None
    user: str | None = None
    host: str | None = None
    status: str | None = None
    since_unix: float | None = None   # started at or after
    until_unix: float | None = None   # started before

    def where(self) -> tuple[str, list[Any]]:
        """A WHERE clause (with its leading space, or empty) and its arguments."""
        where: list[str] = []
        args: list[Any] = []
        for column, value in (("project", self.project), ("item", self.item), ("user_name", self.user),
                              ("host", self.host), ("status", self.status)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if self.since_unix is not None:
            where.append("started_unix >= ?")
            args.append(self.since_unix)
        if self.until_unix is not None:
            where.append("started_unix < ?")
            args.append(self.until_unix)
        for key, value in (self.tags or {}).items():
            where.append("id IN (SELECT run_id FROM run_tags WHERE key = ? AND value = ?)")
            args += [key, value]
        if self.ids is not None:
            where.append(f"id IN ({', '.join('?' * len(self.ids))})" if self.ids else "1 = 0")
            args.extend(self.ids)
        return (" WHERE " + " AND ".join(where) if where else ""), args


def check_tags(tags: Mapping[str, str | None] | None) -> dict[str, str]:
    """The tags to store (None values dropped); one line for a key or value that cannot be one."""
    out: dict[str, str] = {}
    for key, value in (tags or {}).items():
        if value is None:
            continue
        if not isinstance(key, str) or not TAG_KEY.fullmatch(key):
            raise LedgerError(f"tag key {str(key)[:70]!r}: 1-64 letters, digits or _ . : / - "
                              "(starting with a letter, digit or _)")
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE_CHARS or "\x00" in value:
            raise LedgerError(f"tag {key}: the value must be text of at most {MAX_TAG_VALUE_CHARS} "
                              "characters (no NUL)")
        out[key] = value
    return out


class Ledger:
    """One ledger (a SQLite file or a PostgreSQL URL); each call is its own short transaction."""

    def __init__(self, path: str | Path, create: bool = True) -> None:
        self.backend: SqliteBackend | PgBackend = open_backend(path, create)
        # What to print: the file, or the URL without its password.
        backend = self.backend
        self.path: Path | str = backend.path if isinstance(backend, SqliteBackend) else backend.label
        if not create and not self.backend.exists():
            raise LedgerError(f"{self.path}: no such ledger (record a run with `energybill measure` first)")
        self._spool: Spool | None = None
        self._reached = False  # the server answered once: a later failure is an outage, not a bad URL
        self._down_until = 0.0
        self._write_lock = threading.RLock()

    def close(self) -> None:
        """Close this process's connection (the next call opens another)."""
        self.backend.close()

    @property
    def is_server(self) -> bool:
        return isinstance(self.backend, PgBackend)

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[Any]:
        """A connection inside one transaction; its ``execute`` takes ``?`` marks in both backends."""
        with self.backend.connect(write) as conn:
            self._reached = True
            yield conn

    # -- writing ----------------------------------------------------------------------------------
    def write(self, ops: Sequence[Op]) -> None:
        """Run ``ops`` (statement, arguments, many) in one transaction; spooled if the server is lost."""
        with self._write_lock:
            if isinstance(self.backend, SqliteBackend):
                self._execute(list(ops))
                return
            self._write_server(list(ops))

    def _execute(self, ops: list[Op]) -> None:
        self.backend.execute_ops(ops)
        self._reached = True

    def _write_server(self, ops: list[Op]) -> None:
        if self._spool is None:
            self._spool = Spool(str(self.path))
        if time.monotonic() < self._down_until:
            self._spool.append(ops)
            return
        try:
            self.flush_spool()
            self._execute(ops)
        except LedgerUnavailable:
            if not self._reached:
                raise  # never reached: a wrong host or port, said now rather than spooled
            self._down_until = time.monotonic() + RETRY_AFTER_S
            self._spool.append(ops)

    def flush_spool(self) -> int:
        """Send what was spooled for this ledger (ours, and that of writers that are gone); returns
        how many batches were sent. Raises ``LedgerUnavailable`` if the server is still away."""
        if self._spool is None:
            self._spool = Spool(str(self.path))
        if not self._spool.pending():
            return 0
        sent = 0
        for path, batches in self._spool.batches():
            for batch in batches:
                try:
                    self._execute(batch)
                except LedgerUnavailable:
                    raise
                except LedgerError:
                    continue  # a batch the server refuses now will not pass later either
                sent += 1
            self._spool.done(path)
        return sent

    def insert_run(self, row: Mapping[str, Any], devices: Sequence[Device],
                   tags: Mapping[str, str | None] | None = None) -> None:
        """Insert a run (idempotent: a run id already there is left as it is) with its devices and tags."""
        unknown = set(row) - WRITABLE_COLUMNS
        if unknown:
            raise LedgerError(f"not a run column: {', '.join(sorted(unknown))}")
        run_id = row["id"]
        keys = ", ".join(row)
        marks = ", ".join("?" * len(row))
        ops: list[Op] = [
            (f"INSERT INTO runs ({keys}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING", list(row.values()),
             False),
            (sql.INSERT_DEVICE, [[run_id, d.device_id, d.component, d.method, d.label, d.source]
                                 for d in devices], True),
        ]
        ops += self._tag_ops(run_id, tags)
        self.write(ops)

    def set_tags(self, run_id: str, tags: Mapping[str, str | None]) -> None:
        """Add or replace tags of a run (lineage: experiment, sweep, parent, model, any key=value)."""
        self.write(self._tag_ops(run_id, tags))

    @staticmethod
    def _tag_ops(run_id: str, tags: Mapping[str, str | None] | None) -> list[Op]:
        checked = check_tags(tags)
        return [(sql.INSERT_TAG, [[run_id, k, v] for k, v in checked.items()], True)] if checked else []

    def checkpoint(self, run_id: str, seq: int, result: Measurement, power_w: float | None, *,
                   status: str = "running", exit_code: int | None = None, ended: bool = False) -> None:
        """Write one interval: a sample, each device's energy, the run's duration, energy and heartbeat.
        Nothing changes once the run has ended (a late sampler tick, a batch sent twice)."""
        ended_unix = result.started_unix + result.duration_s if ended else None
        self.write([
            (sql.CHECKPOINT_SAMPLE, [run_id, seq, result.duration_s, result.energy_j, power_w, run_id],
             False),
            (sql.CHECKPOINT_DEVICE, [[d.energy_j, run_id, d.device.device_id, run_id]
                                     for d in result.devices], True),
            (sql.UPDATE_RUN, [result.duration_s, result.energy_j, result.peak_power_w, time.time(), status,
                              exit_code, ended_unix, "\n".join(result.notes), run_id], False),
        ])

    def mark_interrupted(self) -> int:
        """Mark ``running`` runs whose writer is gone as interrupted; returns how many."""
        if isinstance(self.backend, SqliteBackend) and not _may_write(self.backend):
            return 0  # a read-only ledger is read as it is
        with self.connect() as conn:
            rows = conn.execute(sql.RUNNING).fetchall()
        if not rows:
            return 0
        now, reader = time.time(), liveness.me()
        dead = [r["id"] for r in rows if liveness.is_dead(r, now, reader)]
        if dead:
            try:
                self.write([(sql.MARK_INTERRUPTED, [[run_id] for run_id in dead], True)])
            except LedgerError:
                return 0  # could not mark them now (locked, lost): the next read will
        return len(dead)

    # -- reading ----------------------------------------------------------------------------------
    def runs(self, project: str | None = None, item: str | None = None,
             ids: Sequence[str] | None = None, *, limit: int | None = None, offset: int = 0,
             where: RunFilter | None = None) -> list[RunRow]:
        """Runs, oldest first, that match ``where`` (and the older ``project``/``item``/``ids``
        arguments); ``limit`` and ``offset`` page through them in SQL (a ledger may hold 100,000 runs)."""
        if self.is_server:
            self._try_flush()
        self.mark_interrupted()
        clause, args = _merge(where, project, item, ids).where()
        page = "" if limit is None else " LIMIT ? OFFSET ?"
        with self.connect() as conn:
            rows = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs{clause} ORDER BY started_unix, id{page}",
                                [*args, *((limit, offset) if limit is not None else ())]).fetchall()
        return [RunRow(*r) for r in rows]  # the columns in RunRow's order: no look-up per field

    def count(self, project: str | None = None, item: str | None = None, *,
              where: RunFilter | None = None) -> int:
        """How many runs match (as ``runs``)."""
        clause, args = _merge(where, project, item, None).where()
        with self.connect() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM runs{clause}", args).fetchone()[0])

    def run(self, run_id: str) -> RunRow:
        """The run with this id, or a unique id prefix (``%`` and ``_`` are no wildcards)."""
        shown = run_id if len(run_id) <= 40 else run_id[:40] + "…"
        if not run_id or len(run_id) > MAX_ID_CHARS or not _RUN_ID.fullmatch(run_id):
            raise LedgerError(f"{self.path}: no run with id {shown!r}: ids are letters, digits and _ . : - "
                              f"(at most {MAX_ID_CHARS}); see `energybill runs list`")
        pattern = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.connect() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM runs WHERE id = ?", (run_id,))] or [
                r[0] for r in conn.execute(_PREFIX, (pattern,))]
        if len(ids) != 1:
            why = "no run" if not ids else "several runs"
            raise LedgerError(f"{self.path}: {why} with id {shown!r} (see `energybill runs list`)")
        return self.runs(ids=ids)[0]

    def tags(self, run_id: str) -> dict[str, str]:
        return self.tags_for([run_id])[run_id]

    def tags_for(self, run_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """Each run's tags in one connection: ``{run_id: {key: value}}``, every id a key."""
        out: dict[str, dict[str, str]] = {run_id: {} for run_id in run_ids}
        with self.connect() as conn:
            for chunk in _chunks(list(out)):
                marks = ", ".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT run_id, key, value FROM run_tags WHERE run_id IN ({marks}) ORDER BY run_id, key",
                    chunk)
                for run_id, key, value in rows:
                    out[run_id][key] = value
        return out

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

    def _try_flush(self) -> None:
        try:
            with self._write_lock:
                self.flush_spool()
        except LedgerUnavailable:
            pass  # the read that follows says the server is away, in one line


_PREFIX = "SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 2"  # a prefix, no wildcards in it
_RUN_COLUMNS = ", ".join(f.name for f in fields(RunRow))  # RunRow's fields in order, found once
_CHUNK = 500  # ids per IN (...): well under SQLite's limit on bound parameters


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _merge(where: RunFilter | None, project: str | None, item: str | None,
           ids: Sequence[str] | None) -> RunFilter:
    base = where or RunFilter()
    from dataclasses import replace

    return replace(base, project=project if project is not None else base.project,
                   item=item if item is not None else base.item, ids=ids if ids is not None else base.ids)


def _may_write(backend: SqliteBackend) -> bool:
    return writable(backend.path)
