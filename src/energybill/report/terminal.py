"""The terminal bill: a rich table grouped by phase, the inference economics, the defaults used."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from energybill.core.bill import Bill
from energybill.core.units import kg_to_tonnes, kwh_to_mwh
from energybill.report.assumptions import catalog_values
from energybill.report.measured import measured_table
from energybill.report.numbers import amount, share
from energybill.report.rows import defaults_used, economics, phase_groups


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
    for item in bill.items:
        if item.kind == "inference":
            console.print(_economics_table(item.name, economics(item)))
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
        for item in group.items:
            table.add_row(
                f"  {escape(item.name)}",
                escape(item.site or ""),
                amount(item.energy_kwh),
                "",
                amount(item.co2e_kg),
                "",
            )
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
