"""NVIDIA GPU energy through NVML: the total-energy counter, or integrated power where none exists.

- Volta and newer expose ``nvmlDeviceGetTotalEnergyConsumption`` (mJ since the driver loaded): we
  take deltas of it. On A100/H100 NVML *power* samples cover about a quarter of the time
  (arXiv 2312.02741), so integrating power is only the labelled fallback for devices without the
  counter, sampled at ≥ 10 Hz (``max_interval_s = 0.1``) with the trapezoid rule.
- CUDA runs asynchronously: before reading at a window edge we synchronise the device when torch
  is loaded and has initialised CUDA, so that queued kernels are billed to the right window
  (Zeus ``sync_execution_with``).
- Devices are identified by UUID, not index, and ``CUDA_VISIBLE_DEVICES`` is honoured.

The hardware is reached through an ``NvmlSource`` (``PynvmlSource`` on a real machine,
``TraceSource`` to replay a recorded trace in tests).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

from energybill.core.records import COUNTER, INTEGRATED, Device
from energybill.measure.backends.base import BackendUnavailable

_MJ_PER_J = 1000.0
_MW_PER_W = 1000.0
POWER_INTERVAL_S = 0.1  # ≥ 10 Hz where power must be integrated


class NotSupported(Exception):
    """The device does not offer this reading (no energy counter before Volta, some vGPUs)."""


class NvmlSource(Protocol):
    """The few NVML calls the backend needs, by device index."""

    def device_count(self) -> int: ...
    def uuid(self, index: int) -> str: ...
    def name(self, index: int) -> str: ...
    def total_energy_mj(self, index: int) -> int: ...
    def power_mw(self, index: int) -> int: ...
    def close(self) -> None: ...


class PynvmlSource:
    """The real NVML, through ``nvidia-ml-py`` (imported here, never at package import)."""

    def __init__(self) -> None:
        try:
            import pynvml
        except ImportError:
            raise BackendUnavailable("NVML not installed: pip install 'energybill[gpu]'") from None
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:
            raise BackendUnavailable(f"NVML did not start ({exc}): no NVIDIA driver or GPU") from None
        self._nvml: Any = pynvml
        self._handles: dict[int, Any] | None = {}  # None once closed

    def _handle(self, index: int) -> Any:
        assert self._handles is not None, "NVML was shut down (close)"
        if index not in self._handles:
            self._handles[index] = self._nvml.nvmlDeviceGetHandleByIndex(index)
        return self._handles[index]

    def device_count(self) -> int:
        return int(self._nvml.nvmlDeviceGetCount())

    def uuid(self, index: int) -> str:
        return str(self._nvml.nvmlDeviceGetUUID(self._handle(index)))

    def name(self, index: int) -> str:
        return str(self._nvml.nvmlDeviceGetName(self._handle(index)))

    def total_energy_mj(self, index: int) -> int:
        return self._call(self._nvml.nvmlDeviceGetTotalEnergyConsumption, index)

    def power_mw(self, index: int) -> int:
        return self._call(self._nvml.nvmlDeviceGetPowerUsage, index)

    def _call(self, fn: Callable[[Any], int], index: int) -> int:
        try:
            return int(fn(self._handle(index)))
        except self._nvml.NVMLError_NotSupported:
            raise NotSupported(fn.__name__) from None

    def close(self) -> None:
        if self._handles is not None:
            self._nvml.nvmlShutdown()
            self._handles = None


@dataclass
class TraceDevice:
    """One GPU of a recorded trace: samples of (t_s, energy_mj or None, power_mw)."""

    uuid: str
    name: str
    samples: list[tuple[float, int | None, int]]

    def at(self, t_s: float) -> tuple[int | None, int]:
        """The reading NVML would give at ``t_s``: the latest sample at or before it."""
        current = self.samples[0]
        for sample in self.samples:
            if sample[0] > t_s:
                break
            current = sample
        return current[1], current[2]


class TraceSource:
    """Replays a recorded NVML trace against a clock (``{"devices": [{"uuid", "name", "samples"}]}``)."""

    def __init__(self, trace: dict[str, Any], clock: Callable[[], float]) -> None:
        self.devices = [
            TraceDevice(d["uuid"], d["name"], [tuple(s) for s in d["samples"]])
            for d in trace["devices"]
        ]
        self.clock = clock

    def device_count(self) -> int:
        return len(self.devices)

    def uuid(self, index: int) -> str:
        return self.devices[index].uuid

    def name(self, index: int) -> str:
        return self.devices[index].name

    def total_energy_mj(self, index: int) -> int:
        energy_mj, _ = self.devices[index].at(self.clock())
        if energy_mj is None:
            raise NotSupported("nvmlDeviceGetTotalEnergyConsumption")
        return energy_mj

    def power_mw(self, index: int) -> int:
        return self.devices[index].at(self.clock())[1]

    def close(self) -> None:
        pass


class _TraceRecord(TypedDict):
    """One GPU of a trace as JSON: samples of ``[t_s, energy_mj or null, power_mw]``."""

    uuid: str
    name: str
    samples: list[list[float | int | None]]


def record_trace(source: NvmlSource, seconds: float, period_s: float = 0.02) -> dict[str, Any]:
    """Record what NVML reports, in the format ``TraceSource`` replays (run it on a GPU machine).

        python -c "import json; from energybill.measure.backends.nvml import *; \
                   print(json.dumps(record_trace(PynvmlSource(), 12.0)))" > trace.json
    """
    import time

    count = source.device_count()
    devices: list[_TraceRecord] = [
        {"uuid": source.uuid(i), "name": source.name(i), "samples": []} for i in range(count)
    ]
    start = time.monotonic()
    while (now := time.monotonic() - start) < seconds:
        for index, device in enumerate(devices):
            try:
                energy_mj: int | None = source.total_energy_mj(index)
            except NotSupported:
                energy_mj = None
            device["samples"].append([round(now, 4), energy_mj, source.power_mw(index)])
        time.sleep(period_s)
    return {"recorded_with": "energybill record_trace", "devices": devices}


def torch_sync() -> None:
    """Wait for queued CUDA work, if torch is loaded and has started CUDA (never imports torch)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def visible_indices(count: int, uuids: Sequence[str], env: str | None) -> list[int]:
    """The NVML indices that ``CUDA_VISIBLE_DEVICES`` (indices or UUID prefixes) lets us see."""
    if env is None:
        return list(range(count))
    chosen: list[int] = []
    for entry in (e.strip() for e in env.split(",") if e.strip()):
        if entry.isdigit():
            index = int(entry)
        else:
            index = next((i for i, u in enumerate(uuids) if u.startswith(entry)), -1)
        if not 0 <= index < count:
            break  # CUDA stops at the first invalid entry
        chosen.append(index)
    return chosen


