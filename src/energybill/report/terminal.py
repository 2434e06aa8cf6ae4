"""The terminal bill: a rich table grouped by phase, the inference economics, the defaults used.

A bill of more than ``LONG_TABLE`` items shows the ``TOP_PER_PHASE`` largest items (CO2e) of each
phase and how many more there are; more than one inference item share one economics table, one
row per item (its ``LONG_TABLE`` largest). ``--format json`` has every item.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from energybill.core.bill import Bill, ItemBill
from energybill.core.units import kg_to_tonnes, kwh_to_mwh
from energybill.report.assumptions import catalog_values
from energybill.report.measured import measured_table
from energybill.report.numbers import amount, large, share
from energybill.report.rows import LONG_TABLE, defaults_used, economics, phase_groups

TOP_PER_PHASE = 10  # items of each phase a long bill shows


def render(bill: Bill, console: Console) -> None:
    """Print the bill."""
    console.print(_bill_table(bill))
    totals = bill.totals
    console.print(
        f"[bold]Total[/bold]: {amount(kwh_to_mwh(totals.energy_kwh), 2)} MWh and "
        f"{amount(kg_to_tonnes(totals.co2e_kg), 2)} t CO2e"
    )
    measured = measured_table(bill)
    if measured is not None:
        console.print(measured)
    serving = [item for item in bill.items if item.kind == "inference"]
    if len(serving) == 1:
        console.print(_economics_table(serving[0].name, economics(serving[0])))
    elif serving:
        console.print(_economics_rows(serving))
    defaults = defaults_used(bill)
    if defaults:
        console.print("[bold]Defaults used[/bold] (set them in the project file to change them):")
        for line in defaults:
            console.print(f"  • {escape(line)}")
    values = catalog_values(bill)
    if values:
        console.print("[bold]Catalog values used[/bold] (licences: energybill catalog sources):")
        for line in values:
            console.print(f"  • {escape(line)}")
    console.print("[dim]Formula, inputs and source of every number: --format json (provenance).[/dim]")


def _bill_table(bill: Bill) -> Table:
    table = Table(title=f"{escape(bill.project)} — energy bill and carbon footprint", title_justify="left")
    table.add_column("Phase / item")
    table.add_column("Site")
    table.add_column("Energy (kWh)", justify="right")
    table.add_column("Share", justify="right")
    table.add_column("CO2e (kg)", justify="right")
    table.add_column("Share", justify="right")
    long = sum(1 for item in bill.items if item.billed) > LONG_TABLE
    for group in phase_groups(bill):
        phase = group.total
        table.add_row(
            f"[bold]{escape(group.name)}[/bold]",
            "",
            f"[bold]{amount(phase.energy_kwh)}[/bold]",
            share(phase.energy_share),
            f"[bold]{amount(phase.co2e_kg)}[/bold]",
            share(phase.co2e_share),
        )
        shown = _largest(group.items, TOP_PER_PHASE) if long else group.items
        for item in shown:
            table.add_row(
                f"  {escape(item.name)}",
                escape(item.site or ""),
                amount(item.energy_kwh),
                "",
                amount(item.co2e_kg),
                "",
            )
        if len(shown) < len(group.items):
            table.add_row(f"  [dim]{len(group.items) - len(shown):,} more items (see --format json)[/dim]")
    table.add_section()
    table.add_row(
        "[bold]Total[/bold]",
        "",
        f"[bold]{amount(bill.totals.energy_kwh)}[/bold]",
        share(1.0) if bill.totals.energy_kwh else "",
        f"[bold]{amount(bill.totals.co2e_kg)}[/bold]",
        share(1.0) if bill.totals.co2e_kg else "",
    )
    return table


def _economics_table(name: str, lines: list[tuple[str, str]]) -> Table:
    table = Table(title=f"Inference economics — {escape(name)}", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in lines:
        table.add_row(label, escape(value))
    return table


def _largest(items: tuple[ItemBill, ...] | list[ItemBill], count: int) -> list[ItemBill]:
    """The ``count`` items of most CO2e (then energy), largest first."""
    return sorted(items, key=lambda i: (-(i.co2e_kg or 0.0), -(i.energy_kwh or 0.0)))[:count]


_ECONOMICS_COLUMNS = (  # (header, detail key, decimals or None for a count in words)
    ("tokens/s", "tokens_per_second", 2),
    ("J/token", "joules_per_token", 2),
    ("tokens per kg CO2e", "tokens_per_kg_co2e", 0),
    ("tokens/day", "tokens_per_day", None),
    ("kWh/day", "energy_kwh_per_day", 0),
    ("billed tokens", "tokens", None),
)


def _economics_rows(items: list[ItemBill]) -> Table:
    """Several inference items in one table, one row each (the ``LONG_TABLE`` of most daily CO2e,
    then billed CO2e, when there are more)."""
    table = Table(title="Inference economics (PUE included)", title_justify="left")
    table.add_column("Item")
    for header, _, _ in _ECONOMICS_COLUMNS:
        table.add_column(header, justify="right")
    shown = items
    if len(items) > LONG_TABLE:
        def weight(i: ItemBill) -> tuple[float, float]:
            daily = i.details.get("co2e_kg_per_day", 0.0)
            return (-(daily if not isinstance(daily, str) else 0.0), -(i.co2e_kg or 0.0))

        shown = sorted(items, key=weight)[:LONG_TABLE]
    for item in shown:
        cells = []
        for _, key, decimals in _ECONOMICS_COLUMNS:
            value = item.details.get(key)
            if value is None or isinstance(value, str):
                cells.append("—")
            else:
                cells.append(large(value) if decimals is None else amount(value, decimals))
        table.add_row(escape(item.name), *cells)
    if len(shown) < len(items):
        table.add_row(f"[dim]{len(items) - len(shown):,} more items (see --format json)[/dim]")
    return table
