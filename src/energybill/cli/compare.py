"""``energybill compare``: a project's scenarios side by side, per phase and total, with deltas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from energybill.cli.options import RELOCATE, SCENARIO, SET, file_path, stdout_console
from energybill.report.numbers import signed

_EPILOG = """\b
Examples:
    energybill compare examples/noor.toml                       # every [scenarios.*] of the file
    energybill compare examples/noor.toml --scenario france
    energybill compare examples/noor.toml --scenario pue-1.8 --scenario pue-1.1 --baseline pue-1.8
    energybill compare examples/noor.toml --relocate 41.44 --format json
"""


@click.command(epilog=_EPILOG)
@click.argument("file", type=file_path())
@SCENARIO
@SET
@RELOCATE
@click.option("--baseline", default="base", show_default=True, help="The column deltas are taken against.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def compare(
    file: Path,
    scenarios: tuple[str, ...],
    sets: tuple[str, ...],
    relocate: str | None,
    baseline: str,
    fmt: str,
) -> None:
    """Bill FILE as written and under each scenario: energy and CO2e per phase and in total, with the
    absolute and relative change against the baseline. --set/--relocate add one more column."""
    from energybill.pipeline import Pipeline
    from energybill.whatif.compare import table

    pipe = Pipeline.open(file)
    data = table(pipe.columns(scenarios, pipe.overrides((), sets, relocate)), baseline)
    if fmt == "json":
        from energybill.core.jsontext import dumps

        click.echo(dumps(data))
    else:
        _print(data)


def _print(data: dict[str, Any]) -> None:
    from rich.table import Table

    from energybill.report.escape.terminal import markup as escape
    from energybill.report.numbers import amount

    console = stdout_console(width=160)
    names = [s["name"] for s in data["scenarios"]]
    for quantity, unit in (("energy_kwh", "kWh"), ("co2e_kg", "kg CO2e")):
        table = Table(
            title=f"{escape(data['project'])} — {unit} by scenario (Δ against {escape(data['baseline'])})",
            title_justify="left",
        )
        table.add_column("Phase")
        for name in names:
            table.add_column(escape(name), justify="right")
        rows = [*data["phases"].items(), ("Total", data["totals"])]
        for index, (phase, cells) in enumerate(rows):
            if index == len(rows) - 1:
                table.add_section()
            table.add_row(
                escape(phase), *(_cell(cells[n], quantity, n == data["baseline"], amount) for n in names)
            )
        console.print(table)
    for s in data["scenarios"]:
        if s["description"]:
            console.print(f"[dim]{escape(s['name'])}: {escape(s['description'])}[/dim]")


def _cell(
    cell: dict[str, Any], quantity: str, is_baseline: bool, amount: Callable[[float | None, int], str]
) -> str:
    value = amount(cell[quantity], 0)
    if is_baseline:
        return value
    delta, relative = cell[f"delta_{quantity}"], cell[f"relative_{quantity}"]
    shown = f"{signed(relative * 100)} %" if relative is not None else "n/a"
    return f"{value} ({'+' if delta >= 0 else '-'}{amount(abs(delta), 0)}, {shown})"
