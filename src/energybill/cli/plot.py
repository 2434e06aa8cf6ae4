"""``energybill plot``: a chart of the bill for slides (matplotlib, the ``plot`` extra)."""

from __future__ import annotations

from pathlib import Path

import click

from energybill.cli.options import file_path

SUFFIXES = (".png", ".svg", ".pdf")


@click.command()
@click.argument("file", type=file_path())
@click.option(
    "--kind",
    type=click.Choice(("phases", "items", "scenarios")),
    default="phases",
    show_default=True,
    help="phases: the talk's two donuts, energy and CO2e by phase; items: items ranked by CO2e; "
    "scenarios: baseline and what-if scenarios.",
)
@click.option(
    "--out",
    type=file_path(dir_okay=False),
    required=True,
    help="The image to write: .png, .svg or .pdf.",
)
def plot(file: Path, kind: str, out: Path) -> None:
    """Draw a chart of a project's bill into an image file.

    \b
    Examples:
        energybill plot examples/noor.toml --out noor-phases.png
        energybill plot examples/noor.toml --kind items --out noor-items.svg
        energybill plot examples/noor.toml --kind scenarios --out noor-scenarios.png
    """
    from energybill.report.errors import ReportError

    if out.suffix.lower() not in SUFFIXES:
        raise ReportError(f"--out {out}: give a file ending in {', '.join(SUFFIXES)}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ReportError("energybill plot needs matplotlib: pip install 'energybill[plot]'") from None
    from energybill.cli.outputs import project_inputs
    from energybill.cli.report import report_data
    from energybill.core.files import refuse_inputs, write_output

    # the report's bill (measured runs included); scenarios only for their chart, no advice
    from energybill.pipeline import Pipeline
    from energybill.report.plot import plot as draw

    pipe = Pipeline.open(file)
    inputs = project_inputs(file, pipe.raw)
    refuse_inputs(out, inputs)
    data = report_data(pipe, () if kind == "scenarios" else None, advice=False)
    # drawn into a temporary file beside --out, renamed into place once complete
    write_output(out, lambda handle: draw(data, kind, handle, out.suffix.lower()), inputs, what="the chart")
    click.echo(f"wrote {out} ({kind})", err=True)
