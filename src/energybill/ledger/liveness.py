"""Is a ``running`` run still being measured? By boot id, PID namespace, process start time and
heartbeat, never by a bare pid.

A pid means something only inside one PID namespace of one boot of one kernel: a ``measure`` in a
container shares the host's hostname (often) and kernel (always) but not its pids, and a pid is
reused after a reboot or a wrap. So a run records where its writer lives (``boot_id``, ``pid_ns``,
``pid``, the process's start time) and writes a heartbeat (``checkpoint_unix``) every interval:

- same boot and same PID namespace as the reader: the writer is alive while a process with that
  pid exists and started when the writer did (a recycled pid is a different process);
- anywhere else (another host, a container, an older ledger row without these fields): alive while
  its heartbeat is fresh, i.e. younger than ``max(STALE_MIN_S, STALE_INTERVALS × interval)``.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

STALE_MIN_S = 120.0    # a heartbeat older than this (and than STALE_INTERVALS intervals) is a dead writer
STALE_INTERVALS = 10


@dataclass(frozen=True)
class Identity:
    """Where a process lives: what a run records about its writer."""

    host: str
    pid: int
    boot_id: str | None
    pid_ns: str | None
    proc_start_unix: float | None


@lru_cache(maxsize=1)
def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read(64).strip() or None
    except OSError:
        return None


def _pid_ns() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def start_time(pid: int) -> float | None:
    """When process ``pid`` started (unix s, psutil's clock), or None if there is no such process."""
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError, ValueError):
        return None


def me() -> Identity:
    pid = os.getpid()
    return Identity(socket.gethostname(), pid, _boot_id(), _pid_ns(), start_time(pid))


def is_dead(run: Any, now_unix: float, reader: Identity) -> bool:
    """Whether the writer of this ``running`` run is gone (``run``: a row of ``sql.RUNNING``)."""
    local = (run["boot_id"] is not None and run["boot_id"] == reader.boot_id
             and run["pid_ns"] is not None and run["pid_ns"] == reader.pid_ns)
    if local and run["proc_start_unix"] is not None:
        started = start_time(int(run["pid"]))
        return started is None or abs(started - float(run["proc_start_unix"])) > 1.0
    beat = run["checkpoint_unix"] if run["checkpoint_unix"] is not None else run["started_unix"]
    stale_after_s = max(STALE_MIN_S, STALE_INTERVALS * float(run["interval_s"] or 0.0))
    return bool(now_unix - float(beat) > stale_after_s)
