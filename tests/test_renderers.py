"""One report model, one renderer family: ``energybill bill`` in every format and ``energybill report``
render the same ``ReportData``, so a section the bill's Markdown shares with the report's is the
same text, byte for byte (issue 11, point 4)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from tests.conftest import EXAMPLES, run_cli
from tests.report_helpers import full_report

from energybill.report import data as report_data
from energybill.report import measured as measured_module
from energybill.report.document import render, render_bill
from energybill.whatif.recommend import Recommendation

# What the bill's Markdown shows of the report (the report adds equivalents, scenarios, provenance).
SHARED = (
    "## Energy and CO2e by phase",
    "## Items ranked by CO2e",
    "## Uncertainty: p5–p95",
    "## Recommendations",
    "## Sites and their assumptions",
)


def sections(markdown: str) -> dict[str, str]:
    """Each ``## `` section's text (heading to the next heading), keyed by its heading."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = out.setdefault(line, [])
        if current is not None:
            current.append(line)
    return {heading: "\n".join(lines).rstrip("\n") for heading, lines in out.items()}


def assert_shared_sections_agree(bill: str, report: str, expected: tuple[str, ...]) -> None:
    ours, theirs = sections(bill), sections(report)
    shared = ours.keys() & theirs.keys()
    assert set(expected) <= shared, set(expected) - shared
    for heading in shared:
        assert ours[heading] == theirs[heading], heading
        tables = [line for line in ours[heading].splitlines() if line.startswith(("|", "1. "))]
        assert tables, heading  # a section with rows, not only a heading


@pytest.mark.parametrize("example", ["noor.toml", "noor-catalog.toml", "bloom.toml"])
def test_bill_and_report_markdown_agree_on_every_shared_table(example: str) -> None:
    path = str(EXAMPLES / example)
    options = ("--format", "markdown", "--samples", "2000", "--seed", "0")
    bill, report = run_cli("bill", path, *options), run_cli("report", path, *options)
    assert bill.returncode == 0 and report.returncode == 0, bill.stderr + report.stderr
    ranged = "## Uncertainty: p5–p95" in report.stdout
    expected = tuple(h for h in SHARED if ranged or "Uncertainty" not in h)
    expected += tuple(h for h in sections(report.stdout) if h.startswith("## Inference economics"))
    assert_shared_sections_agree(bill.stdout, report.stdout, expected)


def test_every_optional_section_agrees() -> None:
    """Measured runs, ranges and recommendations (made up) in both renderings of one model."""
    data = full_report()
    expected = (*SHARED, "## Estimate vs. measured")
    assert_shared_sections_agree(render_bill(data), render(data), expected)


def test_bill_markdown_adds_its_own_sections_only() -> None:
    data = replace(full_report(), label="france", catalog=("OWID 2024: France 41.44 g/kWh",))
    bill, report = render_bill(data), render(data)
    assert "Scenario: france." in bill and "Scenario: france." not in report
    assert "## Catalog values used (source and year)" in bill
    for heading in ("## Scenarios", "## Where each number comes from", "Everyday equivalent"):
        assert heading in report and heading not in bill


def test_one_measured_row_and_one_recommendation_type() -> None:
    assert not hasattr(measured_module, "report_rows")
    assert measured_module.MeasuredRow is report_data.MeasuredRow
    assert report_data.Recommendation is Recommendation
    row = report_data.MeasuredRow("x", 2.0, 2.5, "RAPL", 2, run_ids="a, b")
    assert (row.ratio, row.difference_kwh, row.change) == (1.25, 0.5, 0.25)
    only = report_data.MeasuredRow("y", 0.0, 2.5, "RAPL", 1, has_estimate=False)
    assert (only.ratio, only.difference_kwh, only.change) == (0.0, None, None)


def test_terminal_renders_the_model() -> None:
    from rich.console import Console

    from energybill.report.terminal import render as render_terminal

    data = full_report()
    measured = report_data.MeasuredRow("Noor 13B", 22_912.5, 25_000.0, "NVML", 3, run_ids="r1, r2, r3")
    out = io.StringIO()
    render_terminal(replace(data, measured=(measured,), label="france"), Console(file=out, width=160))
    text = out.getvalue()
    for expected in ("Estimated and measured", "2,087.5 (+9.1 %)", "r1, r2, r3", "Scenario: france",
                     "Train where the grid is clean", "Inference economics — Noor 13B serving"):
        assert expected in text, expected


def test_the_bill_model_leaves_out_the_reports_equivalents() -> None:
    """Their factors come from the catalog (airports, flights): a bill, which does not show them,
    never reads those tables; the Markdown bill of Noor reads only what its clean-grid advice needs."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys, io, contextlib\nfrom energybill.cli.main import main\n"
        "sys.argv = ['energybill', 'bill', 'examples/noor.toml', '--format', 'markdown']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    main()\n"
    )
    code += "from energybill.catalog import tables\nprint(','.join(sorted(tables.loaded())))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip().splitlines()[-1] == "grid,sources,water", result.stderr  # + Noor's water
