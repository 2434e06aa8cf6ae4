"""``energybill``: the command line.

Every command keeps its imports inside its body so that ``energybill --help`` and a plain bill
start fast. Errors from bad input are printed as one line each on stderr, with exit code 2.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path
from typing import Unpack

import click

from energybill.cli.options import (
    BILL_LEDGER,
    WhatIfOptions,
    existing_ledger,
    file_path,
    stdout_console,
    whatif_options,
)
from energybill.core.errors import EnergybillError
from energybill.core.text import clipped, visible
from energybill.core.version import __version__

FILE = click.argument("file", type=file_path())

# Commands in their own modules, imported only when called (or listed by --help): a plain bill
# does not pay for the importers, the ledger or the plots (the cold start's 0.5 s budget).
LAZY = {
    "init": "energybill.cli.init:init",
    "compare": "energybill.cli.compare:compare",
    "plan": "energybill.cli.plan:plan",
    "sweep": "energybill.cli.sweep:sweep",
    "report": "energybill.cli.report:report",
    "plot": "energybill.cli.plot:plot",
    "catalog": "energybill.cli.catalog:catalog",
    "bench": "energybill.cli.bench:bench",
    "measure": "energybill.cli.measure:measure",
    "runs": "energybill.cli.runs:runs",
    "import": "energybill.cli.importers:import_",
}


class LazyGroup(click.Group):
    """A group whose commands in ``LAZY`` are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *LAZY]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in LAZY:
            return super().get_command(ctx, cmd_name)
        import importlib

        module, attr = LAZY[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="energybill")
def cli() -> None:
    """The full energy bill (kWh) and carbon footprint (kg CO2e) of a language-model project.

    Describe the project in a TOML file (storage, transfer, compute, training, inference,
    travel, other, embodied; sites with PUE and grid carbon intensity or a catalog region),
    then bill it:

    \b
        energybill init my-project.toml           # a commented starter file
        energybill bill examples/noor.toml
        energybill bill examples/noor.toml --format json
        energybill validate my-project.toml
        energybill report examples/noor.toml --out noor.html
        energybill compare examples/noor.toml
        energybill measure --project my-project.toml --item "finetune" -- python train.py

    Every command has --help with examples.
    """


@cli.command()
@FILE
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="table: grouped by phase, for the terminal; json: every number with its provenance; "
    "markdown: tables for a paper or a repository.",
)
@whatif_options
@BILL_LEDGER
def bill(file: Path, fmt: str, ledger: str | None, **whatif: Unpack[WhatIfOptions]) -> None:
    """Print the bill of a project file: items, phases, totals and shares.

    Training items show FLOP, PF-days and device-hours; inference items their economics
    (J/token, tokens/hour, tokens per kg CO2e, tokens to equal training, daily footprint).
    An inference item without a volume is shown but not added to the totals.

    \b
    Examples:
        energybill init my-project.toml           # a commented starter file
        energybill bill examples/noor.toml
        energybill bill examples/noor.toml --format json > noor.json
        energybill bill examples/noor.toml --format markdown > BILL.md
        energybill bill examples/noor.toml --scenario france --set sites.noor-hpc.pue=1.1
        energybill bill examples/noor.toml --samples 100000 --seed 1
        energybill bill team.toml --ledger postgresql://me@db.lab:5432/energy   # the team's runs
    """
    from energybill.cli.whatif import bill_data, bill_json

    data = bill_data(file, advice=fmt != "json", ledger=existing_ledger(ledger), **whatif)
    if fmt == "json":
        from energybill.core.jsontext import dumps

        click.echo(dumps(bill_json(data)))
    elif fmt == "markdown":
        from energybill.report.document import render_bill

        click.echo(render_bill(data), nl=False)
    else:
        from energybill.report.terminal import render as render_table

        render_table(data, stdout_console())


@cli.command()
@FILE
def validate(file: Path) -> None:
    """Check a project file without billing it: every problem on its own line, exit code 2.

    One run reports every problem: TOML syntax first (nothing else can be read past it), then the
    schema, references between tables, calibration records, catalog names and scenarios, all
    sorted by key path.

    \b
    Examples:
        energybill validate examples/noor.toml
        energybill validate my-project.toml && energybill bill my-project.toml
    """
    from energybill.project.load import load_project

    project = load_project(file)
    count = len(project.items())
    click.echo(f"{file}: valid — {count} items, {len(project.sites)} sites")


def main() -> None:
    """Entry point of the console script: energybill's own errors become lines on stderr, exit 2."""
    # A bill allocates millions of small, acyclic objects (dicts of items, provenance, JSON); at the
    # default threshold (700) the cyclic collector runs thousands of times and costs a fifth of a
    # 10,000-item bill (bench/scale.py). The CLI is a short process: collect far less often. The
    # library (import energybill) leaves the caller's settings alone.
    gc.set_threshold(100_000, 50, 100)
    _tolerant_streams()
    try:
        code = cli.main(prog_name="energybill", standalone_mode=False)
    except click.UsageError as exc:  # one line, like energybill's own errors (click prints three)
        if "\n" in exc.format_message():  # a group called with no command: its help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        where = exc.ctx.command_path if exc.ctx is not None else "energybill"
        click.echo(clipped(visible(f"{where}: {exc.format_message()} (see {where} --help)")), err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(clipped(visible(f"energybill: {exc.format_message()}")), err=True)
        sys.exit(exc.exit_code)
    except click.Abort:  # Ctrl-C at a prompt, or raised by a command
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except BrokenPipeError:  # `energybill bill ... | head`: the reader left; nothing more to say
        _quiet_stdout()
        sys.exit(1)
    except EnergybillError as exc:
        for line in exc.lines():
            # a key or value from the file may hold a newline or an escape sequence: made visible
            click.echo(clipped(visible(line)), err=True)
        sys.exit(exc.exit_code)
    except RecursionError:  # a structure nested past Python's limit that a reader did not bound
        click.echo("energybill: input nested too deeply to be processed", err=True)
        sys.exit(2)
    except MemoryError:
        click.echo("energybill: out of memory (is an input far larger than a project file?)", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)  # ctx.exit(n) (--help, --version) returns n


def _tolerant_streams() -> None:
    """A terminal whose encoding cannot write a character (LC_ALL=C with PYTHONUTF8=0: ASCII) gets
    it as an escape (\\u2014), not a UnicodeEncodeError halfway through a table."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or foreign stream: left as it is
                reconfigure(errors="backslashreplace")


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush raises no second error."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

