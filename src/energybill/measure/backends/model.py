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
from typing import TYPE_CHECKING

from energybill.core.records import MODELLED, Device
from energybill.core.units import BYTES_PER_GB
from energybill.measure.backends.base import BackendUnavailable

if TYPE_CHECKING:
    import psutil  # imported at run time only by ProcessTree

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
    """CPU seconds and resident bytes of a process and all its descendants (psutil).

    Finding descendants means reading every ``/proc`` entry; a sampler thread doing that I/O every
    interval contends for the GIL with the Python work it measures (``bench/meter_overhead.py``).
    So the process table is scanned at every sample only while the tree has descendants, and
    otherwise every ``rescan_every`` samples. CPU times are cumulative, so a child found late
    loses none of its CPU time: it is billed to later intervals (see ``ModelBackend``).
    """

    def __init__(self, pid: int | None = None, rescan_every: int = 5) -> None:
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(pid or os.getpid())
        self._is_self = self.root.pid == os.getpid()
        self.rescan_every = rescan_every
        self._samples = 0
        self._children: dict[int, psutil.Process] = {}
        self._cpu_by_child: dict[tuple[int, float], float] = {}
        self._total_s = 0.0

    def watch_children(self) -> None:
        """A child was just started: look for descendants at the next snapshot, and at every one
        while there are any (not only every ``rescan_every`` samples)."""
        self._samples = 0

    def _rescan(self) -> None:
        if self._children or self._samples % self.rescan_every == 0:
            try:
                self._children = {p.pid: p for p in self.root.children(recursive=True)}
            except self._psutil.Error:
                self._children = {}
        self._samples += 1

    def _root_times(self) -> tuple[float, float]:
        """(the root's own CPU seconds, CPU seconds of the children it has waited for)."""
        if self._is_self:  # no /proc read at all
            t = os.times()
            return t.user + t.system, t.children_user + t.children_system
        c = self.root.cpu_times()
        return c.user + c.system, c.children_user + c.children_system

    def snapshot(self) -> tuple[float, float]:
        """(CPU seconds so far, resident bytes now); the CPU total never goes down."""
        self._rescan()
        own_s, reaped_s = self._root_times()
        rss_bytes = float(self.root.memory_info().rss)
        for pid, proc in list(self._children.items()):
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss_bytes += proc.memory_info().rss
                    key = (pid, proc.create_time())
            except self._psutil.Error:
                del self._children[pid]  # ended: its last seen time stays in _cpu_by_child
                continue
            self._cpu_by_child[key] = times.user + times.system
        # children seen alive (kept after they end) or, once waited for, the kernel's sum of them
        children_s = max(sum(self._cpu_by_child.values()), reaped_s)
        self._total_s = max(self._total_s, own_s + children_s)
        return self._total_s, rss_bytes


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
        self._carry_s = 0.0
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
        capacity_s = elapsed_s * self.logical_cpus
        busy_s = cpu_s - cpu0 + self._carry_s
        # CPU time above the interval's capacity (a child found late) is billed to later intervals
        self._carry_s = max(0.0, busy_s - capacity_s)
        utilisation = min(busy_s, capacity_s) / capacity_s
        self.energy_j["model:cpu"] += self.cpu_tdp_w * load_fraction(utilisation) * elapsed_s
        self.energy_j["model:ram"] += self.ram_w_per_gb * rss_bytes / BYTES_PER_GB * elapsed_s
        self._last = (now_s, cpu_s)

    def watch_children(self) -> None:
        """A child was just started (``Meter.child_started``): the tree looks for it at once."""
        watch = getattr(getattr(self, "tree", None), "watch_children", None)
        if callable(watch):
            watch()

    def read(self, now_s: float) -> dict[str, float]:
        self.sample(now_s)
        return {f"model:{c}": self.energy_j[f"model:{c}"] for c in self.components}

    def close(self) -> None:
        pass
