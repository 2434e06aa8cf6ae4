"""The talk's best practices as numbers for one project: what each would save, largest first.

Each recommendation is a what-if scenario (``estimate.scenarios``) billed and subtracted from the
project's bill, so its saving uses the same formulas as the bill. Savings are each measured
against the current bill; they are alternatives, not additive. Source of the practices: the talk's
"Best practices and recommendations" slides (data centre choice, local carbon intensity,
compute-optimal trade-off, efficient inference, minimizing exogenous impacts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from energybill.core.bill import Bill
from energybill.estimate.engine import estimate
from energybill.estimate.site import TALK, SiteContext, site_contexts
from energybill.project.model import Project
from energybill.project.overrides import Overrides, compute_sites
from energybill.project.variants import variant

# A named clean grid for the relocation advice when no catalog is installed: France, the talk's
# own example ("running all computations in France"), from Our World in Data's latest year.
CLEAN_GRID_REGION = "FR"
CLEAN_GRID_NAME = "France"
CLEAN_GRID_G_PER_KWH = 41.44
CLEAN_GRID_SOURCE = "Our World in Data, carbon intensity of electricity, France, 2025"
TARGET_PUE = 1.1  # talk: "a PUE of 1.1 will decrease the energy consumption by 39% [vs 1.8]"
# Serving: batch 8 at the same time per token, the talk's own assumption that latency does not
# depend on the number of processed tokens; decoding a 13B model is memory-bound at small batch.
TARGET_BATCH = 8
MIN_SHARE = 0.01  # smaller savings are noise, not advice


@dataclass(frozen=True)
class Recommendation:
    """One practice, what to do, and what it saves (kWh and kg CO2e) per project or per day."""

    practice: str
    action: str
    energy_kwh_saved: float
    co2e_kg_saved: float
    basis: str  # "project" or "day of serving"
    source: str

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def recommendations(raw: dict[str, Any], file: str, bill: Bill) -> list[Recommendation]:
    """Every practice that applies to the project, largest CO2e saving first (per project, then per day)."""
    project = variant(raw, file).project
    sites = site_contexts(project)
    found: list[Recommendation | None] = [
        _clean_grid(raw, file, bill, sites),
        _cleanest_site(raw, file, bill, sites),
        _pue(raw, file, bill, sites),
        _compute_optimal(raw, file, bill, project),
        _batch(raw, file, bill, project),
        _flights(raw, file, bill, project),
    ]
    kept = [r for r in found if r is not None]
    return sorted(kept, key=lambda r: (r.basis != "project", -r.co2e_kg_saved))


def _saving(bill: Bill, raw: dict[str, Any], file: str, overrides: Overrides) -> tuple[float, float]:
    return _difference(bill, estimate(variant(raw, file, overrides).project))


def _difference(bill: Bill, other: Bill) -> tuple[float, float]:
    return (
        bill.totals.energy_kwh - other.totals.energy_kwh,
        bill.totals.co2e_kg - other.totals.co2e_kg,
    )


def _worth(bill: Bill, co2e_saved: float) -> bool:
    return co2e_saved > MIN_SHARE * bill.totals.co2e_kg


def _clean_grid(
    raw: dict[str, Any], file: str, bill: Bill, contexts: dict[str, SiteContext]
) -> Recommendation | None:
    sites = compute_sites(raw)
    dirty = [s for s in sites if _intensity(contexts, s) > CLEAN_GRID_G_PER_KWH]
    if not dirty:
        return None
    kwh, kg = _saving(bill, raw, file, Overrides(relocate=CLEAN_GRID_G_PER_KWH))
    if not _worth(bill, kg):
        return None
    action = (
        f"run the computations of {', '.join(dirty)} on a clean grid: {CLEAN_GRID_NAME} "
        f"({CLEAN_GRID_REGION}, {CLEAN_GRID_G_PER_KWH:g} g/kWh)"
    )
    return Recommendation(
        "cleaner grid", action, kwh, kg, "project", f"{TALK}, Local carbon intensity; {CLEAN_GRID_SOURCE}"
    )


def _cleanest_site(
    raw: dict[str, Any], file: str, bill: Bill, contexts: dict[str, SiteContext]
) -> Recommendation | None:
    sites = compute_sites(raw)
    if len(sites) < 2:
        return None
    best = min(sites, key=lambda s: _intensity(contexts, s) * _site_pue(contexts, s))
    moved = [s for s in sites if s != best]
    pue = _site_pue(contexts, best)
    sets = tuple(
        pair
        for s in moved
        for pair in (
            (f"sites.{s}.carbon_intensity_g_per_kwh", _intensity(contexts, best)),
            (f"sites.{s}.pue", pue),
        )
    )
    kwh, kg = _saving(bill, raw, file, Overrides(sets))
    if not _worth(bill, kg):
        return None
    action = (
        f"move the work of {', '.join(moved)} to your cleanest site {best} "
        f"({_intensity(contexts, best):g} g/kWh, PUE {pue:g})"
    )
    return Recommendation(
        "cleaner site", action, kwh, kg, "project", f"{TALK}, Data Center choice and Local carbon intensity"
    )


def _site_pue(contexts: dict[str, SiteContext], site: str) -> float:
    return contexts[site].pue


def _pue(
    raw: dict[str, Any], file: str, bill: Bill, contexts: dict[str, SiteContext]
) -> Recommendation | None:
    high = [
        name
        for name in raw.get("sites") or {}
        if _site_pue(contexts, name) > TARGET_PUE  # and the PUE is applied somewhere (not pue_included)
        and _saving(bill, raw, file, Overrides(((f"sites.{name}.pue", TARGET_PUE),)))[0] > 0
    ]
    if not high:
        return None
    sets = tuple((f"sites.{name}.pue", TARGET_PUE) for name in high)
    kwh, kg = _saving(bill, raw, file, Overrides(sets))
    if not _worth(bill, kg):
        return None
    shown = ", ".join(f"{n} {_site_pue(contexts, n):g}" for n in high)
    action = f"choose data centres with a PUE of {TARGET_PUE:g} (now: {shown})"
    return Recommendation("lower PUE", action, kwh, kg, "project", f"{TALK}, Data Center choice")


def _intensity(contexts: dict[str, SiteContext], site: str) -> float:
    """A site's intensity as the bill uses it (point value; a catalog region resolved)."""
    return contexts[site].carbon_intensity_g_per_kwh


