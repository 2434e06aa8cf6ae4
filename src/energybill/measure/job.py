"""Merge the readings of a distributed job's ranks into one run: each physical device once.

Keys are ``host/device_id`` (a GPU UUID is unique; a RAPL zone name is unique only on its host).
If two ranks ever report the same key (a plan that went wrong), the lower rank's reading is kept
and the duplicate is named in the notes: one device, one figure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from energybill.core.records import Device, DeviceEnergy, Measurement, RankRecord, RunExtras, WindowRecord


@dataclass
class Report:
    """One rank's readings at a checkpoint or at the end (``final``)."""

    rank: int
    host: str
    final: bool
    started_unix: float
    duration_s: float
    energy_j: dict[str, float]  # by device_id (this rank's owned devices), cumulative
    windows: list[WindowRecord] = field(default_factory=list)  # only those new since its last report
    notes: list[str] = field(default_factory=list)
    seq: int = 0  # 1, 2, … per rank: checkpoints in order; a final's seq is one past its last checkpoint

    def to_json(self) -> str:
        d = {**self.__dict__, "windows": [w.to_dict() for w in self.windows]}
        return json.dumps(d)

    @classmethod
    def from_json(cls, text: str | bytes) -> Report:
        d = json.loads(text)
        d["windows"] = [WindowRecord(**w) for w in d["windows"]]
        return cls(**d)


@dataclass(frozen=True)
class Job:
    """The merged run: its Measurement (devices keyed ``host/device_id``), extras, completeness."""

    result: Measurement
    extras: RunExtras
    lost: tuple[int, ...]

    @property
    def complete(self) -> bool:
        return not self.lost

    def per_node_j(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for d in self.result.devices:
            host = self.extras.placements[d.device.device_id][0]
            totals[host] = totals.get(host, 0.0) + d.energy_j
        return totals

    def per_device_j(self) -> dict[str, float]:
        return {d.device.device_id: d.energy_j for d in self.result.devices}


def job_device(host: str, device: Device) -> Device:
    """The device as the job sees it: its id prefixed with its host."""
    return Device(f"{host}/{device.device_id}", device.component, device.method, f"{device.label} on {host}",
                  device.source)


def merge(name: str, planned: Mapping[str, tuple[Device, str, int]], reports: Mapping[int, Report],
          world: int, windows: Sequence[WindowRecord] | None = None) -> Job:
    """Merge rank reports (final or checkpoint) over the plan ``host/device_id → (device, host, rank)``;
    ``windows``: the job's windows merged already (else those the reports carry)."""
    notes: list[str] = []
    energy: dict[str, float] = {}
    placements: dict[str, tuple[str, int | None]] = {}
    for rank in sorted(reports):
        report = reports[rank]
        for device_id, joules in report.energy_j.items():
            key = f"{report.host}/{device_id}"
            if key in energy:
                notes.append(f"{key}: also reported by rank {rank}; counted once (rank {placements[key][1]})")
                continue
            energy[key] = joules
            placements[key] = (report.host, rank)
        notes.extend(f"rank {rank}: {n}" for n in report.notes)
    lost = tuple(r for r in range(world) if r not in reports or not reports[r].final)
    notes.extend(_lost_notes(reports, lost, planned, energy))
    devices = tuple(DeviceEnergy(planned[k][0], energy[k]) for k in sorted(energy) if k in planned)
    ranks = [_rank_record(r, reports.get(r), planned) for r in range(world)]
    started = min((r.started_unix for r in reports.values()), default=0.0)
    duration = max((r.duration_s for r in reports.values()), default=0.0)
    result = Measurement(name, started, duration, devices, notes=tuple(notes))
    if windows is None:
        windows = merge_windows([reports[r].windows for r in sorted(reports)])
    return Job(result, RunExtras(windows=list(windows), placements=placements, ranks=ranks), lost)


def _lost_notes(reports: Mapping[int, Report], lost: Sequence[int],
                planned: Mapping[str, tuple[Device, str, int]], energy: Mapping[str, float]) -> list[str]:
    notes = []
    for rank in lost:
        if rank in reports:
            at = reports[rank].duration_s
            notes.append(f"incomplete: rank {rank} was lost; its devices count up to its last checkpoint "
                         f"({at:.1f} s into the run)")
        else:
            missing = sorted(k for k, (_, _, owner) in planned.items() if owner == rank and k not in energy)
            notes.append(f"incomplete: rank {rank} was lost before any checkpoint; no reading for "
                         f"{', '.join(missing) or 'its devices'}")
    return notes


def _rank_record(rank: int, report: Report | None,
                 planned: Mapping[str, tuple[Device, str, int]]) -> RankRecord:
    if report is None:
        host = next((h for _, h, owner in planned.values() if owner == rank), "?")
        return RankRecord(rank, host, "lost", None, None)
    status = "reported" if report.final else "lost"
    joules = sum(report.energy_j.values()) if report.energy_j else None
    return RankRecord(rank, report.host, status, joules, report.duration_s)


def merge_windows(per_rank: Sequence[Sequence[WindowRecord]]) -> list[WindowRecord]:
    """One window per name: the sum of the ranks' energies (each rank read only its own devices)."""
    merged: dict[str, WindowRecord] = {}
    for windows in per_rank:
        for w in windows:
            fold_window(merged, w)
    return list(merged.values())


def fold_window(merged: dict[str, WindowRecord], w: WindowRecord) -> None:
    """Add one rank's window to the job's windows by name (constant time: a job's edge costs the
    same at its 300th window as at its first)."""
    seen = merged.get(w.name)
    if seen is None:
        merged[w.name] = w
        return
    energy = None if seen.energy_j is None and w.energy_j is None else (
        (seen.energy_j or 0.0) + (w.energy_j or 0.0))
    merged[w.name] = WindowRecord(w.name, w.epoch, w.phase, min(seen.started_s, w.started_s),
                                  max(seen.duration_s, w.duration_s), energy, max(seen.segments, w.segments))
