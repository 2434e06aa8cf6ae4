"""Rendering the Noor HTML report beside the plain bill, in process and as cold CLI commands.

    python bench/report_render.py [--runs 5]

In process: the median wall time of (a) load + estimate (the plain bill), (b) the same plus
building the ReportData and rendering the HTML page; the first HTML render also compiles the
Jinja2 template, so it is timed on its own. Cold CLI: fresh interpreters running
`energybill bill` and `energybill report --out`. Target: the Noor HTML report under 1 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from timing import median_command_seconds, median_seconds  # bench/timing.py

ROOT = Path(__file__).resolve().parents[1]
NOOR = ROOT / "examples" / "noor.toml"


def in_process(runs: int) -> dict[str, float]:
    from energybill.estimate.engine import estimate
    from energybill.estimate.site import site_contexts
    from energybill.project.load import load_project
    from energybill.report.data import build_report
    from energybill.report.html import render

    def bill() -> object:
        return estimate(load_project(NOOR))

    def page() -> str:
        project = load_project(NOOR)
        return render(build_report(estimate(project), project, site_contexts(project)))

    first = median_seconds(page, 1)  # compiles and caches the template
    return {
        "bill: load + estimate": median_seconds(bill, runs),
        "HTML report, first render (template compile)": first,
        "HTML report: load + estimate + ReportData + render": median_seconds(page, runs),
    }


def cold_cli(runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "noor.html")
        commands = {
            "energybill bill examples/noor.toml": ["bill", str(NOOR)],
            "energybill report examples/noor.toml --out noor.html": ["report", str(NOOR), "--out", out],
        }
        return {
            name: median_command_seconds([sys.executable, "-m", "energybill", *args], runs)
            for name, args in commands.items()
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = {**in_process(args.runs), **cold_cli(args.runs)}
    base = results["bill: load + estimate"]
    print(f"{'what (median of ' + str(args.runs) + ')':<58} {'seconds':>8} {'× bill':>8}")
    for name, seconds in results.items():
        print(f"{name:<58} {seconds:>8.4f} {seconds / base:>8.1f}")
    cli = results["energybill report examples/noor.toml --out noor.html"]
    print(
        f"\ntarget < 1 s for the Noor HTML report: {'met' if cli < 1 else 'MISSED'} ({cli:.3f} s, cold CLI)"
    )


if __name__ == "__main__":
    main()
