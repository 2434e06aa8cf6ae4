"""The report as data: JSON (the bill's JSON contract plus the report's sections) and CSV.

Floats are written with ``repr`` (json and csv both do), so reading them back gives the bill's
numbers exactly.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from energybill.core.jsontext import dumps
from energybill.report.data import MeasuredRow, PhaseRow, ReportData
from energybill.report.escape import csv as csv_escape
from energybill.report.rows import advice_detail
from energybill.whatif.recommend import Recommendation

CSV_COLUMNS = (
    "record", "rank", "phase", "name", "kind", "site",
    "energy_kwh", "co2e_kg", "energy_share", "co2e_share",
    "co2e_market_kg", "water_l", "cost", "currency", "boundary",
)  # fmt: skip


def to_dict(data: ReportData) -> dict[str, Any]:
    """The bill's JSON object (items, phases, totals) with a ``report`` object of what the report adds."""
    out = data.bill.to_dict()
    out["report"] = {
        "equivalents": [asdict(e) for e in data.equivalents],
        "ranking": [row.name for row in data.ranked],
        "sites": [asdict(s) for s in data.sites],
        "defaults_used": list(data.defaults),
        "training": _training(data),
        "scenarios": [asdict(s) for s in data.scenarios],
        "ranges": _ranges(data),
        "measured": [_measured(m) for m in data.measured],
        "recommendations": [_recommendation(r) for r in data.recommendations],
        "disclosure": asdict(data.disclosure) if data.disclosure is not None else None,
        "unbilled": [{"reason": reason, "items": list(names)} for reason, names in data.unbilled_reasons],
    }
    return out


def _ranges(data: ReportData) -> dict[str, Any] | None:
    """The phase and total rows (every item's percentiles are in the bill's ``--samples`` JSON)."""
    if data.ranges is None:
        return None
    r = data.ranges
    return {"samples": r.samples, "method": r.method, "rows": [asdict(row) for row in r.rows]}


def _measured(m: MeasuredRow) -> dict[str, Any]:
    return {
        "name": m.name,
        "estimated_energy_kwh": m.estimated_energy_kwh if m.has_estimate else None,  # only measured
        "measured_energy_kwh": m.measured_energy_kwh,
        "method": m.method,
        "runs": m.runs,
        "ratio": m.ratio if m.change is not None else None,
    }


def _recommendation(r: Recommendation) -> dict[str, Any]:
    return {
        "title": r.practice,
        "detail": advice_detail(r),
        "saving_energy_kwh": r.energy_kwh_saved,
        "saving_co2e_kg": r.co2e_kg_saved,
    }


def render_json(data: ReportData) -> str:
    """JSON text of ``to_dict``."""
    return dumps(to_dict(data)) + "\n"


def render_csv(data: ReportData) -> str:
    """One row per phase, per item (ranked by CO2e) and for the total; unbilled items last, empty numbers."""
    out = [csv_escape.row(CSV_COLUMNS)]
    d = data.disclosure
    water = d is not None and d.water_counted
    currency = d.currency if d is not None else None
    for p in data.phases:
        out.append(
            _row(
                *("phase", "", p.name, p.name, "", ""),
                *(p.energy_kwh, p.co2e_kg, p.energy_share, p.co2e_share, p.co2e_market_kg),
                *(_water(p) if water else None, p.cost if currency else None, currency, None),
            )
        )
    for i in data.ranked:
        out.append(
            _row(
                *("item", i.rank, i.phase, i.name, i.kind, i.site),
                *(i.energy_kwh, i.co2e_kg, i.energy_share, i.co2e_share, i.co2e_market_kg),
                *(i.water_l, i.cost, currency if i.cost is not None else None, i.boundary),
            )
        )
    out.append(
        _row(
            *("total", "", "", "Total", "", "", data.energy_kwh, data.co2e_kg, 1.0, 1.0),
            *(d.co2e_market_kg if d else data.co2e_kg, d.water_l if d and water else None),
            *(d.cost if d else None, currency, d.boundary if d else None),
        )
    )
    for item in data.bill.items:
        if not item.billed:
            out.append(_row("unbilled", "", item.phase, item.name, item.kind, item.site, *([None] * 9)))
    return "".join(out)


def _row(*values: Any) -> str:
    """One CSV line (text cells neutralised against formula injection: report/escape/csv.py)."""
    assert len(values) == len(CSV_COLUMNS)
    return csv_escape.row(values)


def _training(data: ReportData) -> dict[str, Any] | None:
    if data.training is None:
        return None
    summary = asdict(data.training)
    summary["sites"] = [site.name for site in data.training.sites]
    return summary


def _water(p: PhaseRow) -> float | None:
    """A phase's litres; None (an empty cell) when none of its items counts water."""
    return None if all(i.water_l is None for i in p.items) else p.water_l
