"""The meter: backends read at window edges and every interval, named nested windows, results.

    >>> with energybill.track("finetune") as run:        # doctest: +SKIP
    ...     train()
    >>> run.result.energy_kwh, run.result.methods()       # doctest: +SKIP

Windows are differences of cumulative counters, so any number of them may nest or overlap at no
extra cost; the sampler thread only keeps running sums correct (RAPL wraparound, power
integration, the utilisation model), tracks peak power and calls ``on_sample`` (sink checkpoints).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from energybill.core.errors import EnergybillError
from energybill.core.records import Device, DeviceEnergy, Measurement
from energybill.measure.backends.base import Backend, BackendUnavailable
from energybill.measure.sampler import Sampler

DEFAULT_INTERVAL_S = 1.0


class MeterError(EnergybillError):
    """A window used wrongly: ended before it began, begun twice."""


@dataclass
class _Window:
    name: str
    started_s: float
    started_unix: float
    base_j: dict[str, float]
    last_s: float
    last_total_j: float
    peak_power_w: float | None = None
    # the sample before the last: a too-short final interval is merged into the one before it
    before_s: float | None = None
    before_total_j: float = 0.0


def open_backends(
    cpu_tdp_w: float | None = None,
    powercap_root: Path | str | None = None,
    nvml_source: Any = None,
    now_s: float = 0.0,
    powercap_read: Callable[[Path], str] | None = None,
) -> tuple[list[tuple[Backend, list[Device]]], list[str]]:
    """The backend ladder: NVML for GPUs; RAPL for CPU and DRAM, else the labelled model.

    Returns the started backends with their devices, and a note for each one that is unavailable.
    """
    from energybill.measure.backends.model import ModelBackend
    from energybill.measure.backends.nvml import NvmlBackend
    from energybill.measure.backends.rapl import DEFAULT_ROOT, RaplBackend

    started: list[tuple[Backend, list[Device]]] = []
    notes: list[str] = []
    gpu = NvmlBackend(nvml_source) if nvml_source is not None else NvmlBackend()
    rapl = RaplBackend(powercap_root or DEFAULT_ROOT, powercap_read)
    for backend in (gpu, rapl):
        try:
            started.append((backend, backend.start(now_s)))
        except BackendUnavailable as exc:
            notes.append(f"{backend.name}: {exc}")
    components = {device.component for _, devices in started for device in devices}
    missing = tuple(c for c, covered in (("cpu", "cpu"), ("ram", "dram")) if covered not in components)
    if missing:
        model = ModelBackend(cpu_tdp_w=cpu_tdp_w, components=missing)
        try:
            started.append((model, model.start(now_s)))
        except BackendUnavailable as exc:
            notes.append(f"model: {exc}")
    return started, notes


class Meter:
    """Reads backends at window edges and every ``interval_s``; ``begin``/``end`` named windows."""

    def __init__(
        self,
        backends: Sequence[Backend] | None = None,
        interval_s: float = DEFAULT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        cpu_tdp_w: float | None = None,
        powercap_root: Path | str | None = None,
        nvml_source: Any = None,
        powercap_read: Callable[[Path], str] | None = None,
        on_sample: Callable[[Meter], None] | None = None,
        thread: bool = True,
    ) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self.wall = wall
        self.on_sample = on_sample
        self._given = list(backends) if backends is not None else None
        self._ladder = {"cpu_tdp_w": cpu_tdp_w, "powercap_root": powercap_root,
                        "nvml_source": nvml_source, "powercap_read": powercap_read}
        self._thread = thread
        self._lock = threading.RLock()
        self._windows: dict[str, _Window] = {}
        self.backends: list[tuple[Backend, list[Device]]] = []
        self.notes: list[str] = []
        self.latest_j: dict[str, float] = {}
        self.sampler: Sampler | None = None
        self.started = False
        self.edge_cpu_s = 0.0  # CPU seconds spent in begin/end on the caller's thread

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> Meter:
        """Open the backends and start the sampler thread (idempotent)."""
        with self._lock:
            if self.started:
                return self
            now_s = self.clock()
            if self._given is None:
                self.backends, self.notes = open_backends(now_s=now_s, **self._ladder)
            else:
                self.backends = self._start_given(now_s)
            self.latest_j = {d.device_id: 0.0 for d in self.devices}
            self.started = True
        if self._thread:
            self.sampler = Sampler(self.tick, self.sample_interval_s, self.clock)
            self.sampler.start()
        return self

    def _start_given(self, now_s: float) -> list[tuple[Backend, list[Device]]]:
        started = []
        for backend in self._given or []:
            try:
                started.append((backend, backend.start(now_s)))
            except BackendUnavailable as exc:
                self.notes.append(f"{backend.name}: {exc}")
        return started

    def stop(self) -> None:
        """Stop the sampler and release the hardware; harmless when called again."""
        if self.sampler is not None:
            self.sampler.stop()
        with self._lock:
            for backend, _ in self.backends:
                backend.close()
            self.started = False

    @property
    def devices(self) -> list[Device]:
        return [device for _, devices in self.backends for device in devices]

    @property
    def sample_interval_s(self) -> float:
        """The interval asked for, shortened where a backend needs more frequent samples."""
        limits = [b.max_interval_s for b, _ in self.backends if b.max_interval_s is not None]
        return min([self.interval_s, *limits])

    @property
    def cpu_s(self) -> float:
        """The meter's own CPU seconds: sampler thread (after stop) plus window edges."""
        return self.edge_cpu_s + (self.sampler.cpu_s if self.sampler else 0.0)

    # -- reading ----------------------------------------------------------------------------
    def _read(self, now_s: float) -> dict[str, float]:
        for backend, devices in self.backends:
            try:
                values = backend.read(now_s)
            except Exception as exc:  # NVML/sysfs errors mid-run: keep the last good values, say why
                self.notes.append(f"{backend.name}: read failed at {now_s:.1f} s ({exc})")
                continue
            for device in devices:
                if device.device_id in values:
                    self.latest_j[device.device_id] = values[device.device_id]
        return dict(self.latest_j)

    def tick(self) -> None:
        """One sampler interval: read everything, update peak power, then call ``on_sample``."""
        self._sample()
        if self.on_sample is not None:
            self.on_sample(self)

    def _sample(self) -> None:
        with self._lock:
            now_s = self.clock()
            total_j = sum(self._read(now_s).values())
            for window in self._windows.values():
                _advance(window, now_s, total_j, min_s=self.sample_interval_s / 2)

    def child_started(self) -> None:
        """A process to measure was just started: backends that watch the process tree look for it
        now, and a reading is taken at once, so the child counts from its first sample."""
        for backend, _ in self.backends:
            watch = getattr(backend, "watch_children", None)
            if callable(watch):
                watch()
        self._sample()  # a reading, not a checkpoint: the ledger's cadence stays one per interval

    # -- windows ----------------------------------------------------------------------------
    def begin(self, name: str) -> None:
        """Open a window called ``name``; windows may nest and overlap."""
        cpu0 = time.thread_time()
        self.start()
        with self._lock:
            if name in self._windows:
                raise MeterError(f"window {name!r} is already open; end it or use another name")
            now_s = self.clock()
            energies = self._read(now_s)
            self._windows[name] = _Window(name, now_s, self.wall(), energies, now_s, sum(energies.values()))
        self.edge_cpu_s += time.thread_time() - cpu0

    def end(self, name: str) -> Measurement:
        """Close the window ``name`` and return what it used."""
        cpu0 = time.thread_time()
        with self._lock:
            if name not in self._windows:
                open_now = ", ".join(self._windows) or "none"
                raise MeterError(f"window {name!r} is not open (open windows: {open_now})")
            now_s = self.clock()
            energies = self._read(now_s)
            window = self._windows.pop(name)
            # the last, partial interval counts towards the peak only if long enough to be meaningful
            _advance(window, now_s, sum(energies.values()), min_s=self.sample_interval_s / 2, final=True)
            result = self._result(window, now_s, energies)
        self.edge_cpu_s += time.thread_time() - cpu0
        return result

    def base_j(self, name: str) -> dict[str, float]:
        """The cumulative reading per device the open window ``name`` began at: its zero."""
        with self._lock:
            return dict(self._windows[name].base_j)

    def peek(self, name: str) -> Measurement:
        """The open window ``name`` as of the last sample, without reading the hardware."""
        with self._lock:
            window = self._windows[name]
            return self._result(window, window.last_s, dict(self.latest_j))

    def _result(self, window: _Window, now_s: float, energies: dict[str, float]) -> Measurement:
        devices = tuple(
            DeviceEnergy(d, energies[d.device_id] - window.base_j[d.device_id]) for d in self.devices
        )
        duration_s = now_s - window.started_s
        return Measurement(
            name=window.name,
            started_unix=window.started_unix,
            duration_s=duration_s,
            devices=devices,
            peak_power_w=_peak_w(window.peak_power_w, devices, duration_s) if devices else None,
            notes=tuple(self.notes),
        )


