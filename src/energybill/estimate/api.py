"""``[[api]]``: a project's requests to a hosted model, billed at EcoLogits' estimate.

EcoLogits gives energy and CO2e (usage at the provider's data centres with their PUE and
electricity mix, plus the servers' embodied share) as a range per request; the bill takes the
middle of the range as the point value and keeps the range in the details, labelled as EcoLogits'
estimate with its version.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from energybill.catalog.api_usage import ApiImpact, api_impact
from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import Source, formula, project
from energybill.core.units import G_PER_KG, WH_PER_KWH
from energybill.project.model import Api


def estimate_api(item: Api) -> ItemBill:
    """Energy and CO2e of ``item.requests`` requests of ``item.output_tokens_per_request`` tokens."""
    impact = _scaled(_per_request(item), item.requests)
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
        "requests_per_kg_co2e": _ratio(item.requests, impact.co2e_kg),
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


QUANTITIES = ("energy_kwh", "energy_kwh_min", "energy_kwh_max", "co2e_kg", "co2e_kg_min", "co2e_kg_max")
GRID_POINTS = 5  # EcoLogits calls per sampled input: its per-request model is linear in each


def _per_request(item: Api) -> ApiImpact:
    """EcoLogits' estimate of one request. Under Monte Carlo, output tokens or latency are arrays:
    EcoLogits is called on a grid spanning the draws and each draw interpolated bilinearly (its
    per-request energy and GWP are affine in tokens and in latency), never once per draw."""
    tokens, latency = item.output_tokens_per_request, item.seconds_per_request
    if not _sampled(tokens) and not _sampled(latency):
        return api_impact(item.provider, item.model, 1.0, tokens, latency)
    import numpy as np

    t_grid = np.unique(np.maximum(1.0, np.round(_span(tokens)))) if _sampled(tokens) else np.array([tokens])
    l_grid = np.unique(_span(latency)) if _sampled(latency) else np.array([latency])
    table = [[api_impact(item.provider, item.model, 1.0, float(t), None if lat is None else float(lat))
              for lat in l_grid] for t in t_grid]
    values = {
        q: _bilinear(np.array([[getattr(cell, q) for cell in row] for row in table]),
                     t_grid, l_grid, tokens, latency)
        for q in QUANTITIES
    }
    return dataclasses.replace(table[0][0], **values)


def _sampled(value: Any) -> bool:
    return hasattr(value, "shape") and getattr(value, "ndim", 0) > 0


def _span(value: Any) -> Any:
    import numpy as np

    return np.linspace(float(value.min()), float(value.max()), GRID_POINTS)


def _bilinear(table: Any, xs: Any, ys: Any, x: Any, y: Any) -> Any:
    """``table[i, j]`` (values at ``xs[i]``, ``ys[j]``) interpolated at ``x``, ``y`` (arrays or
    numbers); an axis of one point is constant along it."""
    i, u = _cell(xs, x)
    j, v = _cell(ys, y)
    i1, j1 = i + (len(xs) > 1), j + (len(ys) > 1)
    return ((1 - u) * (1 - v) * table[i, j] + u * (1 - v) * table[i1, j]
            + (1 - u) * v * table[i, j1] + u * v * table[i1, j1])


def _cell(grid: Any, value: Any) -> tuple[Any, Any]:
    """The grid cell of ``value`` (its lower index) and the position inside it (0-1)."""
    import numpy as np

    if len(grid) == 1:
        return 0, 0.0
    at = np.asarray(value, dtype=float)
    i = np.clip(np.searchsorted(grid, at) - 1, 0, len(grid) - 2)
    return i, np.clip((at - grid[i]) / (grid[i + 1] - grid[i]), 0.0, 1.0)


def _scaled(impact: ApiImpact, requests: Any) -> ApiImpact:
    return dataclasses.replace(impact, **{q: getattr(impact, q) * requests for q in QUANTITIES})


def _ratio(requests: Any, co2e_kg: Any) -> Any:
    """Requests per kg CO2e, infinite where a draw is zero-carbon (numbers or sampled arrays)."""
    import numpy as np

    with np.errstate(divide="ignore"):
        ratio = np.divide(requests, co2e_kg)
    return float(ratio) if np.ndim(ratio) == 0 else ratio
