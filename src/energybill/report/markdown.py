"""The bill as Markdown tables, for a paper's appendix or a repository."""

from __future__ import annotations

from energybill.core.bill import Bill
from energybill.core.units import kg_to_tonnes, kwh_to_mwh
from energybill.report.assumptions import catalog_values
from energybill.report.numbers import amount, share
from energybill.report.rows import defaults_used, economics, phase_groups


def render(bill: Bill) -> str:
    """Markdown text of the bill."""
    out = [
        f"# {cell(bill.project)} — energy bill and carbon footprint",
        "",
        "| Phase / item | Site | Energy (kWh) | Share | CO2e (kg) | Share |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for group in phase_groups(bill):
        phase = group.total
        out.append(
            f"| **{cell(group.name)}** | | **{amount(phase.energy_kwh)}** | {share(phase.energy_share)} "
            f"| **{amount(phase.co2e_kg)}** | {share(phase.co2e_share)} |"
        )
        for item in group.items:
            out.append(
                f"| {cell(item.name)} | {cell(item.site or '')} | {amount(item.energy_kwh)} | "
                f"| {amount(item.co2e_kg)} | |"
            )
    totals = bill.totals
    out.append(f"| **Total** | | **{amount(totals.energy_kwh)}** | | **{amount(totals.co2e_kg)}** | |")
    mwh, tonnes = amount(kwh_to_mwh(totals.energy_kwh), 2), amount(kg_to_tonnes(totals.co2e_kg), 2)
    out += ["", f"Total: {mwh} MWh and {tonnes} t CO2e."]
    for item in bill.items:
        if item.kind == "inference":
            out += ["", f"## Inference economics — {cell(item.name)}", "", "| | |", "|---|---|"]
            out += [f"| {label} | {cell(value)} |" for label, value in economics(item)]
    defaults = defaults_used(bill)
    if defaults:
        out += ["", "Defaults used:", ""] + [f"- {cell(line)}" for line in defaults]
    values = catalog_values(bill)
    if values:
        out += ["", "Catalog values used (source and year):", ""] + [f"- {cell(line)}" for line in values]
    return "\n".join(out) + "\n"


def cell(text: object) -> str:
    """Text for a Markdown table cell: no pipe, backslash, line break or markup can break out of it."""
    value = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return value.replace("<", "&lt;").replace(">", "&gt;")
