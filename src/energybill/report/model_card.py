"""The environmental-impact section of a Hugging Face model card, then the full phase table.

The bullet list follows the Hub's model-card template ("Hardware Type, Hours used, Cloud Provider,
Compute Region, Carbon Emitted", from Lacoste et al. 2019's ML CO2 Impact calculator); the YAML
block is the Hub's ``co2_eq_emissions`` metadata, whose ``emissions`` is in grams
(https://huggingface.co/docs/hub/model-cards-co2).
"""

from __future__ import annotations

from energybill.core.units import kg_to_g
from energybill.report.data import ReportData, SiteRow, TrainingSummary
from energybill.report.document import phase_table
from energybill.report.escape import yaml
from energybill.report.markdown import cell
from energybill.report.numbers import amount, rounded


def render(data: ReportData) -> str:
    """Markdown to paste into a model card's README.md."""
    out = ["## Environmental Impact", ""]
    out += [
        "Estimated with energybill over the whole project (storage, transfer, data processing, "
        "experiments, training, serving, travel), not only the training run; the bullets describe training.",
        "",
    ]
    out += _bullets(data, data.training)
    out += ["", "### Full bill by phase", "", *phase_table(data), ""]
    out += _metadata(data, data.training)
    return "\n".join(out) + "\n"


def _bullets(data: ReportData, training: TrainingSummary | None) -> list[str]:
    total = (
        f"{amount(data.co2e_kg)} kg CO2e for the whole project ({amount(data.energy_kwh)} kWh; phases below)"
    )
    if training is None:
        return ["- **Hardware Type:** no training item in the bill", f"- **Carbon Emitted:** {total}"]
    return [
        f"- **Hardware Type:** {cell(training.hardware)}{_described(training.sites)}",
        f"- **Hours used:** {amount(training.device_hours, 0)} device-hours (training)",
        f"- **Cloud Provider:** {cell(_provider(training.sites))}",
        f"- **Compute Region:** {_regions(training.sites)}",
        f"- **Carbon Emitted:** {amount(training.co2e_kg)} kg CO2e for training "
        f"({amount(training.energy_kwh)} kWh); {total}",
        *_market_and_water(data),
    ]


def _market_and_water(data: ReportData) -> list[str]:
    """Market-based CO2e and water of training (the Hub's fields are location-based carbon only)."""
    f = data.filing
    if f is None or not f.runs:
        return []
    water = "not known (no WUE or grid water given)" if f.water_l is None else f"{amount(f.water_l)} L"
    return [
        f"- **Carbon Emitted, market-based:** {amount(f.co2e_market_kg)} kg CO2e for training "
        "(GHG Protocol Scope 2; the figure above is location-based)",
        f"- **Water:** {water} for training (on-site WUE + off-site water of the electricity)",
    ]


def _described(sites: tuple[SiteRow, ...]) -> str:
    described = [f"{cell(s.name)}: {cell(s.description)}" for s in sites if s.description]
    return f" ({'; '.join(described)})" if described else ""


def _provider(sites: tuple[SiteRow, ...]) -> str:
    providers = sorted({s.provider for s in sites if s.provider})
    return ", ".join(providers) if providers else "not stated in the project file (own or HPC sites)"


def _regions(sites: tuple[SiteRow, ...]) -> str:
    return "; ".join(
        f"{cell(s.region or s.name)} (PUE {amount(s.pue, 2)}, "
        f"{amount(s.carbon_intensity_g_per_kwh, 0)} g CO2e/kWh)"
        for s in sites
    )


def _metadata(data: ReportData, training: TrainingSummary | None) -> list[str]:
    """The Hub's YAML metadata; strings are double-quoted YAML scalars (report/escape/yaml.py)."""
    co2e_kg = training.co2e_kg if training else data.co2e_kg
    lines = [
        "Metadata for the card's YAML header (training only; `emissions` in grams, as the Hub asks):",
        "",
        "```yaml",
        "co2_eq_emissions:",
        f"  emissions: {rounded(kg_to_g(co2e_kg), 1)!r}",
        f"  source: {yaml.string(f'energybill estimate of project {data.project}')}",
    ]
    if training is not None:
        where = "; ".join(s.region or s.description or s.name for s in training.sites)
        types = dict.fromkeys(run.training_type for run in data.filing.runs) if data.filing else {}
        lines.append(f"  training_type: {yaml.string(' and '.join(types) or 'pre-training')}")
        lines.append(f"  geographical_location: {yaml.string(where)}")
        lines.append(f"  hardware_used: {yaml.string(training.hardware)}")
    return [*lines, "```"]