def _advance(window: _Window, now_s: float, total_j: float, min_s: float = 0.0, final: bool = False) -> None:
    """Fold the interval since the window's last sample into its peak power.

    The peak is taken over intervals that partition the window, the same whose energies sum to
    its total, so it is never below the average. An interval shorter than ``min_s`` (too short
    for a counter's resolution: a window begun just before a tick, a reading at a child's start)
    is not an interval of its own: mid-run it is merged into the next one, at the end into the
    one before it.
    """
    elapsed_s = now_s - window.last_s
    if elapsed_s <= 0:
        return
    if elapsed_s < min_s and not final:
        return  # the next interval starts where this one did
    if elapsed_s < min_s and window.before_s is not None:
        power_w = (total_j - window.before_total_j) / (now_s - window.before_s)
    else:
        power_w = (total_j - window.last_total_j) / elapsed_s
        window.before_s, window.before_total_j = window.last_s, window.last_total_j
    window.peak_power_w = power_w if window.peak_power_w is None else max(window.peak_power_w, power_w)
    window.last_s, window.last_total_j = now_s, total_j


def _peak_w(peak_w: float | None, devices: Sequence[DeviceEnergy], duration_s: float) -> float | None:
    """The window's peak, never below its average (rounding, or no full interval yet)."""
    if duration_s <= 0:
        return peak_w
    average_w = sum(d.energy_j for d in devices) / duration_s
    return average_w if peak_w is None else max(peak_w, average_w)
