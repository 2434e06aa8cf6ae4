"""The benchmarks' measuring seam: a thin adapter over ``energybill.measure.Meter`` windows.

There is one measuring path, the meter's (NVML counter or integrated power by GPU UUID, RAPL
with wraparound checkpoints, the labelled model, torch synchronisation at window edges). This
module only chooses what the benchmark's window covers and names it::

    meter = open_meter("cpu", watts=None)
    with meter.window() as window:
        work()
    window.energy_j, window.seconds, window.method      # method: "counter", "integrated-power", …
    meter.close()

- ``--device cuda``: the one GPU torch runs on (matched by UUID), read by the meter's NVML backend.
- ``--device cpu``: the meter's CPU side: RAPL packages and their DRAM, else its labelled model.
- ``--watts W``: a given constant power, a ``modelled`` device of its own, still a meter window.

"No reading" is never zero: a device without a reading is an error that says why.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from energybill.core.errors import EnergybillError
from energybill.core.records import METHODS, MODELLED, Device, DeviceEnergy
from energybill.measure.backends.base import BackendUnavailable
from energybill.measure.backends.nvml import torch_sync
from energybill.measure.meter import Meter

CPU_COMPONENTS = ("cpu", "dram", "ram")
_NOT_IN_SCOPE = "not read: the benchmark runs on the CPU"


@dataclass
class Window:
    """One measured window of the benchmark's own devices: joules, seconds and the method."""

    method: str
    energy_j: float = 0.0
    seconds: float = 0.0
    devices: tuple[DeviceEnergy, ...] = field(default=())

    @property
    def power_w(self) -> float:
        return self.energy_j / self.seconds if self.seconds > 0 else 0.0


class ConstantPower:
    """A given constant power (``--watts``) as a meter backend: ``modelled``, never measured."""

    name = "given"
    max_interval_s: float | None = None

    def __init__(self, watts: float, device: str, sync: Callable[[], None] | None = torch_sync) -> None:
        self.watts = watts
        self.device = device
        self.sync = sync  # the window's edges still wait for queued CUDA work
        self._start_s = 0.0

    def start(self, now_s: float) -> list[Device]:
        self._start_s = now_s
        source = f"constant {self.watts:g} W given with --watts × the window's wall-clock time"
        return [Device(f"given:{self.device}", self.device, MODELLED, f"{self.device} (given power)", source)]

    def sample(self, now_s: float) -> None:
        pass

    def read(self, now_s: float) -> dict[str, float]:
        if self.sync is not None:
            self.sync()
        return {f"given:{self.device}": self.watts * (now_s - self._start_s)}

    def close(self) -> None:
        pass


class BenchMeter:
    """A started ``Meter`` and the device ids of the benchmark's own device within it."""

    def __init__(self, meter: Meter, scope: tuple[str, ...]) -> None:
        self.meter = meter
        self.scope = scope
        self._names = itertools.count(1)

    @property
    def devices(self) -> list[Device]:
        return [d for d in self.meter.devices if d.device_id in self.scope]

    @property
    def method(self) -> str:
        """The meter's label of the scoped devices: one of METHODS, or several joined by " + "."""
        used = {d.method for d in self.devices}
        return " + ".join(m for m in METHODS if m in used)

    @property
    def notes(self) -> list[str]:
        """Why a better backend was not used (RAPL permission, no NVML), as the meter says it."""
        return [n for n in self.meter.notes if _NOT_IN_SCOPE not in n]

    def device_records(self) -> list[dict[str, str]]:
        return [{"device_id": d.device_id, "component": d.component, "method": d.method,
                 "label": d.label, "source": d.source} for d in self.devices]

    @contextmanager
    def window(self) -> Iterator[Window]:
        """Measure the enclosed block; the window is filled in on exit (also after Ctrl-C)."""
        name = f"bench-{next(self._names)}"
        result = Window(self.method)
        self.meter.begin(name)
        try:
            yield result
        finally:
            measurement = self.meter.end(name)
            result.devices = tuple(d for d in measurement.devices if d.device.device_id in self.scope)
            result.seconds = measurement.duration_s
            result.energy_j = sum(d.energy_j for d in result.devices)

    def close(self) -> None:
        self.meter.stop()


