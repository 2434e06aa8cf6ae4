"""The report as data: JSON (the bill's JSON contract plus the report's sections) and CSV.

Floats are written with ``repr`` (json and csv both do), so reading them back gives the bill's
numbers exactly.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from energybill.core.jsontext import dumps
from energybill.report.data import ReportData

CSV_COLUMNS = (
    "record", "rank", "phase", "name", "kind", "site",
    "energy_kwh", "co2e_kg", "energy_share", "co2e_share",
)  # fmt: skip


def to_dict(data: ReportData) -> dict[str, Any]:
    """The bill's JSON object (DESIGN.md) with a ``report`` object of what the report adds."""
    out = data.bill.to_dict()
    out["report"] = {
        "equivalents": [asdict(e) for e in data.equivalents],
        "ranking": [row.name for row in data.ranked],
        "sites": [asdict(s) for s in data.sites],
        "defaults_used": list(data.defaults),
        "training": _training(data),
        "scenarios": [asdict(s) for s in data.scenarios],
        "ranges": asdict(data.ranges) if data.ranges else None,
        "measured": [{**asdict(m), "ratio": m.ratio} for m in data.measured],
        "recommendations": [asdict(r) for r in data.recommendations],
    }
    return out


def render_json(data: ReportData) -> str:
    """JSON text of ``to_dict``."""
    return dumps(to_dict(data)) + "\n"


def render_csv(data: ReportData) -> str:
    """One row per phase, per item (ranked by CO2e) and for the total; unbilled items last, empty numbers."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p in data.phases:
        writer.writerow(
            _row("phase", "", p.name, p.name, "", "", p.energy_kwh, p.co2e_kg, p.energy_share, p.co2e_share)
        )
    for i in data.ranked:
        writer.writerow(
            _row(
                "item",
                i.rank,
                i.phase,
                i.name,
                i.kind,
                i.site,
                i.energy_kwh,
                i.co2e_kg,
                i.energy_share,
                i.co2e_share,
            )
        )
    writer.writerow(_row("total", "", "", "Total", "", "", data.energy_kwh, data.co2e_kg, 1.0, 1.0))
    for item in data.bill.items:
        if not item.billed:
            writer.writerow(
                _row("unbilled", "", item.phase, item.name, item.kind, item.site, None, None, None, None)
            )
    return buffer.getvalue()


def _row(*values: Any) -> dict[str, Any]:
    return {key: "" if value is None else value for key, value in zip(CSV_COLUMNS, values, strict=True)}


def _training(data: ReportData) -> dict[str, Any] | None:
    if data.training is None:
        return None
    summary = asdict(data.training)
    summary["sites"] = [site.name for site in data.training.sites]
    return summary
