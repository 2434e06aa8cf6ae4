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
from energybill.report.document import factor, measured_ratio, number
from energybill.report.measured import development_lines
from energybill.report.numbers import amount, share, signed
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
    baseline = data.scenarios[0].co2e_kg if data.scenarios else 0.0
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
                svg.BASELINE_COLOR if n == 0 else svg.change_color(s.co2e_kg, baseline),
                f"{s.name}: {amount(s.co2e_kg)} kg CO2e"
                + ("" if n == 0 else f" ({signed(s.co2e_kg - baseline)} against the baseline)"),
            )
            for n, s in enumerate(data.scenarios)
        ],
        range_whiskers=_whiskers(data, svg),
        measured_bars=[_measured_bar(m, svg) for m in data.measured],
        measured_colors=svg.MEASURED_COLORS,
        scenario_colors=(svg.BASELINE_COLOR, svg.SAVING_COLOR, svg.COSTLIER_COLOR),
        development=development_lines(data.bill.development),
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
    """One whisker per range row, each on its own scale (0 to the row's p95 or estimate): a phase
    of 1 % of the total still shows its spread."""
    if data.ranges is None:
        return []
    return [
        svg.whisker(
            r.p5,
            r.p50,
            r.p95,
            r.estimate,
            f"{r.name}: p5 {amount(r.p5)}, p50 {amount(r.p50)}, p95 {amount(r.p95)} "
            f"(scale 0 to {amount(max(r.p95, r.estimate))})",
        )
        for r in data.ranges.rows
    ]


def _measured_bar(row: Any, svg: Any) -> Any:
    """The estimate's bar over the measurement's, on one scale; the measurement alone for an item
    that is only measured (no estimate bar of zero)."""
    from markupsafe import Markup

    largest = max(row.estimated_energy_kwh, row.measured_energy_kwh)
    estimated_color, measured_color = svg.MEASURED_COLORS
    kwh = row.measured_energy_kwh
    measured = svg.hbar(kwh, largest, measured_color, f"measured {amount(kwh)} kWh")
    if not row.has_estimate:
        return measured
    kwh = row.estimated_energy_kwh
    return Markup(svg.hbar(kwh, largest, estimated_color, f"estimated {amount(kwh)} kWh") + measured)


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
        signed=signed,
        measured_ratio=measured_ratio,
        input=number,
        factor=factor,
        advice_detail=advice_detail,
    )
    return env.get_template("report.html.j2")
