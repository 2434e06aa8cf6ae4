"""Hosted-API usage (OpenAI, Anthropic, Mistral, Google, ...) through EcoLogits' estimate.

EcoLogits (Rincé, Banse et al., https://ecologits.ai, MPL-2.0) models a request's energy from the
model's (estimated) active parameters, its output tokens and the provider's data centres (PUE,
electricity mix), fitted on ML.ENERGY measurements; its CO2e adds the servers' embodied share.
energybill calls it, labels the numbers as EcoLogits' with its version, and writes nothing of it
again. It is an optional extra (``pip install 'energybill[ecologits]'``), imported only here, only
when a project has an ``[[api]]`` item.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from typing import Any

from energybill.catalog.errors import CatalogError

INSTALL_HINT = (
    "[[api]] items are estimated by EcoLogits, which is not installed: pip install 'energybill[ecologits]'"
)


@dataclass(frozen=True)
class ApiImpact:
    """EcoLogits' estimate for ``requests`` requests: point value (the middle of its range) and range."""

    energy_kwh: float
    energy_kwh_min: float
    energy_kwh_max: float
    co2e_kg: float
    co2e_kg_min: float
    co2e_kg_max: float
    version: str
    warnings: tuple[str, ...]


def _ecologits() -> Any:
    try:
        import ecologits
        from ecologits.tracers import utils
    except ImportError:
        raise CatalogError(INSTALL_HINT) from None
    return ecologits.__version__, utils


def check_api(provider: str, model: str) -> None:
    """A known provider and model, else one line with the nearest names (CatalogError)."""
    from energybill.catalog.models import nearest

    _, utils = _ecologits()
    providers = list(utils.PROVIDER_CONFIG_MAP)
    if provider not in providers:
        raise CatalogError(
            f"unknown provider '{provider}'; nearest: {', '.join(nearest(provider, providers))}"
        )
    if utils.models.find_model(provider=provider, model_name=model) is None:
        names = [m.name for m in utils.models.list_models() if m.provider.value == provider]
        raise CatalogError(
            f"EcoLogits has no {provider} model '{model}'; nearest: {', '.join(nearest(model, names))}"
        )


@functools.cache
def api_impact(
    provider: str,
    model: str,
    requests: float,
    output_tokens_per_request: float,
    seconds_per_request: float | None,
) -> ApiImpact:
    """EcoLogits' ``llm_impacts`` for one request, times ``requests``."""
    version, utils = _ecologits()
    check_api(provider, model)
    latency = math.inf if seconds_per_request is None else seconds_per_request  # inf: its own latency model
    quiet = logging.getLogger("ecologits")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # its warnings go into the bill's provenance, not onto stderr
    try:
        impacts = utils.llm_impacts(provider, model, round(output_tokens_per_request), latency)
    finally:
        quiet.setLevel(level)
    if impacts.has_errors:
        raise CatalogError(f"EcoLogits: {'; '.join(e.message for e in impacts.errors)}")
    energy = _range(impacts.energy.value)
    co2e = _range(impacts.gwp.value)
    warnings = tuple(w.message for w in impacts.warnings or ())
    return ApiImpact(
        energy_kwh=requests * (energy[0] + energy[1]) / 2,
        energy_kwh_min=requests * energy[0],
        energy_kwh_max=requests * energy[1],
        co2e_kg=requests * (co2e[0] + co2e[1]) / 2,
        co2e_kg_min=requests * co2e[0],
        co2e_kg_max=requests * co2e[1],
        version=version,
        warnings=warnings,
    )


def _range(value: Any) -> tuple[float, float]:
    if hasattr(value, "min") and hasattr(value, "max"):
        return float(value.min), float(value.max)
    return float(value), float(value)
