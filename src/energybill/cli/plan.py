"""``energybill plan``: the compute-optimal model for a budget (FLOP, kWh or kg CO2e), from scaling laws."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from energybill.cli.options import (
    FLOPS,
    INTENSITY,
    NON_NEGATIVE,
    POSITIVE,
    PUE,
    file_path,
    stdout_console,
)
from energybill.core.errors import EnergybillError, Problem, ProjectError

if TYPE_CHECKING:
    from energybill.project.model import Project, Training
    from energybill.whatif.planning import Hardware

_EPILOG = """\b
Examples:
    energybill plan --flops 5.76e23                       # Gopher's compute → Chinchilla (67B, 1.4T)
    energybill plan --flops 5.76e23 --method all
    energybill plan --energy-kwh 50000 --pue 1.1 --intensity 56
    energybill plan --co2e-kg 10000 examples/noor.toml --site noor-hpc
    energybill plan examples/noor.toml --item "Noor 13B"  # the optimal model of the same compute
"""


@click.command(epilog=_EPILOG)
@click.argument("file", required=False, type=file_path())
@click.option("--flops", type=FLOPS, help="Compute budget in FLOP.")
@click.option("--energy-kwh", type=POSITIVE, help="Energy budget in kWh (facility energy, PUE included).")
@click.option("--co2e-kg", type=POSITIVE, help="Carbon budget in kg CO2e at the site's grid intensity.")
@click.option("--item", "item_name", help="A training item of FILE: plan its compute, device and site.")
@click.option("--site", "site_name", help="A site of FILE: its PUE and grid intensity.")
@click.option(
    "--tflops", type=POSITIVE, default=None,
    help="Achieved TFLOP/s per device [default: 100, the talk's A100].",
)
@click.option("--watts", type=POSITIVE, default=None, help="W per device [default: 400, A100 TDP].")
@click.option("--host-watts", type=NON_NEGATIVE, default=None, help="Host CPU W per device [default: 70].")
@click.option("--pue", type=PUE, default=None, help="PUE [default: the site's, else 1.0].")
@click.option(
    "--intensity", type=INTENSITY, default=None, help="g CO2e/kWh [default: the site's, else 475 world avg]."
)
@click.option(
    "--method",
    type=click.Choice(["chinchilla", "chinchilla-parametric", "kaplan", "all"]),
    default="chinchilla",
    show_default=True,
    help="chinchilla: Hoffmann et al. 2022 Approach 1; chinchilla-parametric: its Approach 3 fit; "
    "kaplan: Kaplan et al. 2020.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def plan(
    file: Path | None, fmt: str, method: str, item_name: str | None, site_name: str | None, **budget: Any
) -> None:
    """Plan a training run with scaling laws: parameters, tokens, predicted loss, device-hours, kWh, CO2e.

    Give one budget (--flops, --energy-kwh or --co2e-kg), or FILE with --item to see the
    compute-optimal model of an existing training item's compute and what it would change.
    The loss is Hoffmann et al.'s parametric fit L(N, D) = 1.69 + 406.4/N^0.34 + 410.7/D^0.28.
    """
    from energybill.whatif import planning

    hardware, item = _hardware(file, item_name, site_name, budget)
    if item is not None and item.is_fine_tune():
        _fine_tune(item, fmt)
        return
    flops = _budget_flops(budget, hardware, item)
    methods = list(planning.METHODS) if method == "all" else [method]
    rows = [planning.cost(planning.allocate(flops, m), hardware) for m in methods]
    if item is not None:
        rows.insert(0, planning.cost(planning.existing(item.parameters, item.tokens), hardware))
    data: dict[str, Any] = {
        "budget_flops": flops,
        "hardware": vars(hardware),
        "plans": [r.to_dict() for r in rows],
    }
    if item is not None:
        data["item"] = item.name
        data["iso_loss"] = _iso_loss(item, hardware)
    from energybill.core.jsontext import finite

    data = finite(data, "plan")  # a huge item or budget overflows: one line, not inf
    if fmt == "json":
        import json

        click.echo(json.dumps(data, indent=2, allow_nan=False))
    else:
        _print(data)


FINE_TUNE_WHY = (
    "compute-optimal sizing (Chinchilla, Kaplan) chooses the size and the tokens of a model trained "
    "from scratch; a fine-tune's size is its base model's and its tokens are the task's data, so "
    "there is no compute-optimal alternative to show"
)


def _fine_tune(item: Training, fmt: str) -> None:
    """``plan --item`` of a fine-tune: no scaling-law advice, and why."""
    base = item.base_model or "an existing model"
    if fmt == "json":
        import json

        data: dict[str, Any] = {"item": item.name, "fine_tune_of": item.base_model}
        data.update(plans=[], why=FINE_TUNE_WHY)
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"'{item.name}' is a fine-tune of {base}: {FINE_TUNE_WHY}.")


def _hardware(
    file: Path | None, item_name: str | None, site_name: str | None, given: dict[str, Any]
) -> tuple[Hardware, Training | None]:
    from energybill.whatif.planning import Hardware

    values: dict[str, float] = {}
    item: Training | None = None
    if (item_name or site_name) and file is None:
        raise EnergybillError("--item and --site need a project FILE")
    if file is not None:
        from energybill.project.load import load_project

        project = load_project(file)
        if item_name is not None:
            from energybill.estimate.engine import resolved

            item = resolved(_training_item(project, item_name, str(file)))  # catalog device, calibration
            assert item.watts_per_device is not None  # resolved(): a catalog device became its TDP
            assert item.tflops_per_device is not None  # resolved(): an mfu became a throughput
            values.update(
                tflops_per_device=item.tflops_per_device,
                watts_per_device=item.watts_per_device,
                host_watts_per_device=item.host_watts_per_device,
            )
            site_name = site_name or item.site
        if site_name is not None:
            if site_name not in project.sites:
                from energybill.core.errors import did_you_mean

                hint = did_you_mean(site_name, list(project.sites))
                raise ProjectError(str(file), [Problem(f"sites.{site_name}", f"no such site; {hint}")])
            from energybill.estimate.site import SiteContext

            site = SiteContext.from_site(site_name, project.sites[site_name])  # a catalog region too
            values.update(pue=site.pue, carbon_intensity_g_per_kwh=site.carbon_intensity_g_per_kwh)
    for option, key in (
        ("tflops", "tflops_per_device"),
        ("watts", "watts_per_device"),
        ("host_watts", "host_watts_per_device"),
        ("pue", "pue"),
        ("intensity", "carbon_intensity_g_per_kwh"),
    ):
        if given.get(option) is not None:
            values[key] = given[option]
    hardware = Hardware(**values)
    if min(hardware.tflops_per_device, hardware.watts_per_device) <= 0 or hardware.pue < 1:
        raise EnergybillError("--tflops and --watts must be > 0 and --pue >= 1")
    return hardware, item


def _training_item(project: Project, name: str, file: str) -> Training:
    from energybill.core.errors import did_you_mean

    for item in project.training:
        if item.name == name:
            return item
    names = [t.name for t in project.training]
    hint = did_you_mean(name, names) if names else "the file has no [[training]] item"
    raise ProjectError(file, [Problem("--item", f"no training item named '{name}'; {hint}")])


def _budget_flops(budget: dict[str, Any], hardware: Hardware, item: Training | None) -> float:
    from energybill.whatif import planning

    given = [k for k in ("flops", "energy_kwh", "co2e_kg") if budget.get(k) is not None]
    if len(given) + (item is not None) != 1:
        raise EnergybillError(
            "give exactly one budget: --flops, --energy-kwh, --co2e-kg, or FILE --item NAME"
        )
    if item is not None:
        return planning.FLOP_PER_PARAMETER_TOKEN * item.parameters * item.tokens
    if given[0] == "flops":
        return float(budget["flops"])
    energy = budget.get("energy_kwh")
    if energy is None:
        energy = planning.energy_for_co2e(budget["co2e_kg"], hardware.carbon_intensity_g_per_kwh)
    if energy <= 0:
        raise planning.PlanError(f"the budget must be > 0, got {energy:g} kWh")
    return planning.flops_for_energy(
        energy,
        hardware.tflops_per_device,
        hardware.watts_per_device,
        hardware.host_watts_per_device,
        hardware.pue,
    )


def _iso_loss(item: Training, hardware: Hardware) -> dict[str, float]:
    """The least compute reaching the item's loss with a compute-optimal model, and the saving."""
    from energybill.whatif import planning

    optimal = planning.iso_loss(item.parameters, item.tokens)
    actual = planning.cost(planning.existing(item.parameters, item.tokens), hardware)
    saved = optimal.compute_saved_share
    return {
        "loss": actual.allocation.loss,
        "flops": optimal.flops,
        "parameters": optimal.parameters,
        "tokens": optimal.tokens,
        "compute_saved_share": saved,
        "energy_kwh_saved": actual.energy_kwh * saved,
        "co2e_kg_saved": actual.co2e_kg * saved,
        # 2N FLOP per token (Kaplan §2.1)
        "inference_flops_per_token_ratio": optimal.parameters / item.parameters,
    }


