"""Side-by-side bills of a project's scenarios: per phase and total, with deltas against a baseline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from energybill.core.bill import Bill
from energybill.estimate.engine import estimate
from energybill.project.overrides import Overrides, scenario_overrides
from energybill.project.variants import variant

QUANTITIES = ("energy_kwh", "co2e_kg")


@dataclass(frozen=True)
class Column:
    """One scenario's bill."""

    name: str
    description: str
    bill: Bill


def columns(raw: dict[str, Any], file: str, names: list[str], extra: Overrides | None = None) -> list[Column]:
    """The base bill, then one per scenario name (all of the file's when none), then ``extra``."""
    scenarios = raw.get("scenarios") or {}
    out = [Column("base", "the project file as written", estimate(variant(raw, file).project))]
    for name in names or list(scenarios):
        overrides = scenario_overrides(raw, name, file)
        description = str(scenarios[name].get("description") or "")
        out.append(Column(name, description, estimate(variant(raw, file, overrides).project)))
    if extra is not None and (extra.assignments or extra.relocate is not None):
        label = " + ".join(extra.labels)
        out.append(Column(label, "command-line overrides", estimate(variant(raw, file, extra).project)))
    return out


def _values(bill: Bill, phase: str | None) -> dict[str, float]:
    if phase is None:
        return {"energy_kwh": bill.totals.energy_kwh, "co2e_kg": bill.totals.co2e_kg}
    total = bill.phases.get(phase)
    return {"energy_kwh": total.energy_kwh if total else 0.0, "co2e_kg": total.co2e_kg if total else 0.0}


def table(cols: list[Column], baseline: str = "base") -> dict[str, Any]:
    """The comparison as data (the JSON of ``energybill compare --format json``)."""
    reference = next((c for c in cols if c.name == baseline), None)
    if reference is None:
        from energybill.core.errors import EnergybillError

        raise EnergybillError(
            f"--baseline {baseline}: not among the compared scenarios ({', '.join(c.name for c in cols)})"
        )
    phases: list[str] = []
    for column in cols:
        phases += [p for p in column.bill.phases if p not in phases]
    return {
        "project": reference.bill.project,
        "baseline": baseline,
        "scenarios": [{"name": c.name, "description": c.description} for c in cols],
        "phases": {phase: _row(cols, reference, phase) for phase in phases},
        "totals": _row(cols, reference, None),
    }


def _row(cols: list[Column], reference: Column, phase: str | None) -> dict[str, Any]:
    """Each column's values of one phase (None: the totals) and their change against the reference."""
    base = _values(reference.bill, phase)
    cells = {}
    for column in cols:
        value = _values(column.bill, phase)
        cell: dict[str, float | None] = dict(value)
        for q in QUANTITIES:
            delta = value[q] - base[q]
            cell[f"delta_{q}"] = delta
            cell[f"relative_{q}"] = delta / base[q] if base[q] else None
        cells[column.name] = cell
    return cells
