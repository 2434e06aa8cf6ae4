"""The development share of a project's measured energy, from its runs' lineage, as AI2 reports it.

AI2 counts what it took to get to the final model: experiments, ablations and failed runs were
about half of all compute for OLMo 2 (OLMo 2 Furious, 2025) and 82 % for Olmo 3 (Olmo 3 report,
2026). Here each measured run falls in the first class that fits:

1. ``experiment`` — tagged ``experiment`` (``energybill measure --tag experiment=NAME``);
2. ``sweep`` — tagged ``sweep``;
3. ``failed`` — ended failed or interrupted;
4. ``final training`` — any other completed run billed to an item whose phase is ``training``;

and the others (evaluation, serving, data processing) in none. Development is the sum of the
first three; ``share = development / (development + final training)``, in IT energy (before PUE,
so a run's site does not change its weight: AI2 compares compute).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from energybill.core.bill import DevelopmentShare, Provenance
from energybill.core.provenance import Source, formula
from energybill.core.units import j_to_kwh

DEVELOPMENT = ("experiment", "sweep", "failed")
FINAL = "final training"
FAILED_STATUSES = ("failed", "interrupted")
TRAINING_PHASE = "training"
FORMULA = "development / (development + final training); development = experiment + sweep + failed"
CITATION = ("development share as AI2 reports it: about half of all compute for OLMo 2 (2025), "
            "82 % for Olmo 3 (2026)")


def run_class(run: Any, tags: Mapping[str, str], phase: str | None) -> str | None:
    """The class of one run (see the module's docstring), or None when it is neither."""
    if "experiment" in tags:
        return "experiment"
    if "sweep" in tags:
        return "sweep"
    if run.status in FAILED_STATUSES:
        return "failed"
    if run.status == "completed" and phase == TRAINING_PHASE:
        return FINAL
    return None


def development_share(runs: Iterable[Any], tags: Mapping[str, Mapping[str, str]],
                      phases: Mapping[str, str], ledger: str) -> DevelopmentShare | None:
    """The share over ``runs`` (each once), their lineage ``tags`` and the ``phases`` of the items
    they are billed to (by run id); None when no run is development or final training."""
    energy_kwh: dict[str, float] = {}
    ids: dict[str, list[str]] = {}
    inputs: dict[str, float | str] = {}
    for run in runs:
        if run.energy_j is None:
            continue  # no reading: not a zero
        found = run_class(run, tags.get(run.id, {}), phases.get(run.id))
        if found is None:
            continue
        energy_kwh[found] = energy_kwh.get(found, 0.0) + j_to_kwh(run.energy_j)
        ids.setdefault(found, []).append(run.id)
        inputs[f"run {run.id} energy_j ({found})"] = run.energy_j
    if not ids:
        return None
    development_kwh = sum(energy_kwh.get(c, 0.0) for c in DEVELOPMENT)
    final_kwh = energy_kwh.get(FINAL, 0.0)
    whole_kwh = development_kwh + final_kwh
    share = development_kwh / whole_kwh if final_kwh > 0 and whole_kwh > 0 else None
    every = tuple(run_id for found in ids.values() for run_id in found)
    classed = Source("measured", "runs classed by their lineage tags and status", file=ledger, run_ids=every)
    sources = (formula(CITATION), classed)
    provenance = Provenance("development.share", FORMULA, inputs, sources)
    return DevelopmentShare(development_kwh, final_kwh, share, {k: tuple(v) for k, v in ids.items()},
                            energy_kwh, provenance)
