"""The interface every energy backend implements: cumulative joules per device, with the method.

A backend owns one or more devices (a GPU, a RAPL package, a DRAM zone, a modelled CPU). The meter
asks it for each device's energy in joules since the backend started (``read``), at window edges
and once per sampler interval. Counter backends read hardware; integrating and modelling backends
advance their running sums on ``sample``. A backend that cannot measure raises
``BackendUnavailable`` with the reason, so that the next backend in the ladder is tried and the
reason is shown: no device means no reading, never a zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# How a figure was produced, from best to worst (DESIGN.md "every figure says which method").
COUNTER = "counter"  # a hardware energy counter (NVML total energy, RAPL energy_uj)
INTEGRATED = "integrated-power"  # power samples integrated over time (no counter on the device)
MODELLED = "modelled"  # utilisation × rated power: an estimate, never called measured
METHODS = (COUNTER, INTEGRATED, MODELLED)


class BackendUnavailable(Exception):
    """This backend cannot measure here; ``str(exc)`` says why and what would make it work."""


@dataclass(frozen=True)
class Device:
    """One measured thing: its identity (host-unique), component, method and what reads it."""

    device_id: str  # "gpu:GPU-8f1c…", "rapl:package-0", "model:cpu"
    component: str  # "gpu", "cpu", "dram" or "ram"
    method: str  # one of METHODS
    label: str  # human name: "NVIDIA A100-SXM4-80GB", "package-0"
    source: str  # what produced the figure: API, file or model with its reference


class Backend(Protocol):
    """Cumulative energy of some devices, in joules since ``start``."""

    name: str
    # Longest interval between samples that keeps the backend correct (RAPL wraparound, ≥ 10 Hz
    # power integration); None when reads at window edges are enough.
    max_interval_s: float | None

    def start(self, now_s: float) -> list[Device]:
        """Open the hardware, take the first reading, return the devices; or BackendUnavailable."""
        ...

    def sample(self, now_s: float) -> None:
        """Advance running sums (wraparound tracking, power integration, utilisation model)."""
        ...

    def read(self, now_s: float) -> dict[str, float]:
        """Energy in joules of each device since ``start``; this also samples."""
        ...

    def close(self) -> None:
        """Release the hardware handles; calling it twice is harmless."""
        ...
