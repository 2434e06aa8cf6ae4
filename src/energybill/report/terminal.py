"""The terminal bill, from the report model: a rich table grouped by phase, the measured runs, the
inference economics, the defaults and catalog values used, then the what-if sections.

A bill of more than ``LONG_TABLE`` items shows the ``TOP_PER_PHASE`` largest items (CO2e) of each
phase and how many more there are; more than one inference item share one economics table, one
row per item (its ``LONG_TABLE`` largest). ``--format json`` has every item.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from energybill.core.units import kg_to_tonnes, kwh_to_mwh
from energybill.report.data import Economics, ItemRow, ReportData
from energybill.report.disclosure import summary
from energybill.report.escape.terminal import markup as escape
from energybill.report.measured import development_lines, measured_table
from energybill.report.numbers import amount, large, share
from energybill.report.rows import LONG_TABLE
from energybill.report.whatif import print_intervals, print_recommendations

TOP_PER_PHASE = 10  # items of each phase a long bill shows


def render(data: ReportData, console: Console) -> None:
    """Print the bill."""
    console.print(_bill_table(data))
    console.print(
        f"[bold]Total[/bold]: {amount(kwh_to_mwh(data.energy_kwh), 2)} MWh and "
        f"{amount(kg_to_tonnes(data.co2e_kg), 2)} t CO2e"
        + (" (location-based: the grid's intensity)" if data.disclosure is not None else "")
    )
    if data.disclosure is not None:
        for label, text in summary(data.disclosure, data.co2e_kg):
            console.print(f"[bold]{label}[/bold]: {escape(text)}")
    measured = measured_table(data.measured)
    if measured is not None:
        console.print(measured)
    for number, line in enumerate(development_lines(data.bill.development)):
        console.print(f"[bold]{escape(line)}[/bold]" if number == 0 else f"  {escape(line)}")
    serving = data.economics  # every inference item, billed or not
    if len(serving) == 1:
        console.print(_economics_table(serving[0].name, serving[0].lines))
    elif serving:
        console.print(_economics_rows(serving))
    if data.defaults:
        console.print("[bold]Defaults used[/bold] (set them in the project file to change them):")
        for line in data.defaults:
            console.print(f"  • {escape(line)}")
    if data.catalog:
        console.print("[bold]Catalog values used[/bold] (licences: energybill catalog sources):")
        for line in data.catalog:
            console.print(f"  • {escape(line)}")
    console.print("[dim]Formula, inputs and source of every number: --format json (provenance).[/dim]")
    if data.label is not None:
        console.print(f"[bold]Scenario[/bold]: {escape(data.label)}")
    if data.ranges is not None and data.ranges.intervals is not None:
        print_intervals(data.phases, data.ranges.intervals, console)
    print_recommendations(data.recommendations, console)


def _bill_table(data: ReportData) -> Table:
    table = Table(title=f"{escape(data.project)} — energy bill and carbon footprint", title_justify="left")
    table.add_column("Phase / item")
    table.add_column("Site")
    table.add_column("Energy (kWh)", justify="right")
    table.add_column("Share", justify="right")
    table.add_column("CO2e (kg)", justify="right")
    table.add_column("Share", justify="right")
    # extra columns only where they say something: market-based when a site has a contract or a
    # residual mix (else it repeats the CO2e column, and the total's line says so), water when counted
    d = data.disclosure
    market = d is not None and not d.market_same_as_location
    water = d is not None and d.water_counted
    if market:
        table.add_column("Market-based (kg)", justify="right")
    if water:
        table.add_column("Water (L)", justify="right")
    long = len(data.ranked) > LONG_TABLE  # ranked: every billed item
    for phase in data.phases:
        table.add_row(
            f"[bold]{escape(phase.name)}[/bold]",
            "",
            f"[bold]{amount(phase.energy_kwh)}[/bold]",
            share(phase.energy_share),
            f"[bold]{amount(phase.co2e_kg)}[/bold]",
            share(phase.co2e_share),
            *_extra(market, water, phase.co2e_market_kg, phase.water_l, bold=True),
        )
        shown = _largest(phase.items, TOP_PER_PHASE) if long else phase.items
        for item in shown:
            table.add_row(
                f"  {escape(item.name)}",
                escape(item.site or ""),
                amount(item.energy_kwh),
                "",
                amount(item.co2e_kg),
                "",
                *_extra(market, water, item.co2e_market_kg, item.water_l),
            )
        if len(shown) < len(phase.items):
            table.add_row(f"  [dim]{len(phase.items) - len(shown):,} more items (see --format json)[/dim]")
    table.add_section()
    table.add_row(
        "[bold]Total[/bold]",
        "",
        f"[bold]{amount(data.energy_kwh)}[/bold]",
        share(1.0) if data.energy_kwh else "",
        f"[bold]{amount(data.co2e_kg)}[/bold]",
        share(1.0) if data.co2e_kg else "",
        *_extra(market, water, d.co2e_market_kg if d else 0.0, d.water_l if d else 0.0, bold=True),
    )
    return table


def _extra(
    market: bool, water: bool, market_kg: float, water_l: float | None, bold: bool = False
) -> list[str]:
    """The cells of the market-based and water columns that are shown (water "" when not counted)."""
    cells = [amount(market_kg)] if market else []
    if water:
        cells.append("" if water_l is None else amount(water_l))
    return [f"[bold]{c}[/bold]" if bold and c else c for c in cells]


def _economics_table(name: str, lines: tuple[tuple[str, str], ...]) -> Table:
    table = Table(title=f"Inference economics — {escape(name)}", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in lines:
        table.add_row(label, escape(value))
    return table


def _largest(items: tuple[ItemRow, ...], count: int) -> list[ItemRow]:
    """The ``count`` items of most CO2e (then energy), largest first."""
    return sorted(items, key=lambda i: (-(i.co2e_kg or 0.0), -(i.energy_kwh or 0.0)))[:count]


_ECONOMICS_COLUMNS = (  # (header, detail key, decimals or None for a count in words)
    ("tokens/s", "tokens_per_second", 2),
    ("J/token", "joules_per_token", 2),
    ("Wh/request", "wh_per_request", 2),
    ("tokens per kg CO2e", "tokens_per_kg_co2e", 0),
    ("tokens/day", "tokens_per_day", None),
    ("kWh/day", "energy_kwh_per_day", 0),
    ("billed tokens", "tokens", None),
)


def _economics_rows(items: tuple[Economics, ...]) -> Table:
    """Several inference items in one table, one row each (the ``LONG_TABLE`` of most daily CO2e,
    then billed CO2e, when there are more)."""
    table = Table(title="Inference economics (PUE included)", title_justify="left")
    table.add_column("Item")
    for header, _, _ in _ECONOMICS_COLUMNS:
        table.add_column(header, justify="right")
    shown: Sequence[Economics] = items
    if len(items) > LONG_TABLE:

        def weight(i: Economics) -> tuple[float, float]:
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
