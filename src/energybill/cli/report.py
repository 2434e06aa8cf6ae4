"""``energybill report``: the bill as a page people read (HTML), Markdown, a model card, JSON or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from energybill.cli.options import BILL_LEDGER, SEED, existing_ledger, file_path
from energybill.pipeline import Pipeline

if TYPE_CHECKING:
    from energybill.report.data import ReportData

FORMATS = (
    "html", "markdown", "model-card", "json", "csv",
    "eu-ai-act", "eu-ai-act-json", "hf-card", "boamps", "llama-table",
)  # fmt: skip
# the disclosure exports (energybill.report.exports.RENDERERS)
EXPORTS = ("eu-ai-act", "eu-ai-act-json", "hf-card", "boamps", "llama-table")
# --out's suffix picks the format when --format is not given.
SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".json": "json", ".csv": "csv"}


@click.command()
@click.argument("file", type=file_path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="html (default, or from --out's suffix: .html .md .json .csv): one self-contained page with "
    "charts; markdown: the same as tables, for a paper; model-card: the Hugging Face environmental-impact "
    "section and the phase table; json: the bill's JSON plus the report's sections; "
    "csv: phases, items, total. Disclosure exports (training figures; exit 2 naming the missing fields "
    "when the bill has none): eu-ai-act (Markdown) and eu-ai-act-json: the EU AI Act Model "
    "Documentation Form's energy and compute fields; hf-card: a Hugging Face model card with its "
    "co2_eq_emissions YAML; boamps: a BoAmps JSON report; llama-table: GPU-hours, power, location- "
    "and market-based tCO2e.",
)
@click.option("--out", type=file_path(dir_okay=False), help="Write here instead of stdout.")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    metavar="NAME",
    help="Compare with this what-if scenario of the file (repeatable) [default: all of the file's].",
)
@click.option(
    "--samples",
    type=click.IntRange(0, 1_000_000),
    default=10_000,
    show_default=True,
    help="Monte Carlo draws for the p5–p95 whiskers when the file gives ranges (0: none).",
)
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the Monte Carlo draws.")
@BILL_LEDGER
def report(
    file: Path, fmt: str | None, out: Path | None, scenarios: tuple[str, ...], samples: int, seed: int,
    ledger: str | None,
) -> None:
    """Write the report of a project file: totals with everyday equivalents, energy and CO2e by phase,
    items ranked, sites and their sources, inference economics, and where every number comes from.

    \b
    Examples:
        energybill report examples/noor.toml --out noor.html
        energybill report examples/noor.toml --format markdown > BILL.md
        energybill report examples/noor.toml --format model-card >> README.md
        energybill report examples/noor.toml --out noor.csv
        energybill report examples/noor.toml --scenario france --samples 0 --out france.html
        energybill report examples/noor.toml --format eu-ai-act-json --out eu-ai-act.json
        energybill report examples/noor.toml --format boamps --out noor.boamps.json
    """
    chosen = fmt or (SUFFIXES.get(out.suffix.lower(), "html") if out else "html")
    pipe = Pipeline.open(file, existing_ledger(ledger))
    if out is not None:  # refused before the work, and checked again when written
        from energybill.cli.outputs import project_inputs
        from energybill.core.files import refuse_inputs, write_output

        inputs = project_inputs(file, pipe.raw, ledger)
        refuse_inputs(out, inputs)
    text = render_pipe(pipe, chosen, scenarios, samples, seed)
    if out is None:
        click.echo(text, nl=False)
        return
    write_output(out, text, inputs, what="the report")  # a temp file renamed into place: never half-written
    click.echo(f"wrote {out} ({chosen}, {len(text.encode()) / 1024:,.1f} KiB)", err=True)


def report_data(
    pipe: Pipeline,
    scenarios: tuple[str, ...] | None = (),
    samples: int = 0,
    seed: int = 0,
    advice: bool = True,
) -> ReportData:
    """The report data of a project: its bill with the measured runs of its ledger, and the what-if
    sections the file supports: its scenarios (or those named; None: no scenario section), p5–p95
    ranges from ``samples`` draws, and (with ``advice``) the recommendations."""
    from energybill.report import sections
    from energybill.report.data import build_report

    bill = pipe.measured_bill()
    wants_scenarios = scenarios is not None and (scenarios or pipe.raw.get("scenarios"))
    ranges = None
    if samples > 0 and pipe.has_ranges():
        ranges = sections.ranges(pipe.bill(), pipe.intervals(samples, seed))
    return build_report(
        bill,
        pipe.variant().project,
        pipe.sites(),
        scenarios=sections.scenario_rows(pipe.columns(scenarios or ())) if wants_scenarios else (),
        ranges=ranges,
        recommendations=tuple(pipe.recommendations()) if advice else (),
    )


def render(
    file: Path, fmt: str, scenarios: tuple[str, ...] = (), samples: int = 0, seed: int = 0
) -> str:
    """The report of ``file`` in format ``fmt`` (one of FORMATS), with the what-if sections the file
    supports: its scenarios (or those named), p5–p95 ranges from ``samples`` draws, recommendations."""
    return render_pipe(Pipeline.open(file), fmt, scenarios, samples, seed)


def render_pipe(
    pipe: Pipeline, fmt: str, scenarios: tuple[str, ...] = (), samples: int = 0, seed: int = 0
) -> str:
    """``render`` of an already opened project file."""
    data = report_data(pipe, scenarios, samples, seed)
    if fmt == "html":
        from energybill.report.html import render as render_html

        return render_html(data)
    if fmt == "markdown":
        from energybill.report.document import render as render_markdown

        return render_markdown(data)
    if fmt == "model-card":
        from energybill.report.model_card import render as render_card

        return render_card(data)
    if fmt in EXPORTS:
        from energybill.report import exports

        return exports.RENDERERS[fmt](data)
    from energybill.report.tabular import render_csv, render_json

    return render_json(data) if fmt == "json" else render_csv(data)
