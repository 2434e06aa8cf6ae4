"""The report as one self-contained HTML page: inline CSS and SVG, no script, no network.

Jinja2 renders it with autoescape on, so every string from the project file is text, never markup;
the SVG charts escape their own text (``energybill.report.svg``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from energybill.core.bill import Provenance
from energybill.core.units import kg_to_tonnes, kwh_to_mwh
from energybill.report.data import ReportData
from energybill.report.disclosure import summary
from energybill.report.document import factor, number
from energybill.report.numbers import amount, share
from energybill.report.rows import advice_detail

if TYPE_CHECKING:
    from jinja2 import Template


@dataclass(frozen=True)
class _Provenance:
    name: str
    records: tuple[Provenance, ...]


def render(data: ReportData) -> str:
    """The HTML page of ``data``."""
    from energybill.report import svg

    phase_colors = svg.colors([p.name for p in data.phases])
    charts = [
        _chart(data, svg, phase_colors, ("energy_kwh", "energy_share"), "Energy by phase", "kWh"),
        _chart(data, svg, phase_colors, ("co2e_kg", "co2e_share"), "CO2e by phase", "kg CO2e"),
    ]
    largest_item = max((i.co2e_kg for i in data.ranked), default=0.0)
    largest_scenario = max((s.co2e_kg for s in data.scenarios), default=0.0)
    return _template().render(
        d=data,
        disclosure=summary(data.disclosure, data.co2e_kg) if data.disclosure else [],
        water=data.disclosure is not None and data.disclosure.water_counted,
        charts=charts,
        phase_colors=phase_colors,
        item_bars={
            i.name: svg.hbar(
                i.co2e_kg, largest_item, phase_colors[i.phase], f"{i.name}: {amount(i.co2e_kg)} kg CO2e"
            )
            for i in data.ranked
        },
        scenario_bars=[
            svg.hbar(
                s.co2e_kg,
                largest_scenario,
                svg.PALETTE[0 if n == 0 else 2],
                f"{s.name}: {amount(s.co2e_kg)} kg CO2e",
            )
            for n, s in enumerate(data.scenarios)
        ],
        range_whiskers=_whiskers(data, svg),
        measured_bars=[_measured_bar(m, svg) for m in data.measured],
        measured_colors=(svg.PALETTE[4], svg.PALETTE[5]),
        provenance=[_Provenance(i.name, i.provenance) for i in data.ranked]
        + [_Provenance(e.name, e.provenance) for e in data.economics if not e.billed],
    )


def _chart(
    data: ReportData, svg: Any, colors: dict[str, str], keys: tuple[str, str], title: str, unit: str
) -> dict[str, str]:
    key, share_key = keys
    slices = [svg.Slice(p.name, getattr(p, key), colors[p.name]) for p in data.phases]
    total = kwh_to_mwh(data.energy_kwh) if key == "energy_kwh" else kg_to_tonnes(data.co2e_kg)
    center = f"{amount(total, 2)} {'MWh' if key == 'energy_kwh' else 't CO2e'}"
    chart = svg.donut(slices, title, unit, center=center)
    return {"key": key, "share": share_key, "title": title, "unit": unit, "svg": chart}


def _whiskers(data: ReportData, svg: Any) -> list[Any]:
    """One whisker per range row, energy rows scaled together and CO2e rows together."""
    if data.ranges is None:
        return []
    largest: dict[str, float] = {}
    for r in data.ranges.rows:
        largest[r.quantity] = max(largest.get(r.quantity, 0.0), r.p95, r.estimate)
    return [
        svg.whisker(
            r.p5,
            r.p50,
            r.p95,
            r.estimate,
            largest[r.quantity],
            f"{r.name}: p5 {amount(r.p5)}, p50 {amount(r.p50)}, p95 {amount(r.p95)}",
        )
        for r in data.ranges.rows
    ]


def _measured_bar(row: Any, svg: Any) -> Any:
    from markupsafe import Markup

    largest = max(row.estimated_energy_kwh, row.measured_energy_kwh)
    return Markup(
        svg.hbar(
            row.estimated_energy_kwh,
            largest,
            svg.PALETTE[4],
            f"estimated {amount(row.estimated_energy_kwh)} kWh",
        )
        + svg.hbar(
            row.measured_energy_kwh,
            largest,
            svg.PALETTE[5],
            f"measured {amount(row.measured_energy_kwh)} kWh",
        )
    )


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + amount(value)


@cache
def _template() -> Template:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("energybill.report", "templates"),
        autoescape=True,  # every .j2 and the included CSS: project strings are text
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        mwh=kwh_to_mwh,
        tonnes=kg_to_tonnes,
        amount=amount,
        share=share,
        repr=repr,
        signed=_signed,
        input=number,
        factor=factor,
        advice_detail=advice_detail,
    )
    return env.get_template("report.html.j2")