def describe(method: str, devices: list[dict[str, str]], notes: list[str]) -> str:
    """The method as the meter labels it, each device with what produced its figure, the notes."""
    parts = [f"{d['label']} [{d['component']}, {d['device_id']}]: {d['source']}" for d in devices]
    text = f"{method} — " + "; ".join(parts) if parts else method
    return text + "".join(f"\n  note: {n}" for n in notes)


def measure_window(meter: BenchMeter) -> Any:
    """``with measure_window(meter) as w:`` — the same as ``meter.window()``."""
    return meter.window()


def open_meter(
    device: str,
    *,
    watts: float | None = None,
    gpu_uuid: str | None = None,
    nvml_source: Any = None,
    powercap_root: Path | str | None = None,
    powercap_read: Callable[[Path], str] | None = None,
    cpu_tdp_w: float | None = None,
    sync: Callable[[], None] | None = torch_sync,
    **meter_options: Any,
) -> BenchMeter:
    """A started meter scoped to ``device`` ("cuda", "cuda:N" or "cpu").

    ``gpu_uuid`` names the CUDA device (torch's UUID); without it, or when NVML lists no such
    UUID, ``cuda:N`` is the N-th GPU visible to NVML (which honours CUDA_VISIBLE_DEVICES).
    ``nvml_source``, ``powercap_root``/``powercap_read``, ``cpu_tdp_w`` and ``meter_options``
    (clock, thread, interval_s) go to the meter; ``sync`` runs at each reading of a CUDA window.
    """
    kind = "gpu" if device.startswith("cuda") else "cpu"
    if watts is not None:
        meter = Meter(backends=[ConstantPower(watts, kind, sync)], **meter_options).start()
        return BenchMeter(meter, tuple(d.device_id for d in meter.devices))
    if kind == "gpu":
        from energybill.measure.backends.nvml import NvmlBackend

        backend = NvmlBackend(nvml_source, sync) if nvml_source is not None else NvmlBackend(sync=sync)
        meter = Meter(backends=[backend], **meter_options).start()
        return BenchMeter(meter, _gpu_scope(meter, device, gpu_uuid))
    meter = Meter(powercap_root=powercap_root, powercap_read=powercap_read, cpu_tdp_w=cpu_tdp_w,
                  nvml_source=_no_gpu, **meter_options).start()
    scope = tuple(d.device_id for d in meter.devices if d.component in CPU_COMPONENTS)
    if not scope:
        meter.stop()
        raise EnergybillError(f"--device cpu: no energy reading ({'; '.join(meter.notes)}); give --watts W")
    return BenchMeter(meter, scope)


def _no_gpu() -> Any:
    """The NVML source of a CPU benchmark: its GPUs are not the benchmark's device."""
    raise BackendUnavailable(_NOT_IN_SCOPE)


def _gpu_scope(meter: Meter, device: str, gpu_uuid: str | None) -> tuple[str, ...]:
    gpus = [d for d in meter.devices if d.component == "gpu"]
    if not gpus:
        meter.stop()
        raise EnergybillError(
            f"--device cuda: no energy reading for the GPU ({'; '.join(meter.notes)}); "
            "install NVML (pip install 'energybill[gpu]') or give --watts W for a labelled constant power"
        )
    if gpu_uuid:
        bare = gpu_uuid.removeprefix("GPU-")
        match = [d for d in gpus if d.device_id.removeprefix("gpu:").removeprefix("GPU-") == bare]
        if match:
            return (match[0].device_id,)
    index = int(device.split(":", 1)[1]) if ":" in device else 0
    if index >= len(gpus):
        meter.stop()
        raise EnergybillError(f"--device {device}: NVML sees {len(gpus)} GPU(s) here")
    return (gpus[index].device_id,)
