"""Disclosure exports, each rendered from ``ReportData`` (its ``filing`` and ``disclosure``):

- ``eu-ai-act`` / ``eu-ai-act-json``: the energy and compute fields of the EU AI Act's Model
  Documentation Form (Regulation (EU) 2024/1689, Annex XI §1.2 (d) and (e); GPAI Code of Practice,
  Transparency chapter, July 2025), each filled or "not known" with the reason;
- ``hf-card``: a whole Hugging Face model card, YAML ``co2_eq_emissions`` header (emissions in grams,
  https://huggingface.co/docs/hub/model-cards-co2) and the prose, location- and market-based;
- ``boamps``: a BoAmps report (Boavizta, formatVersion 0.1, JSON Schema draft-04);
- ``llama-table``: the training table of Llama model cards (GPU type, GPU-hours, power, location- and
  market-based tCO2e).

An export whose required fields the bill cannot fill raises ``ExportError`` naming them and why:
nothing partial is written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from energybill.core.units import kg_to_g, kg_to_tonnes, kwh_to_mwh
from energybill.report.data import ReportData
from energybill.report.errors import ReportError
from energybill.report.escape import yaml
from energybill.report.filing import Filing
from energybill.report.markdown import cell
from energybill.report.numbers import amount, two_figures

EU_FORM = (
    "EU AI Act Model Documentation Form (GPAI Code of Practice, Transparency chapter, July 2025), "
    "energy and compute; Regulation (EU) 2024/1689 Annex XI §1.2 (d) and (e)"
)
NO_TRAINING = "the bill has no billed [[training]] item (bill the training run as [[training]])"


class ExportError(ReportError):
    """An export that cannot be filled: which fields are missing and why (exit code 2)."""


@dataclass(frozen=True)
class FormField:
    """One field of a form: its value (None: not known), unit, status and method or reason."""

    key: str
    item: str  # the form's wording
    value: float | str | None
    unit: str
    status: str  # "estimated", "measured", "given", "not known"
    note: str  # the method, or why it is not known

    @property
    def shown(self) -> str:
        if self.value is None:
            return "not known"
        if isinstance(self.value, str):
            return self.value
        return f"{two_figures(self.value)} {self.unit}".strip()


def _training(data: ReportData, export: str, fields: str) -> Filing:
    """The filing with at least one training run, else the one-line refusal naming the fields."""
    found = data.filing
    if found is None or not found.runs:
        raise ExportError(f"{export}: cannot fill {fields}: {NO_TRAINING}; nothing written")
    return found


# --- EU AI Act ----------------------------------------------------------------------------------


def eu_fields(data: ReportData) -> list[FormField]:
    """Every energy and compute field of the form, in the form's order."""
    f = _training(data, "eu-ai-act", "training compute (FLOP), training time and training energy (MWh)")
    status = "measured" if f.measured else "estimated"
    days = f.wall_clock_days
    time = f"{amount(f.device_hours, 0)} device-hours" + (f" ({amount(days, 1)} days)" if days else "")
    missing = list(data.defaults) or [
        "no value was assumed: every input is in the project file or the catalog"
    ]
    boundary = data.disclosure.sentence if data.disclosure else ""
    method = f"{f.method}. {boundary}".strip()
    how = (
        "measured runs beside an estimate"
        if f.measured
        else ("estimated from computational resources (Annex XI §1.2(e) allows it where energy is unknown)")
    )
    assumed = "assumptions the bill made where the project file gives no value"
    fields = [
        FormField(
            "training_time", "Training time", time, "", "estimated",
            "device-hours = training FLOP / achieved FLOP/s per device; days = device-hours / devices / 24 "
            "(perfect scaling)" + ("" if days else "; wall-clock days not known: no item gives devices"),
        ),
        FormField(
            "training_compute_flop", "Amount of computation used for training", f.flops, "FLOP",
            "estimated", "C = 6·N·D (Kaplan et al. 2020) from parameters and tokens",
        ),
        FormField(
            "training_compute_method", "Measurement methodology (computation)",
            "estimated from the model size and the training tokens (6·N·D), not measured", "", "estimated",
            f.method,
        ),
        FormField(
            "training_energy_mwh", "Amount of energy used for training", kwh_to_mwh(f.energy_kwh), "MWh",
            status, method,
        ),
        FormField(
            "training_energy_method", "Measurement methodology (energy)",
            how, "", status, method,
        ),
        FormField(
            "missing_data_calculation", "Calculation when data is missing",
            "; ".join(missing), "", "given", assumed,
        ),
        _inference_field(f),
    ]  # fmt: skip
    return fields


