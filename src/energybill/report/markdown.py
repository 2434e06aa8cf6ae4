"""The bill as Markdown tables, for a paper's appendix or a repository."""

from __future__ import annotations

from energybill.bill import Bill
from energybill.report.assumptions import catalog_values
from energybill.report.numbers import amount, share
from energybill.report.rows import defaults_used, economics, phase_groups


def render(bill: Bill) -> str:
    """Markdown text of the bill."""
    out = [
        f"# {_cell(bill.project)} — energy bill and carbon footprint",
        "",
        "| Phase / item | Site | Energy (kWh) | Share | CO2e (kg) | Share |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for group in phase_groups(bill):
        phase = group.total
        out.append(
            f"| **{_cell(group.name)}** | | **{amount(phase.energy_kwh)}** | {share(phase.energy_share)} "
            f"| **{amount(phase.co2e_kg)}** | {share(phase.co2e_share)} |"
        )
        for item in group.items:
            out.append(
                f"| {_cell(item.name)} | {_cell(item.site or '')} | {amount(item.energy_kwh)} | "
                f"| {amount(item.co2e_kg)} | |"
            )
    totals = bill.totals
    out.append(f"| **Total** | | **{amount(totals.energy_kwh)}** | | **{amount(totals.co2e_kg)}** | |")
    out += [
        "",
        f"Total: {amount(totals.energy_kwh / 1000, 2)} MWh and {amount(totals.co2e_kg / 1000, 2)} t CO2e.",
    ]
    for item in bill.items:
        if item.kind == "inference":
            out += ["", f"## Inference economics — {_cell(item.name)}", "", "| | |", "|---|---|"]
            out += [f"| {label} | {_cell(value)} |" for label, value in economics(item)]
    defaults = defaults_used(bill)
    if defaults:
        out += ["", "Defaults used:", ""] + [f"- {_cell(line)}" for line in defaults]
    values = catalog_values(bill)
    if values:
        out += ["", "Catalog values used (source and year):", ""] + [f"- {_cell(line)}" for line in values]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    """Escape what would break a Markdown table or inject markup."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
