"""Measurement records: plain data that the meter fills and the ledger stores.

They sit below both ``energybill.measure`` and ``energybill.ledger`` so that neither has to
import the other: the meter produces ``Measurement``s and ``WindowRecord``s, a sink (the ledger)
consumes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from energybill.core.units import co2e_kg, j_to_kwh

# How a figure was produced, from best to worst (DESIGN.md "every figure says which method").
COUNTER = "counter"  # a hardware energy counter (NVML total energy, RAPL energy_uj)
INTEGRATED = "integrated-power"  # power samples integrated over time (no counter on the device)
MODELLED = "modelled"  # utilisation × rated power: an estimate, never called measured
METHODS = (COUNTER, INTEGRATED, MODELLED)


@dataclass(frozen=True)
class Device:
    """One measured thing: its identity (host-unique), component, method and what reads it."""

    device_id: str  # "gpu:GPU-8f1c…", "rapl:package-0", "model:cpu"
    component: str  # "gpu", "cpu", "dram" or "ram"
    method: str  # one of METHODS
    label: str  # human name: "NVIDIA A100-SXM4-80GB", "package-0"
    source: str  # what produced the figure: API, file or model with its reference


@dataclass(frozen=True)
class DeviceEnergy:
    """The energy one device used in a window, and how it was obtained."""

    device: Device
    energy_j: float

    def to_dict(self) -> dict[str, Any]:
        d = self.device
        return {"device_id": d.device_id, "component": d.component, "method": d.method,
                "label": d.label, "source": d.source, "energy_j": self.energy_j}


@dataclass(frozen=True)
class Measurement:
    """One window's result. ``energy_j`` is None when no device could be read: no reading ≠ zero."""

    name: str
    started_unix: float
    duration_s: float
    devices: tuple[DeviceEnergy, ...]
    peak_power_w: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def energy_j(self) -> float | None:
        return sum(d.energy_j for d in self.devices) if self.devices else None

    @property
    def energy_kwh(self) -> float | None:
        energy_j = self.energy_j
        return None if energy_j is None else j_to_kwh(energy_j)

    @property
    def average_power_w(self) -> float | None:
        energy_j = self.energy_j
        if energy_j is None or self.duration_s <= 0:
            return None
        return energy_j / self.duration_s

    def by_component(self) -> dict[str, float]:
        """Joules per component (gpu, cpu, dram, ram)."""
        out: dict[str, float] = {}
        for d in self.devices:
            out[d.device.component] = out.get(d.device.component, 0.0) + d.energy_j
        return out

    def methods(self) -> dict[str, str]:
        """The method behind each device's figure (counter, integrated-power, modelled)."""
        return {d.device.device_id: d.device.method for d in self.devices}

    @property
    def measured(self) -> bool:
        """True when every figure comes from hardware (a counter or integrated power)."""
        return bool(self.devices) and all(d.device.method != MODELLED for d in self.devices)

    def co2e_kg(self, carbon_intensity_g_per_kwh: float, pue: float = 1.0) -> float | None:
        """``kg = kWh × PUE × g/kWh / 1000`` (DESIGN.md, "CO2e"); the devices' energy is IT energy."""
        energy_kwh = self.energy_kwh
        return None if energy_kwh is None else co2e_kg(energy_kwh * pue, carbon_intensity_g_per_kwh)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "started_unix": self.started_unix,
            "duration_s": self.duration_s,
            "energy_j": self.energy_j,
            "energy_kwh": self.energy_kwh,
            "average_power_w": self.average_power_w,
            "peak_power_w": self.peak_power_w,
            "by_component_j": self.by_component(),
            "devices": [d.to_dict() for d in self.devices],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class WindowRecord:
    """One window of a run: an epoch, a phase of an epoch (segments summed), or the run itself."""

    name: str
    epoch: int | None
    phase: str | None
    started_s: float
    duration_s: float
    energy_j: float | None
    segments: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "epoch": self.epoch, "phase": self.phase, "started_s": self.started_s,
                "duration_s": self.duration_s, "energy_j": self.energy_j, "segments": self.segments}


@dataclass(frozen=True)
class RankRecord:
    """One rank of a distributed run and whether its final report arrived."""

    rank: int
    host: str
    status: str  # "reported" or "lost"
    energy_j: float | None
    duration_s: float | None


@dataclass
class RunExtras:
    """Windows, device placements ``{device_id: (host, rank)}`` and ranks to store with a run."""

    windows: Sequence[WindowRecord] = ()
    placements: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    ranks: Sequence[RankRecord] = ()