def _inference_field(f: Filing) -> FormField:
    item = "Benchmarked amount of computation used for inference"
    if f.inference_flop_per_token is None:
        return FormField(
            "inference_compute_flop", item, None, "FLOP", "not known",
            "no [[inference]] item in the project and no benchmark run",
        )  # fmt: skip
    return FormField(
        "inference_compute_flop", item, f.inference_flop_per_token, "FLOP per token", "estimated",
        "not benchmarked: 2·N FLOP per generated token (Kaplan et al. 2020) of the model served",
    )  # fmt: skip


def eu_beyond(data: ReportData) -> dict[str, float | None]:
    """Figures beyond the form's fields (Annex XI (e) asks for the model's energy; the whole
    project's is the honest answer), each with its unit in its key."""
    d = data.disclosure
    f = data.filing
    return {
        "project_energy_mwh": kwh_to_mwh(data.energy_kwh),
        "project_co2e_location_t": kg_to_tonnes(data.co2e_kg),
        "project_co2e_market_t": kg_to_tonnes(d.co2e_market_kg) if d else None,
        "project_water_l": d.water_l if d and d.water_counted else None,
        "training_co2e_location_t": kg_to_tonnes(f.co2e_kg) if f else None,
        "training_co2e_market_t": kg_to_tonnes(f.co2e_market_kg) if f else None,
        "training_water_l": f.water_l if f else None,
    }


def render_eu_markdown(data: ReportData) -> str:
    fields = eu_fields(data)
    out = [
        f"# {cell(data.project)} — EU AI Act: energy and compute",
        "",
        f"Form: {EU_FORM}. Model: {cell(data.project)}. Made with energybill {data.version}.",
        "",
        "| Form item | Value | Status | Method or reason |",
        "|---|---|---|---|",
    ]
    out += [f"| {cell(x.item)} | {cell(x.shown)} | {x.status} | {cell(x.note)} |" for x in fields]
    out += ["", "## Beyond the form: the whole project", "", "| Figure | Value |", "|---|---|"]
    for key, value in eu_beyond(data).items():
        out.append(f"| {key} | {'not known' if value is None else two_figures(value)} |")
    return "\n".join(out) + "\n"


def eu_document(data: ReportData) -> dict[str, Any]:
    fields = eu_fields(data)
    return {
        "form": EU_FORM,
        "model": data.project,
        "generator": f"energybill {data.version}",
        "fields": [
            {
                "key": x.key,
                "item": x.item,
                "value": x.value,
                "unit": x.unit,
                "shown": x.shown,
                "status": x.status,
                "note": x.note,
            }
            for x in fields
        ],
        "beyond_the_form": eu_beyond(data),
    }


