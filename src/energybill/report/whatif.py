"""What-if sections of the terminal bill: Monte Carlo intervals and recommendations, from the
report model (``ReportData.ranges.intervals`` and ``ReportData.recommendations``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from energybill.report.data import PhaseRow
from energybill.report.numbers import amount
from energybill.whatif.recommend import Recommendation
from energybill.whatif.uncertainty import Intervals


def interval_rows(phases: Sequence[PhaseRow], intervals: Intervals) -> list[tuple[str, ...]]:
    """(label, energy p5, p50, p95, CO2e p5, p50, p95): phases with their items, then the total."""
    rows = []
    for phase in phases:
        rows.append((phase.name, *_cells(intervals.phases.get(phase.name, {}))))
        for item in phase.items:
            rows.append((f"  {item.name}", *_cells(intervals.items.get(item.name, {}))))
    rows.append(("Total", *_cells(intervals.totals)))
    return rows


def _cells(cell: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for quantity in ("energy_kwh", "co2e_kg"):
        c = cell.get(quantity)
        out += [amount(c[p], 0) if c else "" for p in ("p5", "p50", "p95")]
    return tuple(out)


_COLUMNS = ("Phase / item", "kWh p5", "kWh p50", "kWh p95", "kg CO2e p5", "kg CO2e p50", "kg CO2e p95")


def economics_lines(intervals: Intervals) -> list[str]:
    """p5 / p50 / p95 of each inference item's J/token and days to equal training."""
    lines = []
    labels = (
        ("details.joules_per_token", "J/token", 2),
        ("details.days_to_match_training", "days to equal training", 2),
    )
    for name, cells in intervals.items.items():
        parts = [
            f"{label} {amount(c['p5'], digits)} / {amount(c['p50'], digits)} / {amount(c['p95'], digits)}"
            for key, label, digits in labels
            if (c := cells.get(key)) is not None
        ]
        if parts:
            lines.append(f"{name}: " + "; ".join(parts))
    return lines


def _title(intervals: Intervals) -> str:
    seed = f", seed {intervals.seed}" if intervals.seed is not None else ""
    ranged = len(intervals.inputs)
    return f"Uncertainty — {intervals.samples:,} samples{seed}, {ranged} ranged inputs (p5 / p50 / p95)"


def print_intervals(phases: Sequence[PhaseRow], intervals: Intervals, console: Any) -> None:
    from rich.table import Table

    from energybill.report.escape.terminal import markup as escape

    table = Table(title=_title(intervals), title_justify="left")
    for column in _COLUMNS:
        table.add_column(column, justify="left" if column == "Phase / item" else "right")
    for label, *cells in interval_rows(phases, intervals):
        table.add_row(escape(label), *cells)
    console.print(table)
    for line in economics_lines(intervals):
        console.print(f"  {escape(line)}")
    for dist in intervals.inputs:
        params = ", ".join(f"{k} {v:g}" for k, v in dist.params.items())
        console.print(
            f"  • {escape(dist.path)}: {dist.shape} ({params}); point = {dist.point_rule} {dist.point:g}"
        )


def _saved(rec: Recommendation) -> str:
    per = " per day of serving" if rec.basis != "project" else ""
    return f"{amount(rec.energy_kwh_saved, 0)} kWh, {amount(rec.co2e_kg_saved, 0)} kg CO2e{per}"


def print_recommendations(advice: Sequence[Recommendation], console: Any) -> None:
    from rich.table import Table

    from energybill.report.escape.terminal import markup as escape

    if not advice:
        return
    table = Table(
        title="Recommendations — the talk's best practices for this project, largest saving first",
        caption="Each saving is against the current bill; they do not add up.",
        title_justify="left",
    )
    table.add_column("Practice", style="bold", no_wrap=True)
    table.add_column("Saves", no_wrap=True)
    table.add_column("What to do")
    for rec in advice:
        saved = escape(_saved(rec)).replace(", ", "\n").replace(" per day", "\nper day")
        table.add_row(escape(rec.practice), saved, escape(rec.action))
    console.print(table)
