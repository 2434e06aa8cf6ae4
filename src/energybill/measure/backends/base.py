"""The interface every energy backend implements: cumulative joules per device, with the method.

A backend owns one or more devices (a GPU, a RAPL package, a DRAM zone, a modelled CPU). The meter
asks it for each device's energy in joules since the backend started (``read``), at window edges
and once per sampler interval. Counter backends read hardware; integrating and modelling backends
advance their running sums on ``sample``. A backend that cannot measure raises
``BackendUnavailable`` with the reason, so that the next backend in the ladder is tried and the
reason is shown: no device means no reading, never a zero.
"""

from __future__ import annotations

from typing import Protocol

from energybill.core.records import Device


class BackendUnavailable(Exception):
    """This backend cannot measure here; ``str(exc)`` says why and what would make it work."""


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
