"""``energybill sweep``: inference economics over batch size, latency and power."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from energybill.cli.options import BATCHES, POSITIVE, SECONDS_PER_TOKEN, WATTS, file_path, stdout_console

_EPILOG = """\b
Examples:
    energybill sweep                                   # the talk's prospective Noor 13B estimate
    energybill sweep --batch 1,4,8,16 --latency 0.03,0.05,0.08 --watts 300,400
    energybill sweep examples/noor.toml --tokens-per-day 1e9 --format json
    energybill sweep --requests-per-day 1e6 --output-tokens 500    # per request
    energybill sweep --power-model constant                        # the talk's constant 400 W
"""


@click.command(epilog=_EPILOG)
@click.argument("file", required=False, type=file_path())
@click.option("--item", "item_name", help="The inference item of FILE [default: the first].")
@click.option("--batch", type=BATCHES, default="1,2,4,8,16", show_default=True, help="Batch sizes.")
@click.option(
    "--latency", type=SECONDS_PER_TOKEN, help="Seconds per generated token [default: the item's]."
)
@click.option("--watts", type=WATTS, help="W per device [default: the item's].")
@click.option("--tokens-per-day", type=POSITIVE, help="Serving volume [default: the item's daily rate].")
@click.option("--requests-per-day", type=POSITIVE, help="Serving volume in requests (with --output-tokens).")
@click.option(
    "--output-tokens",
    type=POSITIVE,
    help="Tokens generated per request [default: the item's output_tokens_per_request].",
)
@click.option(
    "--power-model",
    type=click.Choice(["load", "constant"]),
    default="load",
    show_default=True,
    help="load: power rises with the batch (ML.ENERGY v3.0 fit, docs/serving.md); constant: the item's "
    "power at every batch size, as the talk assumes. --watts overrides both.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def sweep(
    file: Path | None,
    item_name: str | None,
    batch: list[int],
    latency: list[float] | None,
    watts: list[float] | None,
    tokens_per_day: float | None,
    requests_per_day: float | None,
    output_tokens: float | None,
    power_model: str,
    fmt: str,
) -> None:
    """Sweep an inference item over batch size, latency and power: J/token, tokens per kg CO2e, and
    the days of serving at the daily volume until serving energy equals the training energy.

    Without FILE: the talk's prospective estimate (Noor 13B on one A100, 50 ms/token, 400 W + 70 W,
    PUE 1.1, 475 g/kWh, 4.5 billion words a day at 2 tokens per word). Time per token is taken as
    independent of the batch size, as in the talk; the power per device rises with the batch along
    the load-dependent model (the W/device column shows the curve) unless --power-model constant.
    """
    from energybill.project.load import load_project, parse_project
    from energybill.whatif.sweep import TALK_SERVING
    from energybill.whatif.sweep import sweep as run_sweep

    project = load_project(file) if file is not None else parse_project(TALK_SERVING, "<talk>")
    item, points = run_sweep(
        project, item_name, batch, latency, watts, tokens_per_day,
        requests_per_day, output_tokens, power_model,
    )
    from energybill.core.jsontext import finite

    # inputs of 1e300 overflow: one line, not inf (tokens per kg CO2e on a clean grid: null)
    data = finite({"item": item.name, "points": [p.to_dict() for p in points]}, f"sweep of '{item.name}'")
    if fmt == "json":
        import json

        click.echo(json.dumps(data, indent=2, allow_nan=False))
        return
    _print(item.name, points)


def _print(name: str, points: list[Any]) -> None:
    from rich.table import Table

    from energybill.core.units import kg_to_tonnes
    from energybill.report.escape.terminal import markup as escape
    from energybill.report.numbers import amount, large

    console = stdout_console(width=140)
    table = Table(title=f"Inference economics sweep — {escape(name)}", title_justify="left")
    columns = (
        "batch",
        "s/token",
        "W/device",
        "tokens/h",
        "J/token",
        "tokens/kg CO2e",
        "tokens = training",
        "kWh/day",
        "t CO2e/day",
        "days = training",
        "Wh/request",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for p in points:
        d = p.details
        table.add_row(
            str(p.batch_size),
            f"{p.seconds_per_token:g}",
            f"{p.watts_per_device:.4g}",
            amount(float(d["tokens_per_hour"]), 0),
            amount(float(d["joules_per_token"]), 2),
            amount(float(d["tokens_per_kg_co2e"]), 0),
            large(float(d["tokens_to_match_training"])) if "tokens_to_match_training" in d else "",
            amount(float(d["energy_kwh_per_day"]), 0) if "energy_kwh_per_day" in d else "",
            amount(kg_to_tonnes(float(d["co2e_kg_per_day"])), 2) if "co2e_kg_per_day" in d else "",
            amount(float(d["days_to_match_training"]), 2) if "days_to_match_training" in d else "",
            amount(float(d["joules_per_request"]) / 3600, 3) if "joules_per_request" in d else "",
        )
    console.print(table)
