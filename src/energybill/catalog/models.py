"""Language models by name: total and active parameters (mixture-of-experts), each with its source.

A small bundled table (``data/models.json``) first; a name it lacks is looked up in EcoLogits'
model repository (``pip install 'energybill[ecologits]'``, MPL-2.0) when that is installed, and only
then imported. An unknown name is one line with the nearest names.
"""

from __future__ import annotations

import difflib
import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from energybill.catalog.errors import CatalogError
from energybill.core.provenance import Source


@dataclass(frozen=True)
class ModelInfo:
    """A model's parameter counts and where they come from."""

    name: str
    parameters: float
    active_parameters: float
    source: str
    year: str

    def as_source(self) -> Source:
        return Source("catalog", self.source, value=self.active_parameters, unit="parameters", year=self.year)


@functools.cache
def _table() -> list[dict[str, Any]]:
    text = resources.files("energybill.catalog").joinpath("data", "models.json").read_text("utf-8")
    rows: list[dict[str, Any]] = json.loads(text)["models"]
    return rows


def _key(name: str) -> str:
    return name.strip().lower()


@functools.cache
def model_info(name: str) -> ModelInfo:
    """The model ``name`` names (an id such as ``meta-llama/Llama-3.1-70B-Instruct`` or an alias)."""
    wanted = _key(name)
    for row in _table():
        names = [row["name"], *row.get("aliases", [])]
        if any(_key(n) == wanted or _key(n).split("/")[-1] == wanted for n in names):
            return ModelInfo(
                row["name"], row["parameters"], row["active_parameters"], row["source"], row["year"]
            )
    found = _from_ecologits(name)
    if found is not None:
        return found
    raise CatalogError(f"unknown model '{name}'; nearest: {', '.join(nearest(name, model_names()))}")


def model_names() -> list[str]:
    """Every name the bundled table knows (ids, then aliases)."""
    return [n for row in _table() for n in (row["name"], *row.get("aliases", []))]


def nearest(name: str, names: list[str], count: int = 3) -> list[str]:
    """The ``count`` names closest to ``name`` (case-insensitive), for a one-line hint."""
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=count, cutoff=0.0)
    return [f"'{lowered[c]}'" for c in close]


def _from_ecologits(name: str) -> ModelInfo | None:
    """An open model from EcoLogits' repository (its ``huggingface_hub`` entries), if installed."""
    try:
        from ecologits import __version__ as version
        from ecologits.model_repository import ParametersMoE, models
    except ImportError:
        return None
    model = models.find_model(provider="huggingface_hub", model_name=name)
    if model is None:
        return None
    params = model.architecture.parameters
    total, active = (params.total, params.active) if isinstance(params, ParametersMoE) else (params, params)
    cited = ", ".join(model.sources) or "no source given"
    source = f"EcoLogits {version} model repository (MPL-2.0): {name}, {cited}"
    return ModelInfo(name, _billions(total) * 1e9, _billions(active) * 1e9, source, version)


def _billions(value: Any) -> float:
    """EcoLogits gives billions of parameters, a number or a range (its midpoint)."""
    if hasattr(value, "min") and hasattr(value, "max"):
        return (float(value.min) + float(value.max)) / 2.0
    return float(value)
