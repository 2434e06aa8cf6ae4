"""The terminal's estimated-vs-measured table, from the report's ``MeasuredRow`` (items with
measured runs attached)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from energybill.core.bill import DevelopmentShare
from energybill.report.data import MeasuredRow
from energybill.report.numbers import SIGNIFICANT, amount, share, signed
from energybill.report.rows import LONG_TABLE

if TYPE_CHECKING:
    from rich.table import Table


def measured_table(rows: Sequence[MeasuredRow]) -> Table | None:
    """A rich table of ``rows``: estimate, measurement, difference, runs, methods; None when empty."""
    if not rows:
        return None
    from rich.table import Table

    from energybill.report.escape.terminal import markup as escape

    table = Table(title="Estimated and measured (kWh, PUE included)", title_justify="left")
    for column in ("Item", "Estimated", "Measured", "Difference", "Runs", "Methods"):
        numeric = column in {"Estimated", "Measured", "Difference"}
        table.add_column(column, justify="right" if numeric else "left")
    for r in rows[:LONG_TABLE]:
        table.add_row(
            escape(r.name),
            _kwh(r.estimated_energy_kwh if r.has_estimate else None),
            _kwh(r.measured_energy_kwh),
            _difference(r),
            escape(r.run_ids),
            escape(r.method),
        )
    if len(rows) > LONG_TABLE:
        table.add_row(f"[dim]{len(rows) - LONG_TABLE:,} more items (see --format json)[/dim]")
    return table


def _difference(row: MeasuredRow) -> str:
    """``+12.5 (+4.2 %)``; "only measured" without an estimate."""
    text = "only measured" if row.difference_kwh is None else _kwh(row.difference_kwh)
    if row.change is not None:
        text += f" ({signed(row.change * 100)} %)"
    return text


def _kwh(value: float | None) -> str:
    """kWh with 1 decimal, and 4 significant digits below 1 kWh (measured test runs are small)."""
    return amount(value, 1, 4 if value is not None and abs(value) < 1 else SIGNIFICANT)


CLASS_LABELS = (("experiment", "experiments"), ("sweep", "sweeps"), ("failed", "failed runs"),
                ("final training", "final training"))


def development_lines(development: DevelopmentShare | None) -> list[str]:
    """The development share in plain lines (the terminal and the Markdown print the same text)."""
    if development is None:
        return []
    if development.share is None:
        head = (f"Development: {_kwh(development.development_kwh)} kWh of measured runs; no final training "
                "run measured to set it against")
    else:
        head = (f"Development share: {share(development.share)} of development + final training "
                f"({_kwh(development.development_kwh)} of "
                f"{_kwh(development.development_kwh + development.final_training_kwh)} kWh, IT energy)")
    parts = []
    for key, label in CLASS_LABELS:
        ids = development.runs.get(key, ())
        if ids:
            plural = "s" if len(ids) != 1 else ""
            parts.append(f"{label}: {len(ids)} run{plural}, {_kwh(development.energy_kwh[key])} kWh")
    return [head, "; ".join(parts),
            "AI2 reports about half for OLMo 2 (2025) and 82 % for Olmo 3 (2026). Development: runs tagged "
            "experiment or sweep, and failed runs; final training: the other completed runs of training "
            "items."]
