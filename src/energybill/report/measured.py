"""The estimated-vs-measured rows of a bill (items with measured runs attached)."""

from __future__ import annotations

from dataclasses import dataclass

from energybill.core.bill import Bill, ItemBill
from energybill.report.numbers import amount
from energybill.report.rows import LONG_TABLE


@dataclass(frozen=True)
class MeasuredRow:
    name: str
    estimated_kwh: str
    measured_kwh: str
    difference: str
    runs: str
    methods: str


def measured_rows(bill: Bill) -> list[MeasuredRow]:
    """One row per item with measurements: estimate, measurement, difference, runs, methods."""
    rows = []
    for item in bill.items:
        d = item.details
        if "measured_energy_kwh" not in d:
            continue
        estimated = None if item.kind == "measured" else item.energy_kwh
        diff = d.get("measured_minus_estimated_kwh")
        ratio = d.get("measured_vs_estimated")
        difference = "only measured" if estimated is None else _kwh(float(diff) if diff is not None else None)
        if ratio is not None:
            difference += f" ({float(ratio) * 100:+.1f} %)"
        rows.append(MeasuredRow(item.name, _kwh(estimated), _kwh(float(d["measured_energy_kwh"])),
                                difference, str(d["measured_runs"]), str(d["measured_methods"])))
    return rows


def measured_table(bill: Bill) -> object | None:
    """A rich table of ``measured_rows``, or None when nothing was measured."""
    rows = measured_rows(bill)
    if not rows:
        return None
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Estimated and measured (kWh, PUE included)", title_justify="left")
    for column in ("Item", "Estimated", "Measured", "Difference", "Runs", "Methods"):
        numeric = column in {"Estimated", "Measured", "Difference"}
        table.add_column(column, justify="right" if numeric else "left")
    for r in rows[:LONG_TABLE]:
        table.add_row(escape(r.name), r.estimated_kwh, r.measured_kwh, r.difference, r.runs, r.methods)
    if len(rows) > LONG_TABLE:
        table.add_row(f"[dim]{len(rows) - LONG_TABLE:,} more items (see --format json)[/dim]")
    return table


def _kwh(value: float | None) -> str:
    """kWh with 4 significant digits below 1 kWh (measured test runs are small), else 1 decimal."""
    if value is None or abs(value) >= 1:
        return amount(value, 1)
    return f"{value:.4g}"


def report_rows(bill: Bill) -> tuple[object, ...]:
    """The measured rows of ``energybill report`` (``report.data.MeasuredRow``)."""
    from energybill.report.data import MeasuredRow as ReportRow

    return tuple(
        ReportRow(
            name=item.name,
            estimated_energy_kwh=0.0 if item.kind == "measured" else (item.energy_kwh or 0.0),
            measured_energy_kwh=float(item.details["measured_energy_kwh"]),
            method=str(item.details["measured_methods"]),
            runs=len(_run_ids(item)),
        )
        for item in bill.items
        if "measured_energy_kwh" in item.details
    )


def _run_ids(item: ItemBill) -> tuple[str, ...]:
    """The ids of the runs measured for ``item``, from its provenance's measured sources."""
    ids = (run for record in item.provenance for source in record.sources if source.kind == "measured"
           for run in source.run_ids)
    return tuple(dict.fromkeys(ids))
