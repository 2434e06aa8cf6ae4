"""The labelled fallback: CPU and RAM power modelled from what the process tree uses.

Never called measured: every device it returns carries the method ``modelled``.

- CPU: ``P = TDP × f(u)`` with ``u`` the CPU utilisation of the measured process tree (CPU
  seconds of the process and its descendants over wall seconds × logical CPUs) and ``f`` the load
  curve of Boavizta's consumption profile, linear between its anchors
  ``f(0) = 0.12, f(0.1) = 0.32, f(0.5) = 0.75, f(1) = 1.02`` (boaviztapi
  ``model/consumption_profile/consumption_profile.py``; see ``reference/existing-tools.md`` §4.11:
  curves disagree by 3× at mid load, CodeCarbon's cubic gives 21 % of TDP at 50 %). Like a RAPL
  package counter it includes the socket's idle floor, as on a node dedicated to the run.
- RAM: ``P = W/GB × resident GB`` of the process tree, 0.3725 W/GB (Green Algorithms,
  Lannelongue et al. 2021, from Micron DDR4 figures). Only used where RAPL gives no DRAM zone.
- TDP: a given wattage (``cpu_tdp_w``); the default is CodeCarbon's constant for an unknown CPU.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable

from energybill.measure.backends.base import MODELLED, BackendUnavailable, Device
from energybill.units import BYTES_PER_GB

DEFAULT_CPU_TDP_W = 85.0  # CodeCarbon POWER_CONSTANT for an unknown CPU (codecarbon/external/hardware.py)
RAM_W_PER_GB = 0.3725  # Green Algorithms (Lannelongue, Grealey & Inouye 2021, Adv. Sci.)
LOAD_CURVE = ((0.0, 0.12), (0.1, 0.32), (0.5, 0.75), (1.0, 1.02))  # Boavizta consumption profile
CURVE_SOURCE = "Boavizta consumption profile (0→12 %, 10→32 %, 50→75 %, 100→102 % of TDP)"


def load_fraction(utilisation: float) -> float:
    """Fraction of TDP drawn at a CPU utilisation in [0, 1]: piecewise linear through LOAD_CURVE."""
    u = min(max(utilisation, 0.0), 1.0)
    for (u0, f0), (u1, f1) in itertools.pairwise(LOAD_CURVE):
        if u <= u1:
            return f0 + (f1 - f0) * (u - u0) / (u1 - u0)
    return LOAD_CURVE[-1][1]


class ProcessTree:
    """CPU seconds and resident bytes of a process and all its descendants (psutil)."""

    def __init__(self, pid: int | None = None) -> None:
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(pid or os.getpid())
        self._cpu_by_pid: dict[tuple[int, float], float] = {}
        self._total_s = 0.0

    def _members(self) -> list[object]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except self._psutil.Error:
            return []

    def snapshot(self) -> tuple[float, float]:
        """(CPU seconds so far, resident bytes now), from one scan of the process table."""
        members = self._members()
        return self.cpu_seconds(members), self.rss_bytes(members)

    def cpu_seconds(self, members: list[object] | None = None) -> float:
        """CPU seconds used so far; a child keeps its last seen time after it exits, never less."""
        for proc in self._members() if members is None else members:
            try:
                times = proc.cpu_times()  # type: ignore[attr-defined]
                key = (proc.pid, proc.create_time())  # type: ignore[attr-defined]
            except self._psutil.Error:
                continue
            self._cpu_by_pid[key] = times.user + times.system
        seen = sum(self._cpu_by_pid.values())
        try:  # children already waited for: the kernel's sum covers their whole life
            own = self.root.cpu_times()
            reaped = own.children_user + own.children_system
        except self._psutil.Error:
            reaped = 0.0
        own_s = self._cpu_by_pid.get((self.root.pid, self.root.create_time()), 0.0)
        self._total_s = max(self._total_s, seen, own_s + reaped)
        return self._total_s

    def rss_bytes(self, members: list[object] | None = None) -> float:
        total = 0.0
        for proc in self._members() if members is None else members:
            try:
                total += proc.memory_info().rss  # type: ignore[attr-defined]
            except self._psutil.Error:
                continue
        return total


class ModelBackend:
    """Modelled CPU and/or RAM energy of a process tree, advanced at every sample."""

    name = "model"
    max_interval_s: float | None = None

    def __init__(
        self,
        cpu_tdp_w: float | None = None,
        components: tuple[str, ...] = ("cpu", "ram"),
        ram_w_per_gb: float = RAM_W_PER_GB,
        tree: Callable[[], ProcessTree] | ProcessTree | None = None,
        logical_cpus: int | None = None,
    ) -> None:
        self.cpu_tdp_w = DEFAULT_CPU_TDP_W if cpu_tdp_w is None else cpu_tdp_w
        self.tdp_given = cpu_tdp_w is not None
        self.components = components
        self.ram_w_per_gb = ram_w_per_gb
        self._tree_arg = tree
        self.logical_cpus = logical_cpus or os.cpu_count() or 1
        self._last: tuple[float, float] | None = None
        self.energy_j = {"model:cpu": 0.0, "model:ram": 0.0}

    def start(self, now_s: float) -> list[Device]:
        try:
            arg = self._tree_arg or ProcessTree
            self.tree = arg() if callable(arg) else arg
        except ImportError:
            raise BackendUnavailable("the CPU model needs psutil: pip install psutil") from None
        self._last = (now_s, self.tree.snapshot()[0])
        tdp = f"TDP {self.cpu_tdp_w:g} W" + ("" if self.tdp_given else " (default; set --cpu-tdp-w)")
        devices = []
        if "cpu" in self.components:
            source = f"model: process-tree CPU utilisation × {tdp}, {CURVE_SOURCE}"
            devices.append(Device("model:cpu", "cpu", MODELLED, "CPU (modelled)", source))
        if "ram" in self.components:
            source = f"model: process-tree resident GB × {self.ram_w_per_gb} W/GB (Green Algorithms)"
            devices.append(Device("model:ram", "ram", MODELLED, "RAM (modelled)", source))
        return devices

    def sample(self, now_s: float) -> None:
        assert self._last is not None
        t0, cpu0 = self._last
        elapsed_s = now_s - t0
        if elapsed_s <= 0:
            return
        cpu_s, rss_bytes = self.tree.snapshot()
        utilisation = (cpu_s - cpu0) / (elapsed_s * self.logical_cpus)
        self.energy_j["model:cpu"] += self.cpu_tdp_w * load_fraction(utilisation) * elapsed_s
        self.energy_j["model:ram"] += self.ram_w_per_gb * rss_bytes / BYTES_PER_GB * elapsed_s
        self._last = (now_s, cpu_s)

    def read(self, now_s: float) -> dict[str, float]:
        self.sample(now_s)
        return {f"model:{c}": self.energy_j[f"model:{c}"] for c in self.components}

    def close(self) -> None:
        pass
