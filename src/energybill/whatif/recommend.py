"""The talk's best practices as numbers for one project: what each would save, largest first.

Each recommendation is a what-if scenario (``estimate.scenarios``) subtracted from the project's
bill, with the same formulas as the bill, without validating and billing the whole file again:

- a practice that changes only sites (PUE, grid): the bill's items are kept; an item at a changed
  site gets the new intensity (``kg = kWh × g/kWh / 1000``), and the items whose energy scales
  with a changed PUE are billed again by the same estimate functions (compute, training,
  inference; storage and transfer unless their factor includes the PUE; not ``other``, energy at
  the plug); travel, embodied and CO2e given directly have no site and do not change;
- a practice that changes items (batch size, trips): only those items are billed again, from the
  validated items with the new values (valid by construction).

The result is the re-bill's, exactly (``rebill=True`` takes the re-bill path, for tests).
Savings are each measured against the current bill; they are alternatives, not additive. Source
of the practices: the talk's "Best practices and recommendations" slides (data centre choice,
local carbon intensity, compute-optimal trade-off, efficient inference, minimizing exogenous
impacts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from energybill.core.bill import Bill
from energybill.core.units import co2e_kg
from energybill.estimate.engine import Billed, estimate_item
from energybill.estimate.site import TALK, SiteContext
from energybill.project.model import AnyItem, Compute, Inference, Project, Site, Storage, Training, Transfer
from energybill.project.overrides import Overrides, apply, compute_sites
from energybill.project.ranges import split_ranges
from energybill.whatif.billing import Billing

# The clean grid of the relocation advice: France, the talk's own example ("running all
# computations in France"), at the catalog's intensity: the value `--relocate FR` bills with.
CLEAN_GRID_REGION = "FR"
TARGET_PUE = 1.1  # talk: "a PUE of 1.1 will decrease the energy consumption by 39% [vs 1.8]"
# Serving: batch 8 at the same time per token, the talk's own assumption that latency does not
# depend on the number of processed tokens; decoding a 13B model is memory-bound at small batch.
TARGET_BATCH = 8
MIN_SHARE = 0.01  # smaller savings are noise, not advice
# Travel above this share of the CO2e always gets advice, even a single trip (issue 14: one trip was
# 93 % of a project's CO2e and nothing was said).
TRAVEL_SHARE = 0.25


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


@dataclass(frozen=True)
class _Case:
    """The variant being advised (``layers`` of overrides on the file), its bill and its sites."""

    billing: Billing
    layers: tuple[Overrides, ...]
    bill: Bill
    raw: dict[str, Any]
    project: Project
    sites: dict[str, SiteContext]
    rebill: bool = False

    def other(self, overrides: Overrides) -> Bill:
        """The bill with one practice applied on top of the variant."""
        return self.billing.bill(*self.layers, overrides)


def recommendations(
    billing: Billing, bill: Bill, layers: tuple[Overrides, ...] = (), rebill: bool = False
) -> list[Recommendation]:
    """Every practice that applies to the variant ``layers`` of the project whose estimated bill
    (no measured runs: the practices' bills are estimates too) is ``bill``, largest CO2e saving
    first (per project, then per day). ``rebill``: bill every practice as a
    variant of its own, even one that changes only sites (the slower path, for tests)."""
    chosen = billing.variant(*layers)
    case = _Case(billing, layers, bill, chosen.raw, chosen.project, billing.sites(*layers), rebill)
    found: list[Recommendation | None] = [
        _clean_grid(case),
        _cleanest_site(case),
        _pue(case),
        _compute_optimal(case),
        _batch(case),
        _quantization(case),
        _distillation(case),
        _flights(case),
    ]
    kept = [r for r in found if r is not None]
    return sorted(kept, key=lambda r: (r.basis != "project", -r.co2e_kg_saved))


def _saving(case: _Case, overrides: Overrides) -> tuple[float, float]:
    totals = None if case.rebill else _site_totals(case, overrides)
    if totals is None:
        return _difference(case.bill, case.other(overrides))
    return case.bill.totals.energy_kwh - totals[0], case.bill.totals.co2e_kg - totals[1]


def _site_totals(case: _Case, overrides: Overrides) -> tuple[float, float] | None:
    """The totals (kWh, kg) of the variant's bill with ``overrides`` that change only sites, from the
    bill's items; None for other overrides (or sites the overrides make invalid: the re-bill says
    why)."""
    after = _sites_after(case, overrides)
    if after is None:
        return None
    before = case.bill
    earlier = Billed()  # for the items an inference item compares with (details only, not totals)
    for line in before.items:
        if line.kind != "inference":
            earlier.append(line)
    energy = co2e = 0.0
    for line, (_, item) in zip(before.items, case.project.items(), strict=True):
        if not line.billed:
            continue
        kwh, kg = line.energy_kwh or 0.0, line.co2e_kg or 0.0
        if item.site is not None and line.site is not None:
            old, new = case.sites[item.site], after[item.site]
            if new.pue != old.pue and _scales_with_pue(item):
                again = estimate_item(item, after, earlier)
                kwh, kg = again.energy_kwh or 0.0, again.co2e_kg or 0.0
            elif new.carbon_intensity_g_per_kwh != old.carbon_intensity_g_per_kwh:
                kg = co2e_kg(kwh, new.carbon_intensity_g_per_kwh)  # as SiteContext.carbon
        energy += kwh
        co2e += kg
    return energy, co2e


def _reestimated(case: _Case, changes: dict[str, dict[str, Any]]) -> Bill:
    """The variant's bill with the items named in ``changes`` given new values (that are valid: not
    validated again) and billed again by the same estimate functions; every other item is kept."""
    before = case.bill
    earlier = Billed()
    for line in before.items:  # what inference items compare with (practices change none of these)
        if line.kind != "inference":
            earlier.append(line)
    items = []
    for line, (_, item) in zip(before.items, case.project.items(), strict=True):
        if item.name in changes:
            line = estimate_item(item.model_copy(update=changes[item.name]), case.sites, earlier)
        items.append(line)
    return Bill.from_items(before.project, items)


def _scales_with_pue(item: AnyItem) -> bool:
    """Whether an item's energy is multiplied by its site's PUE (estimate/*.py): device time,
    training and serving; storage and transfer unless their factor includes it. Not ``other``
    (energy at the plug)."""
    if isinstance(item, Storage | Transfer):
        return not item.pue_included
    return isinstance(item, Compute | Training | Inference)


def _sites_after(case: _Case, overrides: Overrides) -> dict[str, SiteContext] | None:
    """Every site of the variant as the bill would see it with ``overrides``, when they change only
    sites (``sites.*`` paths, ``relocate``); the sites are validated like the file's."""
    if not all(path.startswith("sites.") for path, _ in overrides.assignments):
        return None
    try:
        applied = apply(case.raw, overrides, case.billing.file)
        points, _, problems = split_ranges({"sites": applied.get("sites") or {}})
        if problems:
            return None
        return {
            name: SiteContext.from_site(name, Site.model_validate(table))
            for name, table in points["sites"].items()
        }
    except Exception:  # a bad value or region: the re-bill reports it as the file's own would be
        return None


def _difference(bill: Bill, other: Bill) -> tuple[float, float]:
    return (
        bill.totals.energy_kwh - other.totals.energy_kwh,
        bill.totals.co2e_kg - other.totals.co2e_kg,
    )


def _worth(bill: Bill, co2e_saved: float) -> bool:
    return co2e_saved > MIN_SHARE * bill.totals.co2e_kg


def _clean_grid(case: _Case) -> Recommendation | None:
    from energybill.catalog.regions import region_values

    bill, raw, contexts = case.bill, case.raw, case.sites
    grid, _ = region_values(CLEAN_GRID_REGION)
    dirty = [s for s in compute_sites(raw) if _intensity(contexts, s) > grid.value]
    if not dirty:
        return None
    kwh, kg = _saving(case, Overrides(relocate=CLEAN_GRID_REGION))
    if not _worth(bill, kg):
        return None
    action = (
        f"run the computations of {', '.join(dirty)} on a clean grid: {grid.label} "
        f"({CLEAN_GRID_REGION}, {grid.value:g} g/kWh), each site keeping its PUE"
    )
    return Recommendation(
        "cleaner grid", action, kwh, kg, "project", f"{TALK}, Local carbon intensity; {grid.cite()}"
    )


def _cleanest_site(case: _Case) -> Recommendation | None:
    bill, raw, contexts = case.bill, case.raw, case.sites
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
    kwh, kg = _saving(case, Overrides(sets))
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


def _pue(case: _Case) -> Recommendation | None:
    bill, raw, contexts = case.bill, case.raw, case.sites
    high = [
        name
        for name in raw.get("sites") or {}
        if _site_pue(contexts, name) > TARGET_PUE  # and the PUE is applied somewhere (not pue_included)
        and _saving(case, Overrides(((f"sites.{name}.pue", TARGET_PUE),)))[0] > 0
    ]
    if not high:
        return None
    sets = tuple((f"sites.{name}.pue", TARGET_PUE) for name in high)
    kwh, kg = _saving(case, Overrides(sets))
    if not _worth(bill, kg):
        return None
    shown = ", ".join(f"{n} {_site_pue(contexts, n):g}" for n in high)
    action = f"choose data centres with a PUE of {TARGET_PUE:g} (now: {shown})"
    return Recommendation("lower PUE", action, kwh, kg, "project", f"{TALK}, Data Center choice")


def _intensity(contexts: dict[str, SiteContext], site: str) -> float:
    """A site's intensity as the bill uses it (point value; a catalog region resolved)."""
    return contexts[site].carbon_intensity_g_per_kwh


def _compute_optimal(case: _Case) -> Recommendation | None:
    bill, project = case.bill, case.project
    from energybill.whatif import planning

    kwh = kg = 0.0
    largest: tuple[float, str] | None = None
    for item in project.training:
        if item.is_fine_tune():  # its size is its base model's: no compute-optimal alternative
            continue
        line = bill.item(item.name)
        # a mixture-of-experts is planned by its active parameters (the ones a token costs)
        optimal = planning.iso_loss(item.n_active, item.tokens)
        share = optimal.compute_saved_share
        kwh += (line.energy_kwh or 0.0) * share
        kg += (line.co2e_kg or 0.0) * share
        n_opt, d_opt = optimal.parameters / 1e9, optimal.tokens / 1e9
        active = "active " if item.active_parameters is not None else ""
        text = (
            f"'{item.name}': {n_opt:.3g}B {active}parameters on {d_opt:.3g}B tokens "
            f"reach the loss of {item.n_active / 1e9:.3g}B on {item.tokens / 1e9:.3g}B "
            f"with {share:.0%} less compute"
        )
        if item.active_parameters is not None:
            text += " (planned with the active parameters; the Chinchilla fit is for dense models)"
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


def _batch(case: _Case) -> Recommendation | None:
    """A bigger decode batch, priced with the load-dependent power model (estimate.power): the
    power rises with the batch, so J/token falls less than 1/batch."""
    from energybill.estimate import power

    project = case.project
    small = [
        i for i in project.inference
        if i.seconds_per_token is not None and i.batch_size < TARGET_BATCH and i.calibration is None
    ]
    if not small:
        return None
    changes: dict[str, dict[str, Any]] = {}
    for i in small:
        change: dict[str, Any] = {"batch_size": TARGET_BATCH}  # valid: seconds_per_token is given
        if i.watts_per_device is not None:  # a named device follows the model by itself
            change["watts_per_device"] = i.watts_per_device * power.power_ratio(i.batch_size, TARGET_BATCH)
        changes[i.name] = change
    sets = tuple((f"inference.{n}.{k}", v) for n, change in changes.items() for k, v in change.items())
    kwh, kg, basis, other = _serving_saving(case, small, changes, Overrides(sets))
    if kg <= 0:
        return None
    first = small[0]
    ratio = power.power_ratio(first.batch_size, TARGET_BATCH)
    before = case.bill.item(first.name).details.get("joules_per_token")
    after = other.item(first.name).details.get("joules_per_token")
    fewer = float(before) / float(after) if before and after else TARGET_BATCH / first.batch_size / ratio
    names = ", ".join(f"'{i.name}' ({i.batch_size})" for i in small)
    action = (
        f"serve with batch size {TARGET_BATCH} instead of {names}: {fewer:.1f}× fewer joules per token, "
        f"not {TARGET_BATCH / first.batch_size:g}×: the device draws {ratio:.2f}× the power at batch "
        f"{TARGET_BATCH} "
        "(load-dependent model fitted to ML.ENERGY v3.0), if the time per token stays constant, as the talk "
        "assumes"
    )
    source = f"{TALK}, Efficient inference; {power.CITATION}"
    return Recommendation("efficient inference", action, kwh, kg, basis, source)


# Quantization: FP8 weights and activations. ML.ENERGY v3.0 (Chung et al. 2025; leaderboard v3.0
# blog, "Precision"): at batch 65–256, FP8 uses a median 11 % less energy per token than BF16; at
# batch 8–16 it uses 30 % more. Advised only from batch QUANTIZATION_MIN_BATCH (the crossover).
QUANTIZATION_SAVING = 0.11
QUANTIZATION_MIN_BATCH = 32
# Distillation: a student 40 % smaller and 60 % faster that keeps 97 % of the teacher's language
# understanding (Sanh et al. 2019, DistilBERT, abstract): the time per token × 1 / 1.6.
DISTILLED_SPEEDUP = 1.6
DISTILLED_SIZE = 0.6


def _quantization(case: _Case) -> Recommendation | None:
    items = [
        i for i in case.project.inference
        if i.seconds_per_token is not None
        and i.batch_size >= QUANTIZATION_MIN_BATCH
        and i.calibration is None
    ]
    if not items:
        return None
    faster = 1.0 - QUANTIZATION_SAVING
    changes = {i.name: {"seconds_per_token": (i.seconds_per_token or 0.0) * faster} for i in items}
    sets = tuple((f"inference.{n}.seconds_per_token", c["seconds_per_token"]) for n, c in changes.items())
    kwh, kg, basis, _ = _serving_saving(case, items, changes, Overrides(sets))
    if kg <= 0:
        return None
    action = (
        f"quantize to FP8: {QUANTIZATION_SAVING:.0%} fewer joules per token at batch ≥ 65 "
        "(ML.ENERGY v3.0 median; it costs 30 % more at batch 8–16), assumed here as a "
        f"{QUANTIZATION_SAVING:.0%} shorter time per token for {', '.join(repr(i.name) for i in items)}; "
        "check the quality"
    )
    source = f"{TALK}, Efficient inference; ML.ENERGY v3.0 (Chung et al. 2025), Precision"
    return Recommendation("quantization", action, kwh, kg, basis, source)


def _distillation(case: _Case) -> Recommendation | None:
    items = [
        i for i in case.project.inference
        if (i.seconds_per_token is not None or i.tokens_per_second is not None) and i.calibration is None
    ]
    if not items:
        return None
    changes: dict[str, dict[str, Any]] = {}
    for i in items:
        change: dict[str, Any] = (
            {"seconds_per_token": i.seconds_per_token / DISTILLED_SPEEDUP}
            if i.seconds_per_token is not None
            else {"tokens_per_second": (i.tokens_per_second or 0.0) * DISTILLED_SPEEDUP}
        )
        if i.prefill_tokens_per_second is not None:
            change["prefill_tokens_per_second"] = i.prefill_tokens_per_second * DISTILLED_SPEEDUP
        if i.parameters is not None:
            change["parameters"] = i.parameters * DISTILLED_SIZE
            if i.active_parameters is not None:
                change["active_parameters"] = i.active_parameters * DISTILLED_SIZE
        changes[i.name] = change
    sets = tuple((f"inference.{n}.{k}", v) for n, c in changes.items() for k, v in c.items())
    kwh, kg, basis, _ = _serving_saving(case, items, changes, Overrides(sets))
    if kg <= 0:
        return None
    action = (
        f"serve a distilled model: assumed {1 - DISTILLED_SIZE:.0%} fewer (active) parameters and "
        f"{DISTILLED_SPEEDUP:g}× the tokens per second at the same power (DistilBERT: 97 % of the "
        f"quality, Sanh et al. 2019), for {', '.join(repr(i.name) for i in items)}; the distillation's "
        "own training is not counted"
    )
    return Recommendation(
        "distillation", action, kwh, kg, basis, f"{TALK}, Efficient inference; Sanh et al. 2019, DistilBERT"
    )


def _serving_saving(
    case: _Case, items: list[Inference], changes: dict[str, dict[str, Any]], overrides: Overrides
) -> tuple[float, float, str, Bill]:
    """(kWh, kg, basis, the practice's bill) a serving practice saves: per project when an item is
    billed, else per day of serving."""
    bill = case.bill
    other = case.other(overrides) if case.rebill else _reestimated(case, changes)
    if any(bill.item(i.name).billed for i in items):
        kwh, kg = _difference(bill, other)
        return kwh, kg, "project", other
    kwh = kg = 0.0
    for i in items:
        before, after = bill.item(i.name).details, other.item(i.name).details
        kwh += float(before.get("energy_kwh_per_day", 0.0)) - float(after.get("energy_kwh_per_day", 0.0))
        kg += float(before.get("co2e_kg_per_day", 0.0)) - float(after.get("co2e_kg_per_day", 0.0))
    return kwh, kg, "day of serving", other


def _flights(case: _Case) -> Recommendation | None:
    bill, project = case.bill, case.project
    trips = [t for t in project.travel if t.trips > 1 and t.co2e_kg is None]
    if not trips:
        return _large_travel(case)
    sets = tuple((f"travel.{t.name}.trips", t.trips - 1) for t in trips)
    if case.rebill:
        kwh, kg = _saving(case, Overrides(sets))
    else:  # valid: trips - 1 >= 1
        kwh, kg = _difference(bill, _reestimated(case, {t.name: {"trips": t.trips - 1} for t in trips}))
    if not _worth(bill, kg):
        return None
    names = ", ".join(f"'{t.name}' ({t.trips} → {t.trips - 1})" for t in trips)
    action = f"one trip fewer, e.g. replaced by video calls: {names}"
    return Recommendation(
        "fewer flights", action, kwh, kg, "project", f"{TALK}, Minimizing exogenous impacts"
    )


def _large_travel(case: _Case) -> Recommendation | None:
    """Travel that is a large share of the CO2e, with no repeated trip to drop: replace the largest
    journey (video call, train), or send fewer people; the saving is that journey's CO2e."""
    bill = case.bill
    travel = [line for line in bill.items if line.kind == "travel" and line.billed]
    total = bill.totals.co2e_kg
    travel_kg = sum(line.co2e_kg or 0.0 for line in travel)
    if not travel or total <= 0 or travel_kg <= TRAVEL_SHARE * total:
        return None
    largest = max(travel, key=lambda line: line.co2e_kg or 0.0)
    action = (
        f"travel is {travel_kg / total:.0%} of the CO2e: replace '{largest.name}' by video calls or "
        "a train where there is one, or send fewer people"
    )
    source = f"{TALK}, Minimizing exogenous impacts"
    return Recommendation("fewer flights", action, 0.0, largest.co2e_kg or 0.0, "project", source)
