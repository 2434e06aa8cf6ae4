"""Command-line options shared by the what-if commands (bill, compare): scenarios, overrides, samples."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., object])

if TYPE_CHECKING:
    _ListParam = click.ParamType[list[float]]  # typed by its value in click's stubs
    _TextParam = click.ParamType[str]
else:
    _ListParam = _TextParam = click.ParamType  # not subscriptable at run time before click 8.2

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


def existing_ledger(ledger: str | None) -> str | None:
    """``--ledger`` of bill and report: asked for by name, it must exist (a typo would otherwise bill
    the estimate alone, silently); the library keeps "no ledger, no measured runs"."""
    if ledger is None:
        return None
    from energybill.ledger.backend import LedgerError
    from energybill.ledger.paths import as_location, display, exists

    if not exists(as_location(ledger)):
        raise LedgerError(f"{display(as_location(ledger))}: no such ledger (give an existing file, or "
                          "record runs into it with `energybill measure --ledger`)")
    return ledger


def stdout_console(width: int = 120) -> Console:
    """A rich Console on stdout; piped output keeps a fixed ``width`` so that tables do not wrap in
    files and CI logs."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=width)


class Finite(click.FloatRange):
    """A float option within bounds that must also be finite: click's FloatRange lets ``nan``
    through (every comparison with it is false) and ``inf`` when no maximum is given. A subnormal
    number (1e-320) is refused too: it passes "> 0", then a product with it underflows to 0 and a
    division by it fails (``plan --energy-kwh 1e-320``, ``sweep --latency 1e-320``)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        if number != 0 and abs(number) < sys.float_info.min:
            self.fail(f"{value!r} is too close to zero to compute with.", param, ctx)
        return number


class NumberList(_ListParam):
    """A comma-separated list of numbers (``--batch 1,8,32``), each within ``low``..``high`` (finite,
    not subnormal), whole numbers with ``integer``. An empty element (``1,,2``, ``,``) is refused, not
    skipped: it is a value left out. At most ``MAX_LIST`` numbers: 50,000 batch sizes ran for minutes."""

    name = "numbers"

    def __init__(self, low: float, high: float, integer: bool = False) -> None:
        self.low, self.high, self.integer = low, high, integer

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, list):  # a default already converted
            return value
        parts = str(value).split(",")
        if len(parts) > MAX_LIST:
            self.fail(f"{len(parts):,} values; give at most {MAX_LIST}", param, ctx)
        if any(not part.strip() for part in parts):
            self.fail(f"an empty value in {value!r}; give numbers separated by commas, e.g. 1,8,32",
                      param, ctx)
        numbers = [_one_number(part, self.low, self.high, self.integer) for part in parts]
        bad = next((text for text, number in zip(parts, numbers, strict=True) if number is None), None)
        if bad is not None:
            kind = "whole numbers" if self.integer else "numbers"
            allowed = f"give {kind} from {self.low:g} to {self.high:g}, e.g. 1,8,32"
            self.fail(f"{bad.strip()!r}: {allowed}", param, ctx)
        return [int(n) if self.integer else n for n in numbers if n is not None]


def _one_number(text: str, low: float, high: float, integer: bool) -> float | None:
    """``text`` as a number within ``low``..``high`` (whole with ``integer``), else None."""
    try:
        number = float(text)
    except ValueError:
        return None
    if not (math.isfinite(number) and low <= number <= high) or (integer and not number.is_integer()):
        return None
    return number


class FilePath(click.Path):
    """A path option or argument that a file could have: a name longer than the system allows made
    ``Path.exists()`` raise ENAMETOOLONG (a traceback from ``init`` and ``--ledger``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from energybill.core.files import path_problem

        problem = path_problem(value) if isinstance(value, str) else None
        if problem is not None:
            self.fail(problem, param, ctx)
        return super().convert(value, param, ctx)


def file_path(**kwargs: Any) -> FilePath:
    """``FilePath`` giving a ``pathlib.Path`` (every path of the CLI)."""
    return FilePath(path_type=Path, **kwargs)


class Relocation(_TextParam):
    """``--relocate``: an intensity in g/kWh within ``INTENSITY``'s bounds, else a region name.
    ``--relocate -1`` or ``nan`` was written to every compute site and reported once per site."""

    name = "relocation"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value)
        try:
            float(text)
        except ValueError:
            return text  # a region: the catalog checks the name, once
        INTENSITY.convert(text, param, ctx)  # checked; kept as typed (the scenario's label shows it)
        return text


# Bounds of the CLI's numbers: what makes sense physically, far from float overflow or underflow.
SEED = click.IntRange(0, 2**32 - 1)  # numpy's SeedSequence takes non-negative integers
SAMPLES = click.IntRange(1, 1_000_000)  # 1e6 draws of every range: ~8 MB per range and item
POSITIVE = Finite(min=0, min_open=True, max=1e30)
NON_NEGATIVE = Finite(min=0, max=1e30)
FLOPS = Finite(min=1, max=1e40)  # a budget below one FLOP or above 1e40 is a typo
PUE = Finite(min=1, max=10)
INTENSITY = Finite(min=0, max=10_000)  # g CO2e/kWh; the dirtiest grids are ~1,100
RELOCATION = Relocation()
MAX_LIST = 1000  # values of a comma-separated option (a sweep of 1,000 batch sizes is already long)
BATCHES = NumberList(1, 1e9, integer=True)
LIMIT = click.IntRange(1, 2**62)  # rows to show; SQLite's integers stop at 2**63 - 1
OFFSET = click.IntRange(0, 2**62)
SECONDS_PER_TOKEN = NumberList(1e-9, 1e9)  # a nanosecond per token is already 1e9 tokens/s
WATTS = NumberList(1e-3, 1e9)

RELOCATE = click.option(
    "--relocate",
    type=RELOCATION,
    metavar="G_PER_KWH|REGION",
    help="Move every compute site (compute, training, inference) to a grid: an intensity in "
    "g/kWh (41.44) or a catalog region (FR: France at the catalog's latest year, gcp:europe-west1).",
)