def _print(data: dict[str, Any]) -> None:
    from rich.table import Table

    from energybill.report.numbers import amount, share

    console = stdout_console()
    table = Table(title=f"Compute-optimal plan for {data['budget_flops']:.3g} FLOP", title_justify="left")
    for column in (
        "method",
        "parameters",
        "tokens",
        "tokens/param",
        "loss",
        "device-hours",
        "kWh",
        "kg CO2e",
    ):
        table.add_column(column, justify="left" if column == "method" else "right")
    for row in data["plans"]:
        table.add_row(
            row["method"],
            f"{row['parameters']:.3g}",
            f"{row['tokens']:.3g}",
            amount(row["tokens_per_parameter"], 1),
            f"{row['loss']:.4f}",
            amount(row["device_hours"], 0),
            amount(row["energy_kwh"], 0),
            amount(row["co2e_kg"], 0),
        )
    console.print(table)
    hw = data["hardware"]
    console.print(
        f"Hardware: {hw['tflops_per_device']:g} TFLOP/s per device, {hw['watts_per_device']:g} W + "
        f"{hw['host_watts_per_device']:g} W host, PUE {hw['pue']:g}, "
        f"{hw['carbon_intensity_g_per_kwh']:g} g/kWh"
    )
    iso = data.get("iso_loss")
    if iso:
        console.print(
            f"Same loss ({iso['loss']:.4f}) with a compute-optimal model: "
            f"{iso['parameters']:.3g} parameters on {iso['tokens']:.3g} tokens = {iso['flops']:.3g} FLOP, "
            f"{share(iso['compute_saved_share'])} less compute: "
            f"{amount(iso['energy_kwh_saved'], 0)} kWh and {amount(iso['co2e_kg_saved'], 0)} kg CO2e saved; "
            f"serving needs {amount(iso['inference_flops_per_token_ratio'], 2)}× the FLOP per token."
        )
    for row in data["plans"]:
        console.print(f"[dim]{row['method']}: {row['source']}[/dim]")
