"""The report as Markdown: the same content as the HTML page, as tables for a paper or a repository."""

from __future__ import annotations

from energybill.core.bill import Provenance
from energybill.core.units import kg_to_tonnes, kwh_to_mwh
from energybill.report.data import MeasuredRow, PhaseRow, ReportData
from energybill.report.disclosure import summary
from energybill.report.markdown import cell
from energybill.report.measured import development_lines
from energybill.report.numbers import amount, share, signed
from energybill.report.rows import advice_detail


def factor(value: float) -> str:
    """A published factor with its significant digits: ``10,715``, ``1,466.8``."""
    return f"{value:,.6g}"


def render(data: ReportData) -> str:
    """The whole report as Markdown."""
    out = _header(data)
    out += ["", "| Everyday equivalent | Factor | Source |", "|---|--:|---|"]
    out += [
        row(
            f"≈ {amount(e.value)} {cell(e.unit)}", f"{factor(e.factor)} {cell(e.factor_unit)}", cell(e.source)
        )
        for e in data.equivalents
    ]
    out += _phases(data)
    for section in (_scenarios, _ranges, _measured, _recommendations, _sites, _economics, _provenance):
        out += section(data)
    return "\n".join(out) + "\n"


def render_bill(data: ReportData) -> str:
    """``energybill bill --format markdown``: the report's sections the bill shows, rendered by the
    same functions (so a table in both is the same text), then the bill's own lists.

    Left out: everyday equivalents, scenarios and the per-number provenance (the report's); added:
    the overrides the bill is of, the p5–p95 of every item and the catalog values used."""
    out = _header(data)
    if data.label is not None:
        out += ["", f"Scenario: {cell(data.label)}."]
    out += _phases(data)
    for section in (_measured, _ranges, _item_ranges, _recommendations, _sites, _economics):
        out += section(data)
    out += _list("Defaults used", data.defaults)
    out += _list("Catalog values used (source and year)", data.catalog)
    return "\n".join(out) + "\n"


def _header(data: ReportData) -> list[str]:
    """The title, the project's description and the totals."""
    out = [f"# {cell(data.project)} — energy bill and carbon footprint", ""]
    if data.description:
        out += [cell(data.description), ""]
    out.append(
        f"**Total: {amount(data.energy_kwh)} kWh ({amount(kwh_to_mwh(data.energy_kwh), 2)} MWh) and "
        f"{amount(data.co2e_kg)} kg CO2e ({amount(kg_to_tonnes(data.co2e_kg), 2)} t).**"
    )
    if data.disclosure is not None:
        out.append("")
        out += [f"- **{label}:** {cell(text)}" for label, text in summary(data.disclosure, data.co2e_kg)]
    return out


def _phases(data: ReportData) -> list[str]:
    """The phase table and the items ranked by CO2e."""
    phases = ["", "## Energy and CO2e by phase", "", *phase_table(data)]
    return [*phases, "", "## Items ranked by CO2e", "", *_ranked(data)]


def phase_water(p: PhaseRow) -> str:
    """A phase's litres, or "not counted" when none of its items counts water (travel, embodied)."""
    return "not counted" if all(i.water_l is None for i in p.items) else amount(p.water_l)


def money(value: float | None, currency: str | None) -> str:
    """``1,234.50 EUR``; an em dash when not priced."""
    return "—" if value is None else f"{amount(value, 2)} {cell(currency or '')}"


def _list(title: str, lines: tuple[str, ...]) -> list[str]:
    return ["", f"## {title}", "", *(f"- {cell(line)}" for line in lines)] if lines else []


def number(value: float | str) -> str:
    """A provenance input as a reader redoes the sum: 10 significant digits (``32500``, ``1.17e+22``);
    the JSON report keeps every digit."""
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def row(*cells: str) -> str:
    """A Markdown table row of cells already escaped."""
    return "| " + " | ".join(cells) + " |"


