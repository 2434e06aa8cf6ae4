"""A run under ``torchrun`` / ``torch.distributed``: every physical device counted exactly once.

Each rank can see devices that other ranks see too (all GPUs of its node, the node's RAPL
zones), so summing each rank's own meter counts a GPU up to 8 times and a CPU package once per
rank (``reference/existing-tools.md`` §4.12, CodeCarbon #544). Instead:

1. **Plan.** Every rank posts the devices it can see (``host/device_id``) and the GPU it trains on
   (``LOCAL_RANK``, or torch's current CUDA device) to the job's own key-value store, the one
   ``torch.distributed`` rendezvoused with (no extra server). The coordinator alone reads them
   all and decides the owners: a GPU belongs to the rank that trains on it, else to the lowest
   rank on its host that sees it; CPU zones (RAPL, modelled) belong to the lowest rank of each
   host. It posts each rank its own list, which that rank alone reads: the store serves 2 × N
   reads for N ranks, not N² (a million at 1,000 ranks when every rank read every plan).
2. **Measure.** Each rank's meter reads only the devices it owns.
3. **Gather.** At every window edge each rank posts a checkpoint under a new key
   (``checkpoint/<rank>/<seq>``) with its cumulative energy and only the windows ended since its
   last one; the coordinator reads each rank's new checkpoints and folds their windows into the
   job's, so an edge costs the same at the 300th window as at the first. At the end each rank
   posts a final report; the coordinator waits a bounded time for the finals, merges them keyed
   by ``host/device_id`` and records one run with totals per node and per device. A rank that
   never sent its final report is *lost*: its devices count up to its last checkpoint, the rank is
   marked lost and the run is recorded as interrupted, with a note saying so.

The host name comes from ``ENERGYBILL_HOST`` (else the machine's name) and the candidate backends
may be given: that is the seam where tests put two fake hosts on one machine.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from energybill.core.errors import EnergybillError
from energybill.core.records import Device, Measurement, WindowRecord
from energybill.measure.backends.base import Backend, BackendUnavailable
from energybill.measure.job import Job, Report, fold_window, job_device, merge
from energybill.measure.meter import DEFAULT_INTERVAL_S, Meter, open_backends
from energybill.measure.sink import RunSink

_LADDER_OPTIONS = ("cpu_tdp_w", "powercap_root", "nvml_source")
_POLL_S = 0.05
_runs = itertools.count()


class Store(Protocol):
    """The part of ``torch.distributed.Store`` used here."""

    def set(self, key: str, value: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def check(self, keys: list[str]) -> bool: ...


def active_dist() -> Any:
    """``torch.distributed`` if torch is already loaded and a process group is up (never imports torch)."""
    if "torch" not in sys.modules:
        return None
    import torch.distributed as dist

    return dist if dist.is_available() and dist.is_initialized() else None


def world_size() -> int:
    dist = active_dist()
    return dist.get_world_size() if dist is not None else 1


def host_name() -> str:
    return os.environ.get("ENERGYBILL_HOST") or socket.gethostname()


@dataclass(frozen=True)
class Seen:
    """What one rank can see: its host, its devices and the GPU it trains on."""

    rank: int
    host: str
    devices: tuple[Device, ...]
    preferred: str | None  # device_id of its own GPU

    def to_json(self) -> str:
        devices = [d.__dict__ for d in self.devices]
        return json.dumps({"rank": self.rank, "host": self.host, "devices": devices,
                           "preferred": self.preferred})

    @classmethod
    def from_json(cls, text: str | bytes) -> Seen:
        d = json.loads(text)
        return cls(d["rank"], d["host"], tuple(Device(**x) for x in d["devices"]), d["preferred"])


def plan_owners(seen: Sequence[Seen]) -> dict[tuple[str, str], int]:
    """The rank that reads each (host, device_id): a GPU's trainer, else the host's lowest rank."""
    owners: dict[tuple[str, str], int] = {}
    ordered = sorted(seen, key=lambda s: s.rank)
    for s in ordered:
        if s.preferred is not None:
            owners.setdefault((s.host, s.preferred), s.rank)
    for s in ordered:
        for device in s.devices:
            owners.setdefault((s.host, device.device_id), s.rank)
    return owners


class OwnedBackend:
    """A started backend restricted to the devices this rank owns."""

    def __init__(self, inner: Backend, devices: Sequence[Device]) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_interval_s = inner.max_interval_s
        self.devices = list(devices)
        self._ids = {d.device_id for d in devices}

    def start(self, now_s: float) -> list[Device]:
        return list(self.devices)  # the inner backend is already started (its zero is the plan)

    def sample(self, now_s: float) -> None:
        self.inner.sample(now_s)

    def read(self, now_s: float) -> dict[str, float]:
        return {k: v for k, v in self.inner.read(now_s).items() if k in self._ids}

    def close(self) -> None:
        self.inner.close()


def candidate_backends(cpu_tdp_w: float | None = None, powercap_root: Path | str | None = None,
                       nvml_source: Any = None, now_s: float = 0.0) -> list[tuple[Backend, list[Device]]]:
    """The meter's ladder; under torchrun the CPU model covers every local rank (the agent's tree)."""
    from energybill.measure.backends.model import ModelBackend, ProcessTree

    started, _ = open_backends(cpu_tdp_w=cpu_tdp_w, powercap_root=powercap_root, nvml_source=nvml_source,
                               now_s=now_s)
    if "TORCHELASTIC_RUN_ID" not in os.environ:
        return started
    out = []
    for backend, devices in started:
        if isinstance(backend, ModelBackend):
            backend = ModelBackend(cpu_tdp_w=cpu_tdp_w, components=backend.components,
                                   tree=lambda: ProcessTree(os.getppid()))
            devices = backend.start(now_s)
        out.append((backend, devices))
    return out


def preferred_gpu(devices: Sequence[Device]) -> str | None:
    """This rank's own GPU: torch's current CUDA device (by UUID), else the LOCAL_RANK-th visible GPU."""
    gpus = [d.device_id for d in devices if d.component == "gpu"]
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        uuid = str(torch.cuda.get_device_properties(torch.cuda.current_device()).uuid)
        match = [g for g in gpus if uuid and uuid in g]
        if match:
            return match[0]
    local = os.environ.get("LOCAL_RANK")
    if local is not None and local.isdigit() and int(local) < len(gpus):
        return gpus[int(local)]
    return None


class DistributedRun:
    """One rank's part of a distributed run; rank ``coordinator`` records the merged job.

    The same object ``TrainingMeter`` uses for a local run: ``start``, ``meter`` (for windows),
    ``checkpoint(windows)`` at window edges, ``finish(windows, status)``.
    """

    def __init__(self, name: str = "run", *, sink: RunSink | None = None,
                 interval_s: float = DEFAULT_INTERVAL_S, meter_options: dict[str, Any] | None = None,
                 backends: Sequence[Backend] | None = None, store: Store | None = None,
                 rank: int | None = None, world: int | None = None, host: str | None = None,
                 timeout_s: float = 120.0, coordinator: int = 0, lineage: Mapping[str, str] | None = None,
                 **tags: str | None) -> None:
        self.name = name
        self.sink = sink  # written by the coordinator only
        self.interval_s = interval_s
        options = dict(meter_options or {})
        self._ladder = {k: options.pop(k) for k in _LADDER_OPTIONS if k in options}
        given = options.pop("backends", None) if backends is None else backends  # the candidates
        self._meter_options = options
        self._given = list(given) if given is not None else None
        self._store: Store | None = store
        self.notes: list[str] = []
        self._rank, self._world = rank, world
        self.rank = -1 if rank is None else rank  # known for sure once started
        self.world = 0 if world is None else world
        self.host = host or host_name()
        self.timeout_s = timeout_s
        self.coordinator = coordinator
        self.tags: dict[str, str | None] = {**tags, **(lineage or {})}  # run fields and lineage tags
        self.prefix = f"energybill/{next(_runs)}/{name}/"
        self.planned: dict[str, tuple[Device, str, int]] = {}
        self.job: Job | None = None
        self.run_id: str | None = None
        self.started_unix = 0.0
        self._meter: Meter | None = None
        self._seq = 0  # the coordinator's ledger checkpoints
        self._posted = 0  # this rank's checkpoints posted to the store
        self._sent = 0  # windows already posted
        # The coordinator's view of the ranks: latest report, checkpoints read, finals, windows.
        self._latest: dict[int, Report] = {}
        self._read_seq: dict[int, int] = {}
        self._finals: set[int] = set()
        self._windows: dict[str, WindowRecord] = {}

    @property
    def meter(self) -> Meter:
        if self._meter is None:
            raise EnergybillError("the distributed run has not started")
        return self._meter

    @property
    def store(self) -> Store:
        if self._store is None:
            raise EnergybillError("the distributed run has not started")
        return self._store

    @property
    def is_coordinator(self) -> bool:
        return self.rank == self.coordinator

    # -- start: plan who reads what -------------------------------------------------------------
    def start(self) -> None:
        dist = active_dist()
        if self._store is None:
            if dist is None:
                raise EnergybillError("a distributed run needs torch.distributed initialised (or a store)")
            self._store = dist.distributed_c10d._get_default_store()
        self.rank = self._rank if self._rank is not None else dist.get_rank()
        self.world = self._world if self._world is not None else dist.get_world_size()
        started = self._open_candidates()
        devices = [d for _, ds in started for d in ds]
        mine = Seen(self.rank, self.host, tuple(devices), preferred_gpu(devices))
        self._put(f"seen/{self.rank}", mine.to_json())
        if self.is_coordinator:
            owned = self._plan()
        else:
            owned = set(json.loads(self._wait(f"owned/{self.rank}", "its devices in the plan")))
        self._start_meter(started, owned)
        if self.is_coordinator and self.sink is not None:
            self._begin_sink()

    def _plan(self) -> set[str]:
        """The coordinator reads every rank's devices once, decides the owners and posts each rank
        its own list; returns its own."""
        seen = [Seen.from_json(self._wait(f"seen/{r}", "the device plan")) for r in range(self.world)]
        owners = plan_owners(seen)
        by_rank: dict[int, list[str]] = {r: [] for r in range(self.world)}
        for s in seen:
            for d in s.devices:
                owner = owners[(s.host, d.device_id)]
                key = f"{s.host}/{d.device_id}"
                if key not in self.planned:
                    self.planned[key] = (job_device(s.host, d), s.host, owner)
                    by_rank[owner].append(d.device_id)
        for rank, ids in by_rank.items():
            if rank != self.rank:
                self._put(f"owned/{rank}", json.dumps(ids))
        return set(by_rank[self.rank])

    def _open_candidates(self) -> list[tuple[Backend, list[Device]]]:
        now_s = self._meter_options.get("clock", time.monotonic)()  # the meter's clock: sums start now
        if self._given is None:
            return candidate_backends(**self._ladder, now_s=now_s)
        started = []
        for backend in self._given:
            try:
                started.append((backend, backend.start(now_s)))
            except BackendUnavailable:
                continue
        return started

    def _start_meter(self, started: list[tuple[Backend, list[Device]]], owned_ids: set[str]) -> None:
        owned = []
        for backend, devices in started:
            mine = [d for d in devices if d.device_id in owned_ids]
            if mine:
                owned.append(OwnedBackend(backend, mine))
            else:
                backend.close()
        self._meter = Meter(backends=owned, interval_s=self.interval_s, **self._meter_options)
        self._meter.start()
        self._meter.begin(self.name)
        self.started_unix = self._meter.peek(self.name).started_unix

    def _begin_sink(self) -> None:
        assert self.sink is not None
        devices = [device for device, _, _ in self.planned.values()]
        self.run_id = self.sink.begin_run(self.name, devices=devices, started_unix=self.started_unix,
                                          interval_s=self.interval_s, tags=self.tags)

    # -- reports --------------------------------------------------------------------------------
    def _report(self, result: Measurement, windows: Sequence[WindowRecord], final: bool) -> Report:
        """This rank's readings (cumulative) and the windows ended since its last report (only those)."""
        energy = {d.device.device_id: d.energy_j for d in result.devices}
        new = list(windows[self._sent:])
        self._sent = len(windows)
        seq = self._posted + 1
        if not final:
            self._posted = seq
        return Report(self.rank, self.host, final, result.started_unix, result.duration_s, energy,
                      new, [*self.meter.notes, *self.notes], seq)

    def checkpoint(self, windows: Sequence[WindowRecord]) -> None:
        """Post this rank's readings so far; the coordinator also writes the merged run so far."""
        self.meter.tick()
        report = self._report(self.meter.peek(self.name), windows, False)
        self._put(f"checkpoint/{self.rank}/{report.seq}", report.to_json())
        if self.is_coordinator and self.run_id is not None:
            self._record(self._merge(self._collect(final=False)), "running")

    def finish(self, windows: Sequence[WindowRecord], status: str = "completed") -> Measurement:
        """Post the final readings; the coordinator waits for every rank and records the job."""
        result = self.meter.end(self.name)
        self.meter.stop()
        self._put(f"final/{self.rank}", self._report(result, windows, True).to_json())
        if not self.is_coordinator:
            return result
        reports = self._gather_finals()
        self.job = self._merge(reports)
        if self.sink is not None:
            lost = "interrupted" if not self.job.complete and status == "completed" else status
            self._record(self.job, lost)
        return self.job.result

    def _gather_finals(self) -> dict[int, Report]:
        """Wait (bounded) for each rank's final report; a rank without one falls back to its checkpoint."""
        deadline = time.monotonic() + self.timeout_s
        pending = set(range(self.world))
        while pending and time.monotonic() < deadline:
            pending = {r for r in pending if not self.store.check([self.prefix + f"final/{r}"])}
            if pending:
                time.sleep(_POLL_S)
        return self._collect(final=True)

    def _collect(self, final: bool) -> dict[int, Report]:
        """Read what each rank posted since the last look (its new checkpoints, its final), fold it
        in, and return each rank's latest report."""
        for rank in range(self.world):
            if rank in self._finals:
                continue
            key = self.prefix + f"final/{rank}"
            if final and self.store.check([key]):
                report = Report.from_json(self.store.get(key))
                self._drain(rank, upto=report.seq - 1)  # checkpoints posted before it, not read yet
                self._apply(report)
                self._finals.add(rank)
            else:
                self._drain(rank)
        return dict(self._latest)

    def _drain(self, rank: int, upto: int | None = None) -> None:
        while upto is None or self._read_seq.get(rank, 0) < upto:
            key = self.prefix + f"checkpoint/{rank}/{self._read_seq.get(rank, 0) + 1}"
            if not self.store.check([key]):
                return
            self._apply(Report.from_json(self.store.get(key)))

    def _apply(self, report: Report) -> None:
        for window in report.windows:
            fold_window(self._windows, window)
        if not report.final:
            self._read_seq[report.rank] = report.seq
        report.windows = []  # folded: the latest report keeps only the cumulative readings
        self._latest[report.rank] = report

    def _merge(self, reports: dict[int, Report]) -> Job:
        return merge(self.name, self.planned, reports, self.world, windows=list(self._windows.values()))

    def _record(self, job: Job, status: str) -> None:
        """Write the merged run so far (``running``) or its end, then its windows, placements, ranks."""
        sink, run_id = self.sink, self.run_id
        if sink is None or run_id is None:
            return
        self._seq += 1
        power_w = job.result.average_power_w
        if status == "running":
            sink.checkpoint(run_id, self._seq, job.result, power_w)
        else:
            silent = [k for k in self.planned if k not in job.extras.placements]
            if silent:  # a device no rank reported has no reading: not a zero
                sink.drop_devices(run_id, silent)
            sink.finish(run_id, self._seq, job.result, power_w, status)
        sink.write_extras(run_id, job.extras)

    # -- the store ------------------------------------------------------------------------------
    def _put(self, key: str, value: str) -> None:
        try:
            self.store.set(self.prefix + key, value)
        except Exception as exc:  # the store's host may be gone: keep training, say so
            self.notes.append(f"could not post {key} to the job's store ({exc})")

    def _wait(self, key: str, what: str) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self.store.check([self.prefix + key]):
                return self.store.get(self.prefix + key)
            time.sleep(_POLL_S)
        raise EnergybillError(f"rank {self.rank}: no {what} from {key} within {self.timeout_s:g} s")

