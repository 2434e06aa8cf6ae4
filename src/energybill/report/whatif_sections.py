"""The report's optional what-if sections, from the what-if engine: scenario totals, Monte Carlo
ranges and recommendations, turned into the rows ``ReportData`` holds (renderers only format them)."""

from __future__ import annotations

from typing import Any

from energybill.core.bill import Bill
from energybill.report.data import RangeRow, Ranges, Recommendation, ScenarioRow

# Ranges in a project file are shown as p5–p95 whiskers from this many draws unless told otherwise:
# enough for percentiles stable to about 1 % and well inside the report's 1 s budget.
DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 0


def scenario_rows(raw: dict[str, Any], file: str, names: tuple[str, ...]) -> tuple[ScenarioRow, ...]:
    """Baseline first, then the named scenarios (every scenario of the file when none is named)."""
    if not names and not raw.get("scenarios"):
        return ()
    from energybill.whatif.compare import columns

    return tuple(
        ScenarioRow(c.name, c.description, c.bill.totals.energy_kwh, c.bill.totals.co2e_kg)
        for c in columns(raw, file, list(names))
    )


def ranges(raw: dict[str, Any], file: str, samples: int, seed: int) -> Ranges | None:
    """p5/p50/p95 of every phase and the total, when the file gives ranges and ``samples`` > 0."""
    from energybill.project.ranges import split_ranges

    if samples <= 0 or not split_ranges(raw)[1]:
        return None
    from energybill.whatif.uncertainty import sample

    point, intervals = sample(raw, file, samples, seed)
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
    method = f"Monte Carlo over {len(intervals.inputs)} ranged inputs of the project file, seed {seed}"
    return Ranges(samples, method, tuple(rows))


def recommendation_rows(raw: dict[str, Any], file: str, bill: Bill) -> tuple[Recommendation, ...]:
    """The bill's quantified best practices (what to do, and what it saves)."""
    from energybill.whatif.recommend import recommendations

    return tuple(
        Recommendation(
            title=r.practice,
            detail=r.action if r.basis == "project" else f"{r.action} (saving per {r.basis})",
            saving_energy_kwh=r.energy_kwh_saved,
            saving_co2e_kg=r.co2e_kg_saved,
        )
        for r in recommendations(raw, file, bill)
    )
