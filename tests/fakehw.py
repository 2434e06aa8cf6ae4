"""Fake hardware at the seam: a step clock and a recorded NVML trace of constant-power GPUs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from energybill.core.records import COUNTER, Device


class StepClock:
    """A clock that moves only when the test says (one training step = one second, say)."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float = 1.0) -> None:
        self.t += seconds


def constant_power_trace(watts: dict[str, float], seconds: int = 600) -> dict[str, Any]:
    """NVML samples every second: energy counter (mJ) = W × t × 1000, power (mW) = W × 1000."""
    return {"devices": [
        {"uuid": uuid, "name": "Fake A100",
         "samples": [(float(t), int(w * t * 1000), int(w * 1000)) for t in range(seconds)]}
        for uuid, w in watts.items()
    ]}


def gpu_meter_options(clock: StepClock, watts: dict[str, float]) -> dict[str, Any]:
    """Meter options: only the fake GPUs, the step clock for time and wall time, no sampler thread."""
    from energybill.measure.backends.nvml import NvmlBackend, TraceSource

    backend = NvmlBackend(TraceSource(constant_power_trace(watts), clock), sync=None)
    return {"backends": [backend], "clock": clock, "wall": clock, "thread": False}


RAPL_MAX_UJ = 262_143_328_850  # a typical Intel max_energy_range_uj (~262 kJ)


def rapl_zone(root: Path, folder: str, name: str, energy_uj: int, max_uj: int = RAPL_MAX_UJ) -> Path:
    """One powercap zone folder (name, energy_uj, max_energy_range_uj) under a fake sysfs root."""
    path = root / folder
    path.mkdir(parents=True)
    (path / "name").write_text(name + "\n")
    (path / "energy_uj").write_text(f"{energy_uj}\n")
    (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return path


class PowerProfile:
    """A counter backend: device ``fake:0`` draws ``watts[i]`` W during second i (exact integral)."""

    name = "profile"
    max_interval_s = None

    def __init__(self, watts: list[float]) -> None:
        self.watts = watts

    def start(self, now_s: float) -> list[Device]:
        return [Device("fake:0", "cpu", COUNTER, "fake", "test profile")]

    def sample(self, now_s: float) -> None:
        pass

    def read(self, now_s: float) -> dict[str, float]:
        whole = int(now_s)
        current_w = self.watts[whole] if whole < len(self.watts) else 0.0
        return {"fake:0": sum(self.watts[:whole]) + (now_s - whole) * current_w}

    def close(self) -> None:
        pass
