"""Command-line options shared by the what-if commands (bill, compare): scenarios, overrides, samples."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., object])

SCENARIO = click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    metavar="NAME",
    help="Apply [scenarios.NAME] of the project file (repeat to stack them, in order).",
)
SET = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY.PATH=VALUE",
    help="Override one value, validated like the file: sites.noor-hpc.pue=1.1, "
    "'training.Noor 13B.tokens=300e9', 'sites.*.pue=1.1', compute[0].hours=400.",
)
RELOCATE = click.option(
    "--relocate",
    metavar="G_PER_KWH|REGION",
    help="Move every compute site (compute, training, inference) to a grid: an intensity in "
    "g/kWh (41.44) or a catalog region (FR: France at the catalog's latest year, gcp:europe-west1).",
)


class WhatIfOptions(TypedDict):
    """The values ``whatif_options`` passes, by parameter name (``energybill.cli.whatif.bill_data``'s)."""

    scenarios: tuple[str, ...]
    sets: tuple[str, ...]
    relocate: str | None
    samples: int | None
    seed: int | None


def whatif_options(command: F) -> F:
    """--scenario, --set, --relocate, --samples and --seed."""
    samples = click.option(
        "--samples",
        type=SAMPLES,
        default=None,
        help="Monte Carlo over the file's ranges ({low, high}, {low, mode, high}, {median, p95}): "
        "p5/p50/p95 of every item, phase and total. Default: no sampling.",
    )
    seed = click.option(
        "--seed", type=SEED, default=None, help="Random seed (0 to 2^32-1), for reproducible intervals."
    )
    for option in (seed, samples, RELOCATE, SET, SCENARIO):
        command = option(command)
    return command


# The ledger whose measured runs a bill attaches (a short help: the long one imports the spool).
BILL_LEDGER = click.option(
    "--ledger",
    metavar="FILE|URL",
    default=None,
    help="Ledger whose measured runs are billed beside the estimates: a SQLite file, or a team's "
    "PostgreSQL URL postgresql://USER@HOST:PORT/DB.  [default: FILE's <name>.ledger.db beside it]",
)


def stdout_console(width: int = 120) -> Console:
    """A rich Console on stdout; piped output keeps a fixed ``width`` so that tables do not wrap in
    files and CI logs."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=width)


class Finite(click.FloatRange):
    """A float option within bounds that must also be finite: click's FloatRange lets ``nan``
    through (every comparison with it is false) and ``inf`` when no maximum is given."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


# Bounds of the CLI's numbers: what makes sense physically, far from float overflow or underflow.
SEED = click.IntRange(0, 2**32 - 1)  # numpy's SeedSequence takes non-negative integers
SAMPLES = click.IntRange(1, 1_000_000)  # 1e6 draws of every range: ~8 MB per range and item
POSITIVE = Finite(min=0, min_open=True, max=1e30)
NON_NEGATIVE = Finite(min=0, max=1e30)
FLOPS = Finite(min=1, max=1e40)  # a budget below one FLOP or above 1e40 is a typo
PUE = Finite(min=1, max=10)
INTENSITY = Finite(min=0, max=10_000)  # g CO2e/kWh; the dirtiest grids are ~1,100