class NvmlBackend:
    """Energy of each visible NVIDIA GPU: counter deltas, or trapezoid-integrated power."""

    name = "nvml"

    def __init__(
        self,
        source: NvmlSource | Callable[[], NvmlSource] = PynvmlSource,
        sync: Callable[[], None] | None = torch_sync,
    ) -> None:
        self._source_arg = source
        self._source: NvmlSource | None = None
        self.sync = sync
        self.max_interval_s: float | None = None
        self._index: dict[str, int] = {}
        self._method: dict[str, str] = {}
        self._base_mj: dict[str, int] = {}
        self._last_mj: dict[str, int] = {}
        self._acc_mj: dict[str, float] = {}
        self._last_power: dict[str, tuple[float, float]] = {}
        self.notes: list[str] = []

    def start(self, now_s: float) -> list[Device]:
        source = self._source_arg() if callable(self._source_arg) else self._source_arg
        self._source = source
        count = source.device_count()
        uuids = [source.uuid(i) for i in range(count)]
        devices = []
        for index in visible_indices(count, uuids, os.environ.get("CUDA_VISIBLE_DEVICES")):
            device = self._open(index, uuids[index], now_s)
            if device is not None:
                devices.append(device)
        if not devices:
            raise BackendUnavailable("no NVIDIA GPU visible to NVML" + "".join(f"; {n}" for n in self.notes))
        self.max_interval_s = POWER_INTERVAL_S if INTEGRATED in self._method.values() else None
        return devices

    def _open(self, index: int, uuid: str, now_s: float) -> Device | None:
        assert self._source is not None
        device_id = f"gpu:{uuid}"
        name = self._source.name(index)
        self._index[device_id] = index
        self._acc_mj[device_id] = 0.0
        try:
            self._base_mj[device_id] = self._last_mj[device_id] = self._source.total_energy_mj(index)
            self._method[device_id] = COUNTER
            source = "NVML nvmlDeviceGetTotalEnergyConsumption (counter deltas)"
        except NotSupported:
            try:
                power_mw = self._source.power_mw(index)
            except NotSupported:
                self.notes.append(f"{name} ({uuid}) has neither energy counter nor power reading")
                return None
            self._method[device_id] = INTEGRATED
            self._last_power[device_id] = (now_s, power_mw / _MW_PER_W)
            source = f"NVML nvmlDeviceGetPowerUsage integrated at {1 / POWER_INTERVAL_S:.0f} Hz (no counter)"
        return Device(device_id, "gpu", self._method[device_id], name, source)

    def sample(self, now_s: float) -> None:
        assert self._source is not None
        for device_id, index in self._index.items():
            if self._method.get(device_id) == INTEGRATED:
                t0, p0 = self._last_power[device_id]
                p1 = self._source.power_mw(index) / _MW_PER_W
                self._acc_mj[device_id] += (p0 + p1) / 2 * (now_s - t0) * _MJ_PER_J  # trapezoid
                self._last_power[device_id] = (now_s, p1)
            elif self._method.get(device_id) == COUNTER:
                self._count(device_id, self._source.total_energy_mj(index))

    def _count(self, device_id: str, now_mj: int) -> None:
        delta = now_mj - self._last_mj[device_id]
        if delta < 0:  # the counter restarted (driver reload): it counts from 0 again
            self.notes.append(f"{device_id}: energy counter restarted; counted from its new zero")
            delta = now_mj
        self._acc_mj[device_id] += delta
        self._last_mj[device_id] = now_mj

    def read(self, now_s: float) -> dict[str, float]:
        if self.sync is not None:
            self.sync()
        self.sample(now_s)
        return {d: mj / _MJ_PER_J for d, mj in self._acc_mj.items() if d in self._method}

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None
