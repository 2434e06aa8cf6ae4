"""``energybill report``: the bill as a page people read (HTML), Markdown, a model card, JSON or CSV."""

from __future__ import annotations

from pathlib import Path

import click

from energybill.report.errors import ReportError

FORMATS = ("html", "markdown", "model-card", "json", "csv")
# --out's suffix picks the format when --format is not given.
SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".json": "json", ".csv": "csv"}


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="html (default, or from --out's suffix: .html .md .json .csv): one self-contained page with "
    "charts; markdown: the same as tables, for a paper; model-card: the Hugging Face environmental-impact "
    "section and the phase table; json: the bill's JSON plus the report's sections; "
    "csv: phases, items, total.",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    metavar="NAME",
    help="Compare with a what-if scenario (repeatable). Not available in this version: it exits with code 2.",
)
def report(file: Path, fmt: str | None, out: Path | None, scenarios: tuple[str, ...]) -> None:
    """Write the report of a project file: totals with everyday equivalents, energy and CO2e by phase,
    items ranked, sites and their sources, inference economics, and where every number comes from.

    \b
    Examples:
        energybill report examples/noor.toml --out noor.html
        energybill report examples/noor.toml --format markdown > BILL.md
        energybill report examples/noor.toml --format model-card >> README.md
        energybill report examples/noor.toml --out noor.csv
    """
    if scenarios:
        raise ReportError(f"--scenario {scenarios[0]}: scenarios are not available in this version")
    chosen = fmt or (SUFFIXES.get(out.suffix.lower(), "html") if out else "html")
    text = render(file, chosen)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{out}: cannot write the report: {exc.strerror}") from None
    click.echo(f"wrote {out} ({chosen}, {len(text.encode()) / 1024:,.1f} KiB)", err=True)


def render(file: Path, fmt: str) -> str:
    """The report of ``file`` in format ``fmt`` (one of FORMATS)."""
    from energybill.estimate.engine import estimate
    from energybill.estimate.measured import attach_measurements
    from energybill.project.load import load_project
    from energybill.report.data import build_report
    from energybill.report.measured import report_rows

    project = load_project(file)
    bill = attach_measurements(estimate(project), project, file)
    data = build_report(bill, project, measured=report_rows(bill))
    if fmt == "html":
        from energybill.report.html import render as render_html

        return render_html(data)
    if fmt == "markdown":
        from energybill.report.document import render as render_markdown

        return render_markdown(data)
    if fmt == "model-card":
        from energybill.report.model_card import render as render_card

        return render_card(data)
    from energybill.report.tabular import render_csv, render_json

    return render_json(data) if fmt == "json" else render_csv(data)
