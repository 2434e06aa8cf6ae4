"""The Bill: line items, phases, totals and shares, and its JSON shape (DESIGN.md).

An item's ``energy_kwh`` and ``co2e_kg`` are ``None`` when it is not billed (a prospective
inference estimate with no volume): it shows its economics but adds nothing to the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from energybill.core.provenance import Source, joined


@dataclass(frozen=True)
class Provenance:
    """Where one number comes from: the formula, its inputs and the sources of formula and inputs."""

    quantity: str  # the number's key: "energy_kwh", "co2e_kg" or "details.<key>"
    formula: str
    inputs: dict[str, float | str]
    sources: tuple[Source, ...]

    @property
    def source(self) -> str:
        """The sources as one readable text (the JSON's ``"source"``, the reports' source column)."""
        return joined(self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "formula": self.formula,
            "inputs": dict(self.inputs),
            "source": self.source,
            "sources": [s.to_dict() for s in self.sources],
        }


_UNBOUNDED = (float("inf"),)


@dataclass(frozen=True)
class ItemBill:
    """One line of the bill."""

    kind: str
    name: str
    phase: str
    site: str | None
    energy_kwh: float | None
    co2e_kg: float | None
    details: dict[str, float | str] = field(default_factory=dict)
    provenance: tuple[Provenance, ...] = ()

    @property
    def billed(self) -> bool:
        """Whether this item counts in the totals."""
        return self.energy_kwh is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "phase": self.phase,
            "site": self.site,
            "energy_kwh": self.energy_kwh,
            "co2e_kg": self.co2e_kg,
            # an unbounded ratio (tokens per kg CO2e on a zero-carbon grid) is null: JSON has no inf
            "details": {k: None if v in _UNBOUNDED else v for k, v in self.details.items()},
            "provenance": [p.to_dict() for p in self.provenance],
        }


@dataclass(frozen=True)
class Totals:
    """Energy and carbon of a phase or of the whole project."""

    energy_kwh: float
    co2e_kg: float


@dataclass(frozen=True)
class PhaseTotal:
    """A phase's totals and its shares of the project's totals (0 when the total is 0)."""

    energy_kwh: float
    co2e_kg: float
    energy_share: float
    co2e_share: float

    def to_dict(self) -> dict[str, float]:
        return {
            "energy_kwh": self.energy_kwh,
            "co2e_kg": self.co2e_kg,
            "energy_share": self.energy_share,
            "co2e_share": self.co2e_share,
        }


@dataclass(frozen=True)
class Bill:
    """The whole bill of a project."""

    project: str
    items: tuple[ItemBill, ...]
    phases: dict[str, PhaseTotal]
    totals: Totals

    @classmethod
    def from_items(cls, project: str, items: list[ItemBill]) -> Bill:
        """Sum billed items into phases (in order of first appearance) and totals."""
        billed = [item for item in items if item.billed]
        total = Totals(
            energy_kwh=sum(item.energy_kwh or 0.0 for item in billed),
            co2e_kg=sum(item.co2e_kg or 0.0 for item in billed),
        )
        sums: dict[str, list[float]] = {}
        for item in billed:
            energy, co2e = sums.setdefault(item.phase, [0.0, 0.0])
            sums[item.phase] = [energy + (item.energy_kwh or 0.0), co2e + (item.co2e_kg or 0.0)]
        phases = {
            phase: PhaseTotal(
                energy_kwh=energy,
                co2e_kg=co2e,
                energy_share=_share(energy, total.energy_kwh),
                co2e_share=_share(co2e, total.co2e_kg),
            )
            for phase, (energy, co2e) in sums.items()
        }
        return cls(project=project, items=tuple(items), phases=phases, totals=total)

    def item(self, name: str) -> ItemBill:
        """The line item called ``name`` (the first of that name)."""
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, ItemBill]:
        """Items by name, built on first use (a look-up per item stays linear in the bill's size)."""
        index: dict[str, ItemBill] = {}
        for item in self.items:
            index.setdefault(item.name, item)
        return index

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of DESIGN.md: project, items, phases, totals."""
        return {
            "project": self.project,
            "items": [item.to_dict() for item in self.items],
            "phases": {name: phase.to_dict() for name, phase in self.phases.items()},
            "totals": {"energy_kwh": self.totals.energy_kwh, "co2e_kg": self.totals.co2e_kg},
        }


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0
