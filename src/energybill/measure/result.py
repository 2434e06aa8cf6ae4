"""What a measured window gives: energy per device and component, duration, power, method, CO2e."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from energybill.core.units import co2e_kg, j_to_kwh
from energybill.measure.backends.base import Device


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
        return bool(self.devices) and all(d.device.method != "modelled" for d in self.devices)

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