def _compute_optimal(raw: dict[str, Any], file: str, bill: Bill, project: Project) -> Recommendation | None:
    from energybill.whatif import planning

    kwh = kg = 0.0
    largest: tuple[float, str] | None = None
    for item in project.training:
        line = bill.item(item.name)
        optimal = planning.iso_loss(item.parameters, item.tokens)
        share = optimal.compute_saved_share
        kwh += (line.energy_kwh or 0.0) * share
        kg += (line.co2e_kg or 0.0) * share
        n_opt, d_opt = optimal.parameters / 1e9, optimal.tokens / 1e9
        text = (
            f"'{item.name}': {n_opt:.3g}B parameters on {d_opt:.3g}B tokens "
            f"reach the loss of {item.parameters / 1e9:.3g}B on {item.tokens / 1e9:.3g}B "
            f"with {share:.0%} less compute"
        )
        if largest is None or (line.energy_kwh or 0.0) > largest[0]:
            largest = ((line.energy_kwh or 0.0), text)
    if largest is None or not _worth(bill, kg):
        return None
    action = (
        f"train compute-optimal models (Chinchilla fit), e.g. {largest[1]}; smaller models also serve cheaper"
    )
    return Recommendation(
        "compute-optimal size", action, kwh, kg, "project", f"{TALK}, Modeling; {planning.HOFFMANN}, eq. 10"
    )


def _batch(raw: dict[str, Any], file: str, bill: Bill, project: Project) -> Recommendation | None:
    small = [i for i in project.inference if i.seconds_per_token is not None and i.batch_size < TARGET_BATCH]
    if not small:
        return None
    sets = tuple((f"inference.{i.name}.batch_size", TARGET_BATCH) for i in small)
    other = estimate(variant(raw, file, Overrides(sets)).project)
    billed = [i for i in small if bill.item(i.name).billed]
    if billed:
        kwh, kg = _difference(bill, other)
        basis = "project"
    else:
        kwh = kg = 0.0
        for i in small:
            before, after = bill.item(i.name).details, other.item(i.name).details
            kwh += float(before.get("energy_kwh_per_day", 0.0)) - float(after.get("energy_kwh_per_day", 0.0))
            kg += float(before.get("co2e_kg_per_day", 0.0)) - float(after.get("co2e_kg_per_day", 0.0))
        basis = "day of serving"
    if kg <= 0:
        return None
    names = ", ".join(f"'{i.name}' ({i.batch_size})" for i in small)
    action = (
        f"serve with batch size {TARGET_BATCH} instead of {names}: {TARGET_BATCH}× fewer joules per token "
        "if the time per token stays constant, as the talk assumes; quantization and distillation save more"
    )
    return Recommendation("efficient inference", action, kwh, kg, basis, f"{TALK}, Efficient inference")


def _flights(raw: dict[str, Any], file: str, bill: Bill, project: Project) -> Recommendation | None:
    trips = [t for t in project.travel if t.trips > 1 and t.co2e_kg is None]
    if not trips:
        return None
    sets = tuple((f"travel.{t.name}.trips", t.trips - 1) for t in trips)
    kwh, kg = _saving(bill, raw, file, Overrides(sets))
    if not _worth(bill, kg):
        return None
    names = ", ".join(f"'{t.name}' ({t.trips} → {t.trips - 1})" for t in trips)
    action = f"one trip fewer, e.g. replaced by video calls: {names}"
    return Recommendation(
        "fewer flights", action, kwh, kg, "project", f"{TALK}, Minimizing exogenous impacts"
    )
