"""Monte Carlo over the uncertainty ranges of a project: p5 / p50 / p95 of every item, phase, total.

Vectorised: each range is drawn once as a numpy array of N samples, the arrays replace the point
values on the validated items (``model_copy`` skips validation) and on the sites, and the *same*
estimate functions as the deterministic bill run once on those arrays — one implementation of each
formula, no Python loop per sample. A site's range is drawn once and shared by all its items.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from energybill.core.bill import Bill, ItemBill
from energybill.estimate.engine import Billed, estimate_item
from energybill.estimate.site import site_contexts
from energybill.project.model import Project
from energybill.project.ranges import Distribution, split_ranges
from energybill.project.variants import Variant

PERCENTILES = (5.0, 50.0, 95.0)


@dataclass(frozen=True)
class Intervals:
    """The point bill and the p5/p50/p95 of its numbers over ``samples`` draws."""

    samples: int
    seed: int | None
    inputs: tuple[Distribution, ...]
    items: dict[str, dict[str, dict[str, float]]]  # item name → quantity → {p5, p50, p95}
    phases: dict[str, dict[str, dict[str, float]]]
    totals: dict[str, dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "percentiles": list(PERCENTILES),
            "inputs": {d.path: d.to_dict() for d in self.inputs},
            "items": self.items,
            "phases": self.phases,
            "totals": self.totals,
        }


def draw(dist: Distribution, rng: Any, n: int) -> Any:
    """N samples of one range (numpy Generator ``rng``)."""
    p = dist.params
    if dist.shape == "uniform":
        return rng.uniform(p["low"], p["high"], n)
    if dist.shape == "triangular":
        if p["low"] == p["high"]:
            return rng.uniform(p["low"], p["high"], n)  # numpy's triangular rejects a zero width
        return rng.triangular(p["low"], p["mode"], p["high"], n)
    import numpy as np

    return rng.lognormal(np.log(p["median"]), dist.sigma, n)


def has_ranges(raw: dict[str, Any]) -> bool:
    """Whether a project document gives any uncertainty range."""
    return bool(split_ranges(raw)[1])


def sample(chosen: Variant, point: Bill, samples: int, seed: int | None = None) -> Intervals:
    """The Monte Carlo intervals of a validated variant whose deterministic bill is ``point``."""
    import numpy as np

    _, dists, _ = split_ranges(chosen.raw)
    project = chosen.project
    rng = np.random.default_rng(seed)
    draws = {d.path: draw(d, rng, samples) for d in dists}
    with np.errstate(divide="ignore"):
        sampled = _sampled_items(project, point, draws)
    return _summarise(point, sampled, samples, seed, tuple(dists))


def _sampled_items(project: Project, point: Bill, draws: dict[str, Any]) -> list[ItemBill]:
    sites = site_contexts(project)
    for name, context in sites.items():
        updates = {
            k: draws[f"sites.{name}.{k}"]
            for k in ("pue", "carbon_intensity_g_per_kwh")
            if f"sites.{name}.{k}" in draws
        }
        sites[name] = dataclasses.replace(context, **updates)
    items = Billed()
    for (path, item), point_item in zip(project.items(), point.items, strict=True):
        prefix = f"{path}."
        updates = {key[len(prefix) :]: value for key, value in draws.items() if key.startswith(prefix)}
        if item.kind == "inference" and "compare_with" in point_item.details:
            # the point bill chose the training item; a max() over arrays could not
            updates["compare_with"] = point_item.details["compare_with"]
        # as the point bill does: a calibration record's measurements replace the sampled assumptions
        items.append(estimate_item(item.model_copy(update=updates), sites, items))
    return items


def _summarise(
    point: Bill, sampled: list[ItemBill], n: int, seed: int | None, dists: tuple[Distribution, ...]
) -> Intervals:
    import numpy as np

    rows: list[tuple[str, str, str, Any]] = []  # (group, name, quantity, samples)
    phase_sums: dict[str, dict[str, Any]] = {}
    for base, item in zip(point.items, sampled, strict=True):
        for quantity in ("energy_kwh", "co2e_kg"):
            value = getattr(item, quantity)
            if value is None:
                continue
            arr = np.broadcast_to(np.asarray(value, dtype=float), (n,))
            rows.append(("items", item.name, quantity, arr))
            sums = phase_sums.setdefault(base.phase, {})
            sums[quantity] = sums.get(quantity, 0.0) + arr
        for key, value in item.details.items():
            if isinstance(value, np.ndarray) and value.shape == (n,):
                rows.append(("items", item.name, f"details.{key}", value))
    for phase, sums in phase_sums.items():
        rows += [("phases", phase, q, v) for q, v in sums.items()]
    for quantity in ("energy_kwh", "co2e_kg"):
        parts = [s[quantity] for s in phase_sums.values() if quantity in s]
        rows.append(("totals", "", quantity, sum(parts) if parts else np.zeros(n)))
    matrix = np.stack([np.broadcast_to(r[3], (n,)) for r in rows])
    table = np.percentile(matrix, PERCENTILES, axis=1).T  # one call for every row
    out: dict[str, dict[str, Any]] = {"items": {}, "phases": {}, "totals": {}}
    for (group, name, quantity, _), (p5, p50, p95) in zip(rows, table, strict=True):
        cell = {"p5": float(p5), "p50": float(p50), "p95": float(p95)}
        if group == "totals":
            out["totals"][quantity] = cell
        else:
            out[group].setdefault(name, {})[quantity] = cell
    return Intervals(n, seed, dists, out["items"], out["phases"], out["totals"])
