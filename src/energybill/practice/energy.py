"""The one measuring seam of the benchmarks (to be swapped for the meter's API when it lands).

``open_meter(device)`` picks, in order: the NVML cumulative energy counter of the CUDA device
(Volta and newer), NVML power samples integrated over time (older GPUs; labelled), RAPL package
counters for a CPU (if readable: root since Linux 5.10), and otherwise a labelled model, a constant
power times the wall-clock time. ``meter.window()`` measures one window::

    meter = open_meter("cpu", watts=None)
    with meter.window() as window:
        work()
    window.energy_j, window.seconds, window.method

"No reading" is never zero: a window's ``method`` names what produced its joules.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

RAPL_ROOT = Path("/sys/class/powercap")
# CodeCarbon's constant for a CPU it cannot identify (POWER_CONSTANT, 85 W); see
# shared/reference/existing-tools.md. Used only when nothing can be read and --watts is not given.
DEFAULT_CPU_WATTS = 85.0
DEFAULT_CPU_WATTS_SOURCE = "CodeCarbon's constant for an unknown CPU (85 W)"


@dataclass
class Window:
    """One measured window: joules, seconds and how the joules were obtained."""

    method: str
    energy_j: float = 0.0
    seconds: float = 0.0

    @property
    def power_w(self) -> float:
        return self.energy_j / self.seconds if self.seconds > 0 else 0.0


class _Backend(Protocol):
    method: str

    def start(self) -> None: ...

    def stop(self, seconds: float) -> float: ...


@dataclass
class Meter:
    """A chosen backend and the synchronisation to run at each window edge."""

    backend: _Backend
    sync: Callable[[], None] = field(default=lambda: None)

    @property
    def method(self) -> str:
        return self.backend.method

    @contextmanager
    def window(self) -> Iterator[Window]:
        """Measure the enclosed block; the window is filled in on exit (also after Ctrl-C)."""
        result = Window(self.backend.method)
        self.sync()  # queued GPU work belongs to the previous window, not to this one
        start = time.perf_counter()
        self.backend.start()
        try:
            yield result
        finally:
            self.sync()
            result.seconds = time.perf_counter() - start
            result.energy_j = self.backend.stop(result.seconds)


def measure_window(meter: Meter) -> Any:
    """``with measure_window(meter) as w:`` — the seam's one function, same as ``meter.window()``."""
    return meter.window()


def open_meter(
    device: str,
    *,
    watts: float | None = None,
    nvml: Any = None,
    rapl_root: Path = RAPL_ROOT,
    sync: Callable[[], None] | None = None,
) -> Meter:
    """The best backend for ``device`` ("cuda", "cuda:N" or "cpu").

    ``watts`` forces the labelled constant model. ``nvml`` injects an NVML module (a recorded
    trace in tests); by default ``pynvml`` (nvidia-ml-py) is imported if installed.
    """
    sync = sync or (lambda: None)
    if watts is not None:
        return Meter(Constant(watts, "given with --watts"), sync)
    if device.startswith("cuda"):
        nvml = nvml if nvml is not None else _import_pynvml()
        if nvml is not None:
            return Meter(_nvml_backend(nvml, _cuda_index(device)), sync)
        return Meter(Constant(400.0, "no NVML (pip install nvidia-ml-py): A100 TDP assumed"), sync)
    rapl = Rapl.open(rapl_root)
    if rapl is not None:
        return Meter(rapl, sync)
    why = "RAPL not readable (needs root since Linux 5.10, or no powercap)"
    return Meter(Constant(DEFAULT_CPU_WATTS, f"{why}; {DEFAULT_CPU_WATTS_SOURCE}"), sync)


class Constant:
    """A labelled model: a constant power times the window's wall-clock time."""

    def __init__(self, watts: float, why: str) -> None:
        self.watts = watts
        self.method = f"modelled: constant {watts:g} W ({why})"

    def start(self) -> None:
        pass

    def stop(self, seconds: float) -> float:
        return self.watts * seconds


class Rapl:
    """RAPL package domains, summed over sockets; wraparound via ``max_energy_range_uj``.

    Only top-level ``package-N`` zones are read: core and uncore are inside package, and psys
    contains it, so adding them would count energy twice.
    """

    def __init__(self, zones: list[Path]) -> None:
        self.zones = zones
        self.method = f"rapl: {len(zones)} package domain(s), energy_uj counters"
        self._start: list[int] = []

    @classmethod
    def open(cls, root: Path) -> Rapl | None:
        zones = []
        for zone in sorted(root.glob("intel-rapl:*")):
            if ":" in zone.name.split("intel-rapl:", 1)[1]:
                continue  # a subzone (core, uncore, dram) of a package
            try:
                if (zone / "name").read_text().strip().startswith("package"):
                    int((zone / "energy_uj").read_text())
                    zones.append(zone)
            except (OSError, ValueError):
                return None
        return cls(zones) if zones else None

    def start(self) -> None:
        self._start = [int((z / "energy_uj").read_text()) for z in self.zones]

    def stop(self, seconds: float) -> float:
        total_uj = 0
        for zone, start in zip(self.zones, self._start, strict=True):
            delta = int((zone / "energy_uj").read_text()) - start
            if delta < 0:  # the counter wrapped once; never clamp a negative delta to zero
                delta += int((zone / "max_energy_range_uj").read_text())
            total_uj += delta
        return total_uj / 1e6


class NvmlCounter:
    """NVML's cumulative energy counter (mJ since the driver loaded), read at each edge."""

    def __init__(self, nvml: Any, handle: Any, name: str) -> None:
        self.nvml, self.handle = nvml, handle
        self.method = f"nvml-counter: {name}, nvmlDeviceGetTotalEnergyConsumption"
        self._start_mj = 0

    def start(self) -> None:
        self._start_mj = self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)

    def stop(self, seconds: float) -> float:
        return (self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle) - self._start_mj) / 1e3


class NvmlPower:
    """Fallback for GPUs without the counter: power samples every 50 ms, trapezoid-integrated."""

    def __init__(self, nvml: Any, handle: Any, name: str, interval_s: float = 0.05) -> None:
        self.nvml, self.handle, self.interval_s = nvml, handle, interval_s
        self.method = f"nvml-power-integrated: {name}, samples every {interval_s * 1000:g} ms (fallback)"
        self._samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        power_w = self.nvml.nvmlDeviceGetPowerUsage(self.handle) / 1e3
        self._samples.append((time.perf_counter(), power_w))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def start(self) -> None:
        self._samples, self._stop = [], threading.Event()
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self, seconds: float) -> float:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        pairs = zip(self._samples, self._samples[1:], strict=False)
        return sum((t1 - t0) * (p0 + p1) / 2 for (t0, p0), (t1, p1) in pairs)


def _nvml_backend(nvml: Any, index: int) -> _Backend:
    nvml.nvmlInit()
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    name = nvml.nvmlDeviceGetName(handle)
    name = name.decode() if isinstance(name, bytes) else str(name)
    try:
        nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
    except Exception:  # NVMLError_NotSupported before Volta; the class lives in pynvml
        return NvmlPower(nvml, handle, name)
    return NvmlCounter(nvml, handle, name)


def _cuda_index(device: str) -> int:
    """The NVML index of ``cuda:N``: CUDA_VISIBLE_DEVICES renumbers devices, NVML does not."""
    import os

    index = int(device.split(":", 1)[1]) if ":" in device else 0
    visible = [v.strip() for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
    if index < len(visible) and visible[index].isdigit():
        return int(visible[index])
    return index


def _import_pynvml() -> Any:
    try:
        import pynvml
    except ImportError:
        return None
    return pynvml
