"""The report's optional what-if sections: scenario columns and Monte Carlo intervals (computed by
the pipeline) turned into the rows ``ReportData`` holds; its recommendations are the pipeline's own
``whatif.recommend.Recommendation``."""

from __future__ import annotations

from collections.abc import Iterable

from energybill.core.bill import Bill
from energybill.report.data import RangeRow, Ranges, ScenarioRow
from energybill.whatif.compare import Column
from energybill.whatif.uncertainty import Intervals


def scenario_rows(columns: Iterable[Column]) -> tuple[ScenarioRow, ...]:
    """One row per column: baseline first, then the scenarios."""
    return tuple(
        ScenarioRow(c.name, c.description, c.bill.totals.energy_kwh, c.bill.totals.co2e_kg) for c in columns
    )


def ranges(point: Bill, intervals: Intervals) -> Ranges:
    """p5/p50/p95 of every phase and the total (``intervals`` kept for the item-by-item views)."""
    rows = [
        RangeRow(phase, quantity, getattr(total, quantity), **intervals.phases[phase][quantity])
        for phase, total in point.phases.items()
        for quantity in ("energy_kwh", "co2e_kg")
        if quantity in intervals.phases.get(phase, {})
    ]
    rows += [
        RangeRow("total", quantity, getattr(point.totals, quantity), **intervals.totals[quantity])
        for quantity in ("energy_kwh", "co2e_kg")
    ]
    inputs = len(intervals.inputs)
    seed = "unseeded" if intervals.seed is None else f"seed {intervals.seed}"
    method = f"Monte Carlo over {inputs} ranged inputs of the project file, {seed}"
    return Ranges(intervals.samples, method, tuple(rows), intervals)
