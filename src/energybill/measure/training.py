"""Energy per epoch and per phase of a training loop, recorded as one run with its windows.

The plain-loop helper (``energybill.tracking.TrainingMeter`` is the same with a ledger path
instead of a sink); the Hugging Face and Lightning callbacks (``energybill.integrations``)
drive the same object from their hooks::

    with TrainingMeter("finetune", sink=sink, item="Noor 13B") as tm:
        for epoch in range(3):
            with tm.epoch(epoch):
                with tm.phase("train"):
                    train_one_epoch()
                with tm.phase("eval"):
                    evaluate()

Each epoch is one meter window; a phase may be entered several times in an epoch (evaluation
every N steps) and its segments are summed. Windows are differences of the same cumulative
counters, so phases add up to their epoch wherever they cover it. Under ``torch.distributed``
(more than one rank) the run is a ``DistributedRun``: each rank reads only the devices it owns
and the coordinator records the merged job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, Self

from energybill.core.errors import EnergybillError
from energybill.core.records import Measurement, RunExtras, WindowRecord
from energybill.core.units import j_to_kwh
from energybill.measure import distributed as dist_mod
from energybill.measure.api import Run
from energybill.measure.meter import DEFAULT_INTERVAL_S, Meter
from energybill.measure.sink import RunSink, lineage_tags

log = logging.getLogger("energybill")
EpochLog = Callable[[dict[str, Any]], None]


class TrainingRun(Protocol):
    """What ``TrainingMeter`` drives: a ``LocalRun``, or ``energybill.measure.distributed.DistributedRun``."""

    @property
    def meter(self) -> Meter: ...

    @property
    def run_id(self) -> str | None: ...

    @property
    def started_unix(self) -> float: ...

    def start(self) -> None: ...

    def checkpoint(self, windows: list[WindowRecord]) -> None: ...

    def finish(self, windows: list[WindowRecord], status: str) -> Measurement: ...


@dataclass
class _Phase:
    epoch: int | None
    phase: str
    started_s: float
    duration_s: float = 0.0
    energy_j: float | None = None
    segments: int = 0

    def add(self, result: Measurement) -> None:
        self.duration_s += result.duration_s
        if result.energy_j is not None:
            self.energy_j = (self.energy_j or 0.0) + result.energy_j
        self.segments += 1

    def record(self) -> WindowRecord:
        name = self.phase if self.epoch is None else f"epoch {self.epoch}/{self.phase}"
        return WindowRecord(name, self.epoch, self.phase, self.started_s, self.duration_s, self.energy_j,
                            self.segments)


class TrainingMeter:
    """Epoch and phase windows over one meter; ``finish`` records the run and its windows."""

    def __init__(
        self,
        name: str = "training",
        *,
        sink: RunSink | None = None,
        project: str | None = None,
        item: str | None = None,
        site: str | None = None,
        interval_s: float = DEFAULT_INTERVAL_S,
        on_epoch: EpochLog | None = None,
        distributed: bool | None = None,
        run: TrainingRun | None = None,
        tags: Mapping[str, str] | None = None,
        **meter_options: Any,
    ) -> None:
        self.name = name
        self.on_epoch = on_epoch or _log_epoch
        self.windows: list[WindowRecord] = []
        self.result: Measurement | None = None
        self._phases: dict[tuple[int | None, str], _Phase] = {}
        self._open_phase: tuple[int | None, str, str] | None = None
        self._epoch: int | None = None
        self._started = False
        columns = {"project": project, "item": item, "site": site}
        self.run = run or _make_run(name, sink, columns, interval_s, distributed, meter_options, tags)

    # -- life cycle -----------------------------------------------------------------------------
    @property
    def meter(self) -> Meter:
        return self.run.meter

    @property
    def run_id(self) -> str | None:
        return self.run.run_id

    def start(self) -> Self:
        if not self._started:
            self.run.start()
            self._started = True
        return self

    def finish(self, status: str = "completed") -> Measurement | None:
        """Close what is open, record the run with its windows; returns the (merged) run result."""
        if self._open_phase is not None:
            self.end_phase(self._open_phase[1])
        if self._epoch is not None:
            self.end_epoch()
        self.windows.extend(p.record() for key, p in self._phases.items() if key[0] is None)
        self._phases.clear()
        self.result = self.run.finish(self.windows, status)
        return self.result

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.finish("failed" if exc_type is not None else "completed")

    # -- epochs ---------------------------------------------------------------------------------
    def begin_epoch(self, epoch: int) -> None:
        self.start()
        if self._epoch is not None:
            raise EnergybillError(f"epoch {epoch} begun while epoch {self._epoch} is still open")
        self._epoch = epoch
        self.meter.begin(f"epoch {epoch}")

    def end_epoch(self) -> Measurement:
        """Close the open epoch (and its open phase), record it, and log it."""
        if self._epoch is None:
            raise EnergybillError("end_epoch() without an open epoch")
        if self._open_phase is not None and self._open_phase[0] == self._epoch:
            self.end_phase(self._open_phase[1])
        epoch, self._epoch = self._epoch, None
        result = self.meter.end(f"epoch {epoch}")
        record = WindowRecord(f"epoch {epoch}", epoch, None, self._offset_s(result), result.duration_s,
                              result.energy_j)
        phases = [self._phases.pop(key).record() for key in list(self._phases) if key[0] == epoch]
        self.windows.extend([record, *phases])
        self.run.checkpoint(self.windows)
        self.on_epoch(_epoch_log(record, phases))
        return result

    @contextmanager
    def epoch(self, epoch: int) -> Iterator[TrainingMeter]:
        self.begin_epoch(epoch)
        yield self
        self.end_epoch()

    # -- phases ---------------------------------------------------------------------------------
    def begin_phase(self, phase: str) -> None:
        """Open a segment of ``phase`` (train, eval, …) in the open epoch, or outside any epoch."""
        self.start()
        if self._open_phase is not None:
            raise EnergybillError(f"phase {phase!r} begun while phase {self._open_phase[1]!r} is open")
        key = (self._epoch, phase)
        if key not in self._phases:
            self._phases[key] = _Phase(self._epoch, phase, started_s=-1.0)
        window = f"{phase}#{self._phases[key].segments}@{self._epoch}"
        self._open_phase = (self._epoch, phase, window)
        self.meter.begin(window)

    def end_phase(self, phase: str | None = None) -> Measurement:
        if self._open_phase is None or phase not in (None, self._open_phase[1]):
            raise EnergybillError(f"end_phase({phase!r}) without that phase open")
        epoch, name, window = self._open_phase
        self._open_phase = None
        result = self.meter.end(window)
        record = self._phases[(epoch, name)]
        if record.started_s < 0:
            record.started_s = self._offset_s(result)
        record.add(result)
        return result

    @contextmanager
    def phase(self, phase: str) -> Iterator[TrainingMeter]:
        self.begin_phase(phase)
        yield self
        self.end_phase(phase)

    @property
    def current_epoch(self) -> int | None:
        """The open epoch, or None between epochs."""
        return self._epoch

    @property
    def in_phase(self) -> str | None:
        return None if self._open_phase is None else self._open_phase[1]

    def _offset_s(self, result: Measurement) -> float:
        return max(0.0, result.started_unix - self.run.started_unix)


def _epoch_log(epoch: WindowRecord, phases: list[WindowRecord]) -> dict[str, Any]:
    """The figures logged at the end of an epoch (joules and kWh, per phase)."""
    entry: dict[str, Any] = {"epoch": epoch.epoch, "duration_s": epoch.duration_s, "energy_j": epoch.energy_j,
                             "energy_kwh": None if epoch.energy_j is None else j_to_kwh(epoch.energy_j)}
    for phase in phases:
        entry[f"{phase.phase}_energy_j"] = phase.energy_j
    return entry


def _log_epoch(entry: dict[str, Any]) -> None:
    energy = "no reading" if entry["energy_j"] is None else f"{entry['energy_j']:.1f} J"
    log.info("energybill: epoch %s used %s in %.1f s", entry["epoch"], energy, entry["duration_s"])


def _make_run(name: str, sink: RunSink | None, columns: dict[str, str | None], interval_s: float,
              distributed: bool | None, meter_options: dict[str, Any],
              tags: Mapping[str, str] | None = None) -> TrainingRun:
    """A ``DistributedRun`` when torch.distributed runs more than one rank, else a local run."""
    project, item, site = columns["project"], columns["item"], columns["site"]  # typed, unlike a **dict
    lineage = lineage_tags(tags)
    if distributed is None:
        distributed = dist_mod.world_size() > 1
    if distributed:
        return dist_mod.DistributedRun(name, sink=sink, interval_s=interval_s, meter_options=meter_options,
                                       project=project, item=item, site=site, lineage=lineage)
    return LocalRun(name, sink=sink, interval_s=interval_s, meter_options=meter_options, project=project,
                    item=item, site=site, tags=lineage)


class LocalRun:
    """One process's run: a ``Run`` window, plus its windows written to the sink."""

    def __init__(self, name: str, *, sink: RunSink | None, interval_s: float, meter_options: dict[str, Any],
                 project: str | None = None, item: str | None = None, site: str | None = None,
                 tags: Mapping[str, str] | None = None) -> None:
        self._run = Run(name, interval_s=interval_s, sink=sink, project=project, item=item, site=site,
                        tags=tags, **meter_options)
        self.sink = sink
        self.started_unix = 0.0

    @property
    def meter(self) -> Meter:
        return self._run.meter

    @property
    def run_id(self) -> str | None:
        return self._run.run_id

    def start(self) -> None:
        self._run.__enter__()
        self.started_unix = self.meter.peek(self._run.name).started_unix

    def checkpoint(self, windows: list[WindowRecord]) -> None:
        self._write(windows)

    def finish(self, windows: list[WindowRecord], status: str) -> Measurement:
        result = self._run.finish(status)
        self._write(windows)
        return result

    def _write(self, windows: list[WindowRecord]) -> None:
        if self.sink is not None and self.run_id is not None:
            self.sink.write_extras(self.run_id, RunExtras(windows=list(windows)))