def render_eu_json(data: ReportData) -> str:
    return json.dumps(eu_document(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --- Hugging Face model card --------------------------------------------------------------------


def hf_metadata(data: ReportData) -> dict[str, Any]:
    """The ``co2_eq_emissions`` mapping (training, location-based, grams)."""
    f = _training(
        data, "hf-card", "co2_eq_emissions.emissions, training_type, geographical_location, hardware_used"
    )
    hardware = data.training.hardware if data.training is not None else f.hardware
    missing = [k for k, v in (("geographical_location", f.locations), ("hardware_used", hardware)) if not v]
    if missing:
        raise ExportError(
            f"hf-card: cannot fill {', '.join(missing)}: the training sites or devices give none"
        )
    types = dict.fromkeys(run.training_type for run in f.runs)
    return {
        "emissions": round(kg_to_g(f.co2e_kg), 1),
        "source": f"energybill estimate of project {data.project} (location-based, GHG Protocol Scope 2)",
        "training_type": " and ".join(types),
        "geographical_location": f.locations,
        "hardware_used": f"{hardware}; {amount(f.device_hours, 0)} device-hours",
    }


def render_hf_card(data: ReportData) -> str:
    """A model card README.md: YAML front matter, then the environmental-impact prose."""
    meta = hf_metadata(data)
    f = data.filing
    assert f is not None  # hf_metadata refused a bill without training
    header = ["---", "co2_eq_emissions:"]
    header += [f"  {key}: {_yaml(value)}" for key, value in meta.items()]
    header.append("---")
    water = f.water_l
    boundary = data.disclosure.sentence if data.disclosure else "boundary not stated"
    prose = [
        "",
        f"# {cell(data.project)}",
        "",
        "## Environmental Impact",
        "",
        f"- **Hardware Type:** {cell(meta['hardware_used'])}",
        f"- **Compute Region:** {cell(f.locations)}",
        f"- **Training energy:** {amount(f.energy_kwh)} kWh ({cell(boundary)})",
        f"- **Carbon Emitted (location-based):** {amount(f.co2e_kg)} kg CO2e "
        f"({amount(kg_to_g(f.co2e_kg), 1)} g in the metadata)",
        f"- **Carbon Emitted (market-based):** {amount(f.co2e_market_kg)} kg CO2e",
        f"- **Water:** {'not known (no WUE or grid water given)' if water is None else f'{amount(water)} L'}",
        f"- **Whole project (all phases):** {amount(data.energy_kwh)} kWh, {amount(data.co2e_kg)} kg CO2e "
        "location-based"
        + (f", {amount(data.disclosure.co2e_market_kg)} kg market-based" if data.disclosure else ""),
        "",
        f"Estimated with energybill {data.version}: {cell(f.method)}.",
    ]
    return "\n".join(header + prose) + "\n"


def _yaml(value: str | float) -> str:
    """A YAML scalar: a string double-quoted and escaped (report/escape/yaml.py), a number as is."""
    return yaml.string(value) if isinstance(value, str) else repr(value)


# --- BoAmps -------------------------------------------------------------------------------------


def boamps(data: ReportData, now: datetime | None = None) -> dict[str, Any]:
    """A BoAmps report of the training task (one measure per training run)."""
    f = _training(data, "boamps", "task.algorithms, task.dataset, measures and infrastructure.components")
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")
    sites = {s.name: s for s in data.sites}
    first = sites.get(f.runs[0].site or "")
    provider = first.provider if first is not None else None
    report: dict[str, Any] = {
        "header": {
            "formatVersion": "0.1",
            "reportId": str(uuid.uuid4()),
            "reportDatetime": when,
            "reportStatus": "draft",
            "publisher": {"projectName": data.project, "confidentialityLevel": "public"},
        },
        "task": {
            "taskStage": "+".join(dict.fromkeys(run.training_type.replace("-", "") for run in f.runs)),
            "taskFamily": "text generation",
            "algorithms": [
                {"trainingType": run.training_type, "algorithmType": "llm", "algorithmName": run.name,
                 "parametersNumber": run.parameters}
                for run in f.runs
            ],
            "dataset": [{"dataUsage": "input", "dataType": "token", "dataQuantity": f.tokens}],
            "taskDescription": f"training of {data.project}: {f.method}",
        },
        "measures": [
            {"measurementMethod": "flops-compute (energybill estimate)", "powerConsumption": run.energy_kwh,
             **({"measurementDuration": run.wall_clock_days * 86400} if run.wall_clock_days else {})}
            for run in f.runs
        ],
        "infrastructure": {
            "infraType": "publicCloud" if provider else "other",
            **({"cloudProvider": provider} if provider else {}),
            "components": [
                {"componentType": "gpu", "componentName": run.hardware, "nbComponent": run.devices or 1}
                for run in f.runs
            ],
        },
        "environment": {
            "country": f.locations,
            **({"powerSourceCarbonIntensity": first.carbon_intensity_g_per_kwh} if first is not None else {}),
        },
        "quality": "low",  # an estimate from compute: ±50 % is the honest class
    }  # fmt: skip
    return report


def render_boamps(data: ReportData) -> str:
    return json.dumps(boamps(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --- Llama-style table --------------------------------------------------------------------------


def render_llama_table(data: ReportData) -> str:
    """The training emissions table of the Llama model cards, one row per training run."""
    f = _training(data, "llama-table", "GPU type, GPU-hours, power and tCO2e")
    out = [
        "| Model | GPU type | Time (GPU hours) | Power consumption (W) | Location-based (tCO2eq) "
        "| Market-based (tCO2eq) |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for run in f.runs:
        out.append(
            f"| {cell(run.name)} | {cell(run.hardware)} | {amount(run.device_hours, 0)} | "
            f"{amount(run.watts_per_device, 0)} | {amount(kg_to_tonnes(run.co2e_kg), 2)} | "
            f"{amount(kg_to_tonnes(run.co2e_market_kg), 2)} |"
        )
    out.append(
        f"| **Total** | | {amount(f.device_hours, 0)} | | {amount(kg_to_tonnes(f.co2e_kg), 2)} | "
        f"{amount(kg_to_tonnes(f.co2e_market_kg), 2)} |"
    )
    out += [
        "",
        "Time: device-hours of training. Power: each accelerator's power (the host's share is not in it, "
        "as in the Llama cards). Location-based: the grid's intensity; market-based: contracts and "
        "residual mix (GHG Protocol Scope 2).",
    ]
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[ReportData], str]] = {
    "eu-ai-act": render_eu_markdown,
    "eu-ai-act-json": render_eu_json,
    "hf-card": render_hf_card,
    "boamps": render_boamps,
    "llama-table": render_llama_table,
}
