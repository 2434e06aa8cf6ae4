"""Where a measured run goes: the ``RunSink`` protocol, and ``RunRecorder`` that feeds one run to it.

The meter never imports the ledger: it writes to whatever sink it is given (``energybill.ledger.sink``
implements this protocol over SQLite; ``energybill.tracking`` builds one from a ledger path). A
run is begun (its devices and tags), checkpointed every interval, finished once with its status,
and may carry extras (windows, placements, ranks) and lose devices that never gave a reading.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from energybill.core.records import Device, Measurement, RunExtras


@runtime_checkable
class RunSink(Protocol):
    """What the meter calls to record a run; every call is its own short write."""

    def begin_run(self, name: str, *, devices: Sequence[Device], started_unix: float, interval_s: float,
                  tags: Mapping[str, str | None]) -> str:
        """Record a ``running`` run with its devices; returns the run's id."""
        ...

    def checkpoint(self, run_id: str, seq: int, result: Measurement, power_w: float | None) -> None:
        """The run so far (interval ``seq``); ignored once the run has finished."""
        ...

    def finish(self, run_id: str, seq: int, result: Measurement, power_w: float | None, status: str,
               exit_code: int | None = None) -> None:
        """The run's last interval and its final status (completed, failed, interrupted)."""
        ...

    def write_extras(self, run_id: str, extras: RunExtras) -> None:
        """Replace the run's windows; add its device placements and ranks."""
        ...

    def drop_devices(self, run_id: str, device_ids: Sequence[str]) -> None:
        """Forget devices that gave no reading (a missing figure is not a zero)."""
        ...


RUN_COLUMNS = ("project", "item", "site", "command")  # begin_run's tags that are the run's own fields
LINEAGE_KEYS = ("experiment", "sweep", "parent", "model")  # lineage tags with a meaning; any key is allowed


def lineage_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """A run's lineage tags (``experiment``, ``sweep``, ``parent``, ``model``, any ``key=value``),
    checked: a key that is one of the run's own fields (``project``, ``item``, ...) is refused."""
    out = dict(tags or {})
    taken = sorted(set(out) & set(RUN_COLUMNS))
    if taken:
        raise ValueError(f"tag {taken[0]!r} is a field of the run, not a tag: pass {taken[0]}= instead")
    return out


class RunRecorder:
    """Feeds one run to a sink: begin, a checkpoint per interval (power since the last), finish.

    The sampler thread checkpoints while the caller's thread may finish: the lock keeps ``seq``
    and the power baseline consistent between them.
    """

    def __init__(self, sink: RunSink, run_id: str) -> None:
        self.sink = sink
        self.run_id = run_id
        self.seq = 0
        self._lock = threading.Lock()
        self._last: tuple[float, float | None] = (0.0, 0.0)
        self.errors: list[str] = []  # checkpoints the sink refused; the run goes on

    @classmethod
    def begin(cls, sink: RunSink, name: str, interval_s: float, devices: Sequence[Device],
              **tags: str | None) -> RunRecorder:
        run_id = sink.begin_run(name, devices=devices, started_unix=time.time(), interval_s=interval_s,
                                tags=tags)
        return cls(sink, run_id)

    def _power_w(self, result: Measurement) -> float | None:
        t0, e0 = self._last
        energy_j = result.energy_j
        self._last = (result.duration_s, energy_j)
        if energy_j is None or e0 is None or result.duration_s <= t0:
            return None
        return (energy_j - e0) / (result.duration_s - t0)

    def checkpoint(self, result: Measurement) -> None:
        """Write the run so far; a refused write (full disk, lost server) is kept in ``errors``,
        never raised into the sampler: the final write may still succeed."""
        with self._lock:
            self.seq += 1
            try:
                self.sink.checkpoint(self.run_id, self.seq, result, self._power_w(result))
            except Exception as exc:
                self.errors.append(" ".join(str(exc).split()) or type(exc).__name__)

    def finish(self, result: Measurement, status: str, exit_code: int | None = None) -> None:
        with self._lock:
            self.seq += 1
            self.sink.finish(self.run_id, self.seq, result, self._power_w(result), status, exit_code)
