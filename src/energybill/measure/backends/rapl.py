"""CPU package and DRAM energy from Intel/AMD RAPL counters through Linux powercap.

Pitfalls handled (``reference/existing-tools.md`` §4, items 8–10):

- Overlap: ``psys`` ⊇ ``package`` ⊇ ``core``/``uncore``. We read ``package-N`` and its ``dram``
  sub-zone only; ``core``/``uncore`` are inside the package and ``psys`` contains the packages, so
  adding them would count the same joules two or three times (CodeCarbon PR #950). ``psys`` is used
  alone only where a machine exposes no package zone.
- Duplicates: a package exposed both as MSR (``intel-rapl:N``) and MMIO (``intel-rapl-mmio:N``)
  is read once (MSR); two zones with the same name (mirrored per-die counters, CodeCarbon #1274)
  are read once.
- Wraparound: ``energy_uj`` wraps at ``max_energy_range_uj``; a counter that went backwards wrapped
  once, so the delta is ``now - last + max_energy_range_uj`` — never zero, never the max alone.
  The meter samples at least every ``max_interval_s`` so that two wraps cannot fall in one interval
  (a 262 kJ range at 400 W wraps every ~11 min).
- Permission: since Linux 5.10 ``energy_uj`` is readable by root only (CVE-2020-8694); we say so
  and how to allow it, and the meter falls back to the labelled model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from energybill.core.records import COUNTER, Device
from energybill.measure.backends.base import BackendUnavailable

DEFAULT_ROOT = Path("/sys/class/powercap")
_ZONE = re.compile(r"^(intel-rapl(?:-mmio)?):(\d+)(?::(\d+))?$")
_UJ_PER_J = 1e6

PERMISSION_HELP = (
    "RAPL energy counters under {root} are readable by root only since Linux 5.10 "
    "(CVE-2020-8694, PLATYPUS). To measure CPU energy, run as root, or allow reads with "
    "`sudo chmod a+r {root}/intel-rapl:*/energy_uj {root}/intel-rapl:*/*/energy_uj` "
    "(a udev rule makes it permanent); falling back to the CPU utilisation model"
)


@dataclass(frozen=True)
class Zone:
    """One powercap zone folder: what it is and where its counter lives."""

    path: Path
    kind: str  # "intel-rapl" (MSR) or "intel-rapl-mmio"
    name: str  # "package-0", "dram", "core", "psys"
    parent: str | None  # name of the package for a sub-zone

    @property
    def component(self) -> str:
        return "dram" if self.name == "dram" else "cpu"

    @property
    def device_id(self) -> str:
        return f"rapl:{self.parent}/{self.name}" if self.parent else f"rapl:{self.name}"


def discover(root: Path) -> list[Zone]:
    """Every RAPL zone under ``root`` (flat sysfs links), sorted by folder name."""
    if not root.is_dir():
        return []
    found: dict[tuple[str, str, str], Path] = {}
    for path in sorted(root.iterdir()):
        match = _ZONE.match(path.name)
        if match and (path / "name").is_file():
            found[(match[1], match[2], match[3] or "")] = path
    zones = []
    for (kind, top, sub), path in found.items():
        parent = _name(found[(kind, top, "")]) if sub and (kind, top, "") in found else None
        zones.append(Zone(path=path, kind=kind, name=_name(path), parent=parent))
    return zones


def select(zones: list[Zone]) -> list[Zone]:
    """The zones to add up: packages and their DRAM, without overlaps or duplicates."""
    chosen: dict[str, Zone] = {}
    for zone in sorted(zones, key=lambda z: z.kind != "intel-rapl"):  # MSR first, MMIO only if alone
        counted = zone.name.startswith("package") or (zone.name == "dram" and zone.parent)
        if counted and zone.device_id not in chosen:
            chosen[zone.device_id] = zone
    if not chosen:  # no package zone: psys (the whole platform) is the best there is
        chosen = {z.device_id: z for z in zones if z.name == "psys" and z.parent is None}
    return sorted(chosen.values(), key=lambda z: z.device_id)


class RaplBackend:
    """Cumulative energy of each selected RAPL zone, wraparound-corrected."""

    name = "rapl"
    max_interval_s: float | None = 60.0

    def __init__(
        self, root: Path | str = DEFAULT_ROOT, read_text: Callable[[Path], str] | None = None
    ) -> None:
        self.root = Path(root)
        self._read_text = read_text or Path.read_text  # the sysfs seam: tests emulate root-only files
        self._zones: list[Zone] = []
        self._last_uj: dict[str, int] = {}
        self._range_uj: dict[str, int] = {}
        self._total_uj: dict[str, int] = {}

    def start(self, now_s: float) -> list[Device]:
        zones = select(discover(self.root))
        if not zones:
            raise BackendUnavailable(f"no RAPL package zone under {self.root} (not Linux on x86, or a VM)")
        for zone in zones:
            self._range_uj[zone.device_id] = self._read_int(zone.path / "max_energy_range_uj")
            self._last_uj[zone.device_id] = self._read_int(zone.path / "energy_uj")
            self._total_uj[zone.device_id] = 0
        self._zones = zones
        return [_device(zone, self.root) for zone in zones]

    def sample(self, now_s: float) -> None:
        for zone in self._zones:
            now_uj = self._read_int(zone.path / "energy_uj")
            delta = now_uj - self._last_uj[zone.device_id]
            if delta < 0:  # wrapped once since the last read
                delta += self._range_uj[zone.device_id]
            self._total_uj[zone.device_id] += delta
            self._last_uj[zone.device_id] = now_uj

    def read(self, now_s: float) -> dict[str, float]:
        self.sample(now_s)
        return {device: uj / _UJ_PER_J for device, uj in self._total_uj.items()}

    def close(self) -> None:
        self._zones = []

    def _read_int(self, path: Path) -> int:
        try:
            return int(self._read_text(path).strip())
        except PermissionError:
            raise BackendUnavailable(PERMISSION_HELP.format(root=self.root)) from None
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"cannot read {path}: {exc}") from None


def _device(zone: Zone, root: Path) -> Device:
    label = f"{zone.parent}/{zone.name}" if zone.parent else zone.name
    return Device(
        device_id=zone.device_id,
        component=zone.component,
        method=COUNTER,
        label=label,
        source=f"RAPL energy counter {zone.path.relative_to(root)}/energy_uj (Linux powercap)",
    )


def _name(path: Path) -> str:
    return (path / "name").read_text().strip()


