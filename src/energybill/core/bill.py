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
    # The disclosure beside kWh and location-based CO2e (estimate/disclosure.py); None: not counted.
    water_l: float | None = None
    co2e_market_kg: float | None = None
    cost: float | None = None  # in ``currency``
    currency: str | None = None
    boundary: str | None = None  # "accelerator", "node", "facility", "comprehensive", "network", ...

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
            "water_l": self.water_l,
            "co2e_market_kg": self.co2e_market_kg,
            "cost": self.cost,
            "currency": self.currency,
            "boundary": self.boundary,
            # an unbounded ratio (tokens per kg CO2e on a zero-carbon grid) is null: JSON has no inf
            "details": {k: None if v in _UNBOUNDED else v for k, v in self.details.items()},
            "provenance": [p.to_dict() for p in self.provenance],
        }


@dataclass(frozen=True)
class Totals:
    """Energy and carbon of a phase or of the whole project (water, market-based CO2e and cost sum
    the items that count them; ``currency`` is the bill's one currency, None when nothing is priced)."""

    energy_kwh: float
    co2e_kg: float
    water_l: float = 0.0
    co2e_market_kg: float = 0.0
    cost: float = 0.0
    currency: str | None = None


@dataclass(frozen=True)
class PhaseTotal:
    """A phase's totals and its shares of the project's totals (0 when the total is 0)."""

    energy_kwh: float
    co2e_kg: float
    energy_share: float
    co2e_share: float
    water_l: float = 0.0
    co2e_market_kg: float = 0.0
    cost: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "energy_kwh": self.energy_kwh,
            "co2e_kg": self.co2e_kg,
            "energy_share": self.energy_share,
            "co2e_share": self.co2e_share,
            "water_l": self.water_l,
            "co2e_market_kg": self.co2e_market_kg,
            "cost": self.cost,
        }


@dataclass(frozen=True)
class DevelopmentShare:
    """The energy of development against the final training, from measured runs, as AI2 reports it.

    Development is every run tagged ``experiment`` or ``sweep`` and every failed or interrupted
    run; the final training is every other completed run billed to a ``training``-phase item.
    ``share`` = development / (development + final training): AI2 found about half for OLMo 2
    (2025) and 82 % for Olmo 3 (2026). IT energy of the runs (before PUE); None without a final
    training run to set it against.
    """

    development_kwh: float
    final_training_kwh: float
    share: float | None
    runs: dict[str, tuple[str, ...]]  # run ids by class: experiment, sweep, failed, final training
    energy_kwh: dict[str, float]  # IT energy by class
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        return {
            "development_kwh": self.development_kwh,
            "final_training_kwh": self.final_training_kwh,
            "share": self.share,
            "energy_kwh": dict(self.energy_kwh),
            "runs": {k: list(v) for k, v in self.runs.items()},
            "provenance": self.provenance.to_dict(),
        }


@dataclass(frozen=True)
class Bill:
    """The whole bill of a project."""

    project: str
    items: tuple[ItemBill, ...]
    phases: dict[str, PhaseTotal]
    totals: Totals
    development: DevelopmentShare | None = None  # from measured runs with lineage (reconcile)

    @classmethod
    def from_items(cls, project: str, items: list[ItemBill]) -> Bill:
        """Sum billed items into phases (in order of first appearance) and totals."""
        billed = [item for item in items if item.billed]
        sums: dict[str, list[float]] = {}
        for item in billed:
            amounts = _amounts(item)
            row = sums.setdefault(item.phase, [0.0] * len(amounts))
            sums[item.phase] = [before + value for before, value in zip(row, amounts, strict=True)]
        # totals summed item by item in bill order (the order the figures have always been added in)
        columns = zip(*(_amounts(item) for item in billed), strict=True)
        whole = [sum(column) for column in columns] or [0.0] * 5
        currency = next((item.currency for item in billed if item.currency is not None), None)
        energy, co2e, water, market, cost = whole
        total = Totals(energy, co2e, water_l=water, co2e_market_kg=market, cost=cost, currency=currency)
        phases = {
            phase: PhaseTotal(
                energy_kwh=energy,
                co2e_kg=co2e,
                energy_share=_share(energy, total.energy_kwh),
                co2e_share=_share(co2e, total.co2e_kg),
                water_l=water,
                co2e_market_kg=market,
                cost=cost,
            )
            for phase, (energy, co2e, water, market, cost) in sums.items()
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
        """The JSON object of DESIGN.md: project, items, phases, totals (and the development share
        where measured runs give one)."""
        out = {
            "project": self.project,
            "items": [item.to_dict() for item in self.items],
            "phases": {name: phase.to_dict() for name, phase in self.phases.items()},
            "totals": {
                "energy_kwh": self.totals.energy_kwh,
                "co2e_kg": self.totals.co2e_kg,
                "water_l": self.totals.water_l,
                "co2e_market_kg": self.totals.co2e_market_kg,
                "cost": self.totals.cost,
                "currency": self.totals.currency,
            },
        }
        if self.development is not None:
            out["development"] = self.development.to_dict()
        return out


def _amounts(item: ItemBill) -> tuple[float, float, float, float, float]:
    """An item's energy, CO2e, water, market-based CO2e and cost (0 where not counted)."""
    market = item.co2e_market_kg if item.co2e_market_kg is not None else item.co2e_kg
    return (_zero(item.energy_kwh), _zero(item.co2e_kg), _zero(item.water_l), _zero(market), _zero(item.cost))


def _zero(value: float | None) -> float:
    return 0.0 if value is None else value


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0
