"""The terminal's estimated-vs-measured table, from the report's ``MeasuredRow`` (items with
measured runs attached)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from energybill.report.data import MeasuredRow
from energybill.report.numbers import SIGNIFICANT, amount, signed
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