def phase_table(data: ReportData) -> list[str]:
    """Phases with their totals and shares, and the project's total."""
    water = data.disclosure is not None and data.disclosure.water_counted
    out = [
        "| Phase | Energy (kWh) | Share | CO2e (kg) | Share | CO2e market-based (kg) | Water (L) |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    out += [
        f"| {cell(p.name)} | {amount(p.energy_kwh)} | {share(p.energy_share)} | {amount(p.co2e_kg)} "
        f"| {share(p.co2e_share)} | {amount(p.co2e_market_kg)} "
        f"| {phase_water(p) if water else 'not known'} |"
        for p in data.phases
    ]
    out.append(
        row(
            "**Total**",
            f"**{amount(data.energy_kwh)}**",
            share(1.0),
            f"**{amount(data.co2e_kg)}**",
            share(1.0),
            f"**{amount(data.disclosure.co2e_market_kg if data.disclosure else data.co2e_kg)}**",
            f"**{amount(data.disclosure.water_l)}**" if data.disclosure and water else "not known",
        )
    )
    return out


def _ranked(data: ReportData) -> list[str]:
    out = [
        "| # | Item | Phase | Site | Energy (kWh) | CO2e (kg) | Share of CO2e | CO2e market-based (kg) "
        "| Water (L) | Cost | Boundary |",
        "|--:|---|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    currency = data.disclosure.currency if data.disclosure else None
    out += [
        f"| {i.rank} | {cell(i.name)} | {cell(i.phase)} | {cell(i.site or '')} | {amount(i.energy_kwh)} "
        f"| {amount(i.co2e_kg)} | {share(i.co2e_share)} | {amount(i.co2e_market_kg)} "
        f"| {'not counted' if i.water_l is None else amount(i.water_l)} "
        f"| {money(i.cost, currency)} | {cell(i.boundary or '—')} |"
        for i in data.ranked
    ]
    for reason, names in data.unbilled_reasons:
        out += ["", f"Not in the totals ({cell(reason)}): {', '.join(cell(name) for name in names)}."]
    return out


def _scenarios(data: ReportData) -> list[str]:
    if not data.scenarios:
        return []
    base = data.scenarios[0]
    out = [
        "",
        "## Scenarios",
        "",
        "| Scenario | Energy (kWh) | CO2e (kg) | CO2e vs. baseline |",
        "|---|--:|--:|--:|",
    ]
    for n, s in enumerate(data.scenarios):
        delta = "baseline" if n == 0 else signed(s.co2e_kg - base.co2e_kg)
        out.append(
            row(f"{cell(s.name)}: {cell(s.description)}", amount(s.energy_kwh), amount(s.co2e_kg), delta)
        )
    return out


def _ranges(data: ReportData) -> list[str]:
    if data.ranges is None:
        return []
    out = [
        "",
        "## Uncertainty: p5–p95",
        "",
        f"{data.ranges.samples:,} samples; {cell(data.ranges.method)}.",
        "",
    ]
    out += ["| Quantity | p5 | p50 | p95 | Estimate |", "|---|--:|--:|--:|--:|"]
    for r in data.ranges.rows:
        unit = "kWh" if r.quantity == "energy_kwh" else "kg CO2e"
        out.append(row(f"{cell(r.name)} ({unit})", *(amount(v) for v in (r.p5, r.p50, r.p95, r.estimate))))
    return out


def _item_ranges(data: ReportData) -> list[str]:
    """The bill's p5–p95 of every billed item (phase order), in the table of ``_ranges``."""
    intervals = data.ranges.intervals if data.ranges is not None else None
    if intervals is None:
        return []
    out = ["", "## Uncertainty of each item: p5–p95", ""]
    out += ["| Quantity | p5 | p50 | p95 | Estimate |", "|---|--:|--:|--:|--:|"]
    for phase in data.phases:
        for item in phase.items:
            cells = intervals.items.get(item.name, {})
            for quantity, unit in (("energy_kwh", "kWh"), ("co2e_kg", "kg CO2e")):
                if (c := cells.get(quantity)) is not None:
                    values = (c["p5"], c["p50"], c["p95"], getattr(item, quantity))
                    out.append(row(f"{cell(item.name)} ({unit})", *(amount(v) for v in values)))
    return out


def _development(data: ReportData) -> list[str]:
    lines = development_lines(data.bill.development)
    if not lines:
        return []
    return ["", "## Development share", "", *(cell(line) + "  " for line in lines)]


def _measured(data: ReportData) -> list[str]:
    if not data.measured:
        return _development(data)
    out = ["", "## Estimate vs. measured", ""]
    out += [
        "| Item | Estimated (kWh) | Measured (kWh) | Measured / estimated | Method |",
        "|---|--:|--:|--:|---|",
    ]
    out += [
        row(
            cell(m.name),
            amount(m.estimated_energy_kwh if m.has_estimate else None),
            amount(m.measured_energy_kwh),
            measured_ratio(m),
            f"{cell(m.method)} ({m.runs} run{'s' if m.runs != 1 else ''})",
        )
        for m in data.measured
    ]
    return out + _development(data)


def measured_ratio(m: MeasuredRow) -> str:
    """``1.09×``; "only measured" for an item with no estimate to compare with."""
    return f"{amount(m.ratio, 2)}×" if m.change is not None else "only measured"


def _recommendations(data: ReportData) -> list[str]:
    if not data.recommendations:
        return []
    out = ["", "## Recommendations", ""]
    out += [
        f"{n}. **{cell(r.practice)}** — saves {amount(r.co2e_kg_saved)} kg CO2e and "
        f"{amount(r.energy_kwh_saved)} kWh. {cell(advice_detail(r))}"
        for n, r in enumerate(data.recommendations, start=1)
    ]
    return out


def _sites(data: ReportData) -> list[str]:
    out = ["", "## Sites and their assumptions", ""]
    out += [
        "| Site | PUE | Grid (g CO2e/kWh) | Market-based (g CO2e/kWh) | WUE (L/kWh) | Grid water (L/kWh) "
        "| Price per kWh | Year | Sources |",
        "|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for s in data.sites:
        name = f"**{cell(s.name)}**" + (f": {cell(s.description)}" if s.description else "")
        sources = (
            f"PUE: {cell(s.pue_source)}; intensity: {cell(s.intensity_source)}; "
            f"market-based: {cell(s.market_source)}; water: {cell(s.water_source)}"
        )
        intensity = amount(s.carbon_intensity_g_per_kwh, 0)
        price = "—" if s.price_per_kwh is None else f"{s.price_per_kwh:g} {cell(s.currency or '')}"
        out.append(
            row(
                name,
                amount(s.pue, 2),
                intensity,
                amount(s.market_g_per_kwh, 0),
                f"{s.wue_l_per_kwh:g}",
                f"{s.grid_water_l_per_kwh:g}",
                price,
                str(s.year or "—"),
                sources,
            )
        )
    return out


def _economics(data: ReportData) -> list[str]:
    out: list[str] = []
    for e in data.economics:
        out += ["", f"## Inference economics — {cell(e.name)}", "", "| | |", "|---|---|"]
        out += [f"| {cell(label)} | {cell(value)} |" for label, value in e.lines]
    return out


def _provenance(data: ReportData) -> list[str]:
    out = ["", "## Where each number comes from"]
    rows = [(i.name, i.provenance) for i in data.ranked] + [
        (e.name, e.provenance) for e in data.economics if not e.billed
    ]
    for name, records in rows:
        out += ["", f"### {cell(name)}", "", "| Quantity | Formula | Inputs | Source |", "|---|---|---|---|"]
        out += [_provenance_row(p) for p in records]
    if data.defaults:
        out += ["", "### Defaults used", ""] + [f"- {cell(line)}" for line in data.defaults]
    return out


def _provenance_row(p: Provenance) -> str:
    inputs = ", ".join(f"{k} = {number(v)}" for k, v in p.inputs.items())
    return f"| {cell(p.quantity)} | `{cell(p.formula)}` | {cell(inputs)} | {cell(p.source)} |"
