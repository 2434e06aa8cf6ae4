"""The report model of ``energybill bill``: the bill of a variant (scenarios and overrides) with its
measured runs, its Monte Carlo intervals and its recommendations, built once and rendered in every
format (terminal, Markdown, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from energybill.pipeline import Pipeline
from energybill.report.data import ReportData


def bill_data(
    file: Path,
    scenarios: tuple[str, ...] = (),
    sets: tuple[str, ...] = (),
    relocate: str | None = None,
    samples: int | None = None,
    seed: int | None = None,
    advice: bool = True,
    ledger: str | None = None,
) -> ReportData:
    """Load FILE, apply the overrides, bill it with its measured runs attached, sample it (with
    ``samples``) and, with ``advice``, work out the recommendations (the formats that show them)."""
    from energybill.report import sections
    from energybill.report.data import build_report

    pipe = Pipeline.open(file, ledger)
    overrides = pipe.overrides(scenarios, sets, relocate)
    ranges = None
    if samples is not None:
        ranges = sections.ranges(pipe.bill(overrides), pipe.intervals(samples, seed, overrides))
    return build_report(
        pipe.measured_bill(overrides),  # measured runs, if a ledger exists
        pipe.variant(overrides).project,
        pipe.sites(overrides),
        ranges=ranges,
        recommendations=tuple(pipe.recommendations(overrides)) if advice else (),
        label=" + ".join(overrides.labels) or None,
        everyday=False,  # the report's section: no format of the bill shows it
    )


def bill_json(data: ReportData) -> dict[str, Any]:
    """DESIGN.md's JSON object; ``intervals`` only with --samples, ``scenario`` only with overrides."""
    out = data.bill.to_dict()
    if data.label is not None:
        out["scenario"] = data.label
    if data.ranges is not None and data.ranges.intervals is not None:
        out["intervals"] = data.ranges.intervals.to_dict()
    return out
