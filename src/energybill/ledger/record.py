"""What a run has beyond ``store.py``'s rows: its windows, where each device sits, and its ranks.

Three tables of the same ledger (schema 2, ``sql.py``; older readers ignore them):

- ``run_windows``: named windows of a run (epochs, phases), each with its energy.
- ``run_placements``: the host and the rank that read each device of a run, so that totals per
  node can be summed and a device is known to have been counted once (``host/device_id`` keys).
- ``run_ranks``: each rank of a distributed run and whether it reported (``reported``) or was lost
  (``lost``: its energy stops at its last checkpoint, and the run is incomplete).

``record_run`` writes a whole finished run from given per-device readings: a job imported from a
cluster's telemetry, or one merged from the readings of many ranks.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from energybill.core.records import Device, Measurement, RankRecord, RunExtras, WindowRecord
from energybill.ledger import liveness, sql
from energybill.ledger.store import Ledger


def ensure_schema(ledger: Ledger) -> None:
    """The extras tables are part of the schema since version 2 (kept for callers of older code)."""
    with ledger.connect(write=True):
        pass


def new_run(ledger: Ledger, name: str, devices: Sequence[Device], *, started_unix: float,
            interval_s: float = 0.0, host: str | None = None, tags: Mapping[str, str | None] | None = None,
            run_id: str | None = None, **columns: str | None) -> str:
    """Insert a ``running`` run row of this process with its devices and lineage ``tags``
    (``{"experiment": "lr-sweep", "parent": "3f2a9c…"}``); returns its id. ``columns``: project,
    item, site, command. ``run_id``: an id made by the caller (an importer's job id), so that
    recording the same run twice keeps one (the second insert changes nothing)."""
    me = liveness.me()
    run_id = run_id or uuid.uuid4().hex[:12]
    row: dict[str, Any] = {
        "id": run_id, "name": name, **columns, "host": host or me.host, "pid": me.pid,
        "status": "running", "interval_s": interval_s, "started_unix": started_unix,
        "user_name": _user(), "boot_id": me.boot_id, "pid_ns": me.pid_ns,
        "proc_start_unix": me.proc_start_unix,
    }
    ledger.insert_run(row, devices, tags)
    return run_id


def begin_run(ledger: Ledger, name: str, result: Measurement, *, interval_s: float = 0.0,
              host: str | None = None, tags: Mapping[str, str | None] | None = None,
              run_id: str | None = None, **columns: str | None) -> str:
    """Insert a ``running`` run row with the devices of ``result``; returns its id."""
    return new_run(ledger, name, [d.device for d in result.devices], started_unix=result.started_unix,
                   interval_s=interval_s, host=host, tags=tags, run_id=run_id, **columns)


def checkpoint_run(ledger: Ledger, run_id: str, seq: int, result: Measurement, extras: RunExtras,
                   status: str = "running") -> None:
    """Write the run's per-device energy and its extras; ``status`` other than running ends it."""
    ended = status != "running"
    power_w = result.average_power_w
    ledger.checkpoint(run_id, seq, result, power_w, status=status, ended=ended)
    write_extras(ledger, run_id, extras)


def record_run(ledger: Ledger, name: str, result: Measurement, extras: RunExtras | None = None, *,
               status: str = "completed", interval_s: float = 0.0, host: str | None = None,
               tags: Mapping[str, str | None] | None = None, run_id: str | None = None,
               **columns: str | None) -> str:
    """Record a finished run from given per-device readings in one go; returns its id. With a
    ``run_id`` already in the ledger nothing changes (an import run twice)."""
    run_id = begin_run(ledger, name, result, interval_s=interval_s, host=host, tags=tags, run_id=run_id,
                       **columns)
    checkpoint_run(ledger, run_id, 1, result, extras or RunExtras(), status=status)
    return run_id


def _user() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container with an unnamed uid)
        return None


_RUN_TABLES = ("run_tags", "run_ranks", "run_placements", "run_windows", "samples", "run_devices", "runs")


def delete_runs(ledger: Ledger, run_ids: Sequence[str]) -> None:
    """Remove runs and all that was recorded with them, in one transaction (an import that failed
    part-way undoes the runs it wrote, so that nothing is left half-written)."""
    if run_ids:
        ledger.write([(f"DELETE FROM {table} WHERE {'id' if table == 'runs' else 'run_id'} = ?",
                       [[run_id] for run_id in run_ids], True) for table in _RUN_TABLES])


def drop_devices(ledger: Ledger, run_id: str, device_ids: Sequence[str]) -> None:
    """Remove devices that gave no reading from a run (a missing figure is not a zero)."""
    if device_ids:
        ledger.write([("DELETE FROM run_devices WHERE run_id = ? AND device_id = ?",
                       [[run_id, d] for d in device_ids], True)])


def write_extras(
    ledger: Ledger, run_id: str, extras: RunExtras, changed: Sequence[int] | None = None
) -> None:
    """The run's windows (all of them; or, with ``changed``, only the windows at those positions,
    upserted: a checkpoint then costs the same at its 300th window as at its first), its device
    placements and its ranks."""
    windows = [(seq, extras.windows[seq]) for seq in changed] if changed is not None else \
        list(enumerate(extras.windows))
    replace = [] if changed is not None else [("DELETE FROM run_windows WHERE run_id = ?", [run_id], False)]
    ledger.write([
        *replace,
        (sql.UPSERT_WINDOW, [[run_id, seq, w.name, w.epoch, w.phase, w.started_s, w.duration_s, w.energy_j,
                              w.segments] for seq, w in windows], True),
        (sql.UPSERT_PLACEMENT, [[run_id, device_id, host, rank]
                                for device_id, (host, rank) in extras.placements.items()], True),
        (sql.UPSERT_RANK, [[run_id, r.rank, r.host, r.status, r.energy_j, r.duration_s]
                           for r in extras.ranks], True),
    ])


# -- reading --------------------------------------------------------------------------------------
def windows(ledger: Ledger, run_id: str) -> list[WindowRecord]:
    """The run's windows in the order they were recorded."""
    with ledger.connect() as conn:
        rows = conn.execute("SELECT * FROM run_windows WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
    return [WindowRecord(r["name"], r["epoch"], r["phase"], r["started_s"], r["duration_s"], r["energy_j"],
                         r["segments"]) for r in rows]


def ranks(ledger: Ledger, run_id: str) -> list[RankRecord]:
    with ledger.connect() as conn:
        rows = conn.execute("SELECT * FROM run_ranks WHERE run_id = ? ORDER BY rank", (run_id,)).fetchall()
    return [RankRecord(r["rank"], r["host"], r["status"], r["energy_j"], r["duration_s"]) for r in rows]


def per_device(ledger: Ledger, run_id: str) -> list[dict[str, Any]]:
    """Each device of the run with its energy, host and reading rank."""
    with ledger.connect() as conn:
        rows = conn.execute(
            "SELECT d.*, p.host AS host, p.rank AS rank FROM run_devices d LEFT JOIN run_placements p "
            "ON p.run_id = d.run_id AND p.device_id = d.device_id WHERE d.run_id = ? ORDER BY d.device_id",
            (run_id,),
        ).fetchall()
    return [dict(r) for r in rows]


def per_node(ledger: Ledger, run_id: str) -> dict[str, float]:
    """Joules per host: the sum of the energy of the devices placed on it."""
    totals: dict[str, float] = {}
    for device in per_device(ledger, run_id):
        host = device["host"] or "?"
        totals[host] = totals.get(host, 0.0) + device["energy_j"]
    return totals
