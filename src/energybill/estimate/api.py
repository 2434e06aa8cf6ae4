"""``[[api]]``: a project's requests to a hosted model, billed at EcoLogits' estimate.

EcoLogits gives energy and CO2e (usage at the provider's data centres with their PUE and
electricity mix, plus the servers' embodied share) as a range per request; the bill takes the
middle of the range as the point value and keeps the range in the details, labelled as EcoLogits'
estimate with its version.
"""

from __future__ import annotations

from energybill.catalog.api_usage import api_impact
from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import Source, formula, project
from energybill.core.units import G_PER_KG, WH_PER_KWH
from energybill.project.model import Api


def estimate_api(item: Api) -> ItemBill:
    """Energy and CO2e of ``item.requests`` requests of ``item.output_tokens_per_request`` tokens."""
    impact = api_impact(
        item.provider, item.model, item.requests, item.output_tokens_per_request, item.seconds_per_request
    )
    note = "; ".join(impact.warnings) or None
    ecologits = Source(
        "catalog",
        f"EcoLogits {impact.version} (ecologits.ai, MPL-2.0): "
        f"llm_impacts('{item.provider}', '{item.model}'), "
        "energy and GWP (usage + embodied), middle of its range",
        year=impact.version,
        licence="MPL-2.0",
        note=note,
    )
    inputs: dict[str, float | str] = {
        "provider": item.provider,
        "model": item.model,
        "requests": item.requests,
        "output_tokens_per_request": item.output_tokens_per_request,
    }
    details: dict[str, float | str] = {
        "provider": item.provider,
        "model": item.model,
        "estimate": f"EcoLogits {impact.version}",
        "requests": item.requests,
        "tokens": item.requests * item.output_tokens_per_request,
        "energy_kwh_min": impact.energy_kwh_min,
        "energy_kwh_max": impact.energy_kwh_max,
        "co2e_kg_min": impact.co2e_kg_min,
        "co2e_kg_max": impact.co2e_kg_max,
        "wh_per_request": impact.energy_kwh * WH_PER_KWH / item.requests,
        "g_co2e_per_request": impact.co2e_kg * G_PER_KG / item.requests,
        "requests_per_kg_co2e": item.requests / impact.co2e_kg if impact.co2e_kg else float("inf"),
    }
    records = (
        Provenance("details.requests", "given", {"requests": item.requests}, (project(),)),
        Provenance(
            "energy_kwh",
            "requests × EcoLogits energy per request (middle of its range)",
            inputs,
            (ecologits,),
        ),
        Provenance(
            "co2e_kg", "requests × EcoLogits GWP per request (middle of its range)", inputs, (ecologits,)
        ),
        Provenance(
            "details.wh_per_request",
            "energy_kwh × 1000 / requests",
            {"energy_kwh": impact.energy_kwh, "requests": item.requests},
            (formula("unit conversion"),),
        ),
    )
    return ItemBill("api", item.name, item.phase, None, impact.energy_kwh, impact.co2e_kg, details, records)
