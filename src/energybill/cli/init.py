"""``energybill init``: write a commented starter project file."""

from __future__ import annotations

from pathlib import Path

import click

from energybill.cli.options import file_path
from energybill.project.starter import DEFAULT_TEMPLATE, TEMPLATES

DEFAULT_PATH = "project.toml"

_EPILOG = """\b
Templates:
    pretraining   a model trained from scratch: data, ablations, training, evaluation, a trip
    fine-tune     an existing model fine-tuned, evaluated and served for a year
    serving       inference only: latency or throughput, batch, daily volume
    noor          the Noor example of the talk, every value citing its slide

\b
Examples:
    energybill init                                   # project.toml from the pretraining template
    energybill init --template fine-tune my-finetune.toml
    energybill init --template noor noor.toml && energybill bill noor.toml
"""


@click.command(epilog=_EPILOG)
@click.argument("path", required=False, default=DEFAULT_PATH, type=file_path())
@click.option(
    "--template",
    type=click.Choice(TEMPLATES),
    default=DEFAULT_TEMPLATE,
    show_default=True,
    help="Which starter project to write.",
)
def init(path: Path, template: str) -> None:
    """Write a commented starter project file to PATH [default: project.toml] that validates and
    bills as it is; change its values to your project's. An existing file is never overwritten."""
    from energybill.project.starter import write_starter

    write_starter(path, template)
    click.echo(f"wrote {path} ({template} template); next: energybill validate {path}", err=True)
