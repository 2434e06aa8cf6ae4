"""Monte Carlo over the uncertainty ranges of a project: p5 / p50 / p95 of every item, phase, total.

Vectorised: each range is drawn once as a numpy array of N samples, the arrays replace the point
values on the validated items (``model_copy`` skips validation) and on the sites, and the *same*
estimate functions as the deterministic bill run once on those arrays — one implementation of each
formula, no Python loop per sample. A site's range is drawn once and shared by all its items.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
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
            # unbounded ratios (tokens per kg CO2e where a draw is zero-carbon) are null: JSON has no inf
            "items": _finite(self.items),
            "phases": _finite(self.phases),
            "totals": self.totals,
        }


def _finite(table: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    return {
        name: {q: {p: v if math.isfinite(v) else None for p, v in cell.items()} for q, cell in row.items()}
        for name, row in table.items()
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
    """The Monte Carlo intervals of a validated variant whose deterministic bill is ``point``.

    Items are evaluated one after the other and summarised as they come (their sampled arrays are
    dropped once their percentiles are taken), so memory grows with the ranges, not the items."""
    import numpy as np

    _, dists, _ = split_ranges(chosen.raw)
    rng = np.random.default_rng(seed)
    draws = {d.path: draw(d, rng, samples) for d in dists}
    summary = _Summary(samples)
    with np.errstate(divide="ignore"):
        for base, item in zip(point.items, _sampled_items(chosen.project, point, draws), strict=True):
            summary.add(base, item)
    return summary.intervals(seed, tuple(dists))


def _sampled_items(project: Project, point: Bill, draws: dict[str, Any]) -> Iterator[ItemBill]:
    """Each item's bill on the sampled inputs, in billing order; an item with no range of its own
    or of its site is the point bill's (the same function on the same inputs)."""
    sites = site_contexts(project)
    drawn_sites: set[str] = set()
    for name, context in sites.items():
        updates = {
            k: draws[f"sites.{name}.{k}"]
            for k in ("pue", "carbon_intensity_g_per_kwh")
            if f"sites.{name}.{k}" in draws
        }
        if updates:
            drawn_sites.add(name)
        sites[name] = dataclasses.replace(context, **updates)
    by_item: dict[str, dict[str, Any]] = {}  # "compute[3]" → {key: samples}
    for key, value in draws.items():
        if not key.startswith("sites."):
            path, _, field = key.partition(".")
            by_item.setdefault(path, {})[field] = value
    earlier = Billed()  # the items inference items compare with (sampled ones replace these as they come)
    for line in point.items:
        if line.kind != "inference":
            earlier.append(line)
    for (path, item), point_item in zip(project.items(), point.items, strict=True):
        updates = dict(by_item.get(path, {}))
        if not updates and item.site not in drawn_sites and item.kind != "inference":
            bill = point_item
        else:
            if item.kind == "inference" and "compare_with" in point_item.details:
                # the point bill chose the training item; a max() over arrays could not
                named = getattr(item, "compare_with", None)
                updates["compare_with"] = named or point_item.details["compare_with"]
            # as the point bill does: a calibration record's measurements replace the sampled assumptions
            bill = estimate_item(item.model_copy(update=updates), sites, earlier)
        if bill.kind != "inference":
            earlier.append(bill)
        yield bill


ROWS_PER_BATCH = 256  # varying rows whose percentiles are taken together (256 × N floats at a time)


class _Summary:
    """p5/p50/p95 of items, phases and totals, filled item by item. A row that does not vary (a
    number, not an array of samples) is its own p5, p50 and p95, exactly; the rows that vary are
    kept until ``ROWS_PER_BATCH`` of them are taken at once. Phase sums add each item's samples in
    item order, as one array per phase and quantity."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.out: dict[str, dict[str, Any]] = {"items": {}, "phases": {}, "totals": {}}
        self.phase_sums: dict[str, dict[str, Any]] = {}
        self._pending: list[tuple[dict[str, float], Any]] = []

    def add(self, base: ItemBill, item: ItemBill) -> None:
        import numpy as np

        cells = self.out["items"].setdefault(item.name, {})
        for quantity in ("energy_kwh", "co2e_kg"):
            value = getattr(item, quantity)
            if value is None:
                continue
            cells[quantity] = self._cell(value)
            sums = self.phase_sums.setdefault(base.phase, {})
            total = sums.get(quantity, 0.0)
            if isinstance(total, np.ndarray):
                total += value  # in place: the sum is this phase's own array
            else:
                total = total + value  # a number until the first array of samples
            sums[quantity] = total
        for key, value in item.details.items():
            if isinstance(value, np.ndarray) and value.shape == (self.n,):
                cells[f"details.{key}"] = self._cell(value)
        if not cells:
            del self.out["items"][item.name]

    def intervals(self, seed: int | None, dists: tuple[Distribution, ...]) -> Intervals:
        import numpy as np

        for phase, sums in self.phase_sums.items():
            self.out["phases"][phase] = {q: self._cell(v) for q, v in sums.items()}
        for quantity in ("energy_kwh", "co2e_kg"):
            parts = [s[quantity] for s in self.phase_sums.values() if quantity in s]
            self.out["totals"][quantity] = self._cell(sum(parts) if parts else np.zeros(self.n))
        self._flush()
        out = self.out
        return Intervals(self.n, seed, dists, out["items"], out["phases"], out["totals"])

    def _cell(self, value: Any) -> dict[str, float]:
        import numpy as np

        if not isinstance(value, np.ndarray) or value.ndim == 0:
            number = float(value)
            return {"p5": number, "p50": number, "p95": number}
        cell: dict[str, float] = {}  # filled by _flush, in place (the order of keys is kept)
        self._pending.append((cell, np.broadcast_to(np.asarray(value, dtype=float), (self.n,))))
        if len(self._pending) >= ROWS_PER_BATCH:
            self._flush()
        return cell

    def _flush(self) -> None:
        import numpy as np

        if not self._pending:
            return
        matrix = np.stack([row for _, row in self._pending])
        with np.errstate(invalid="ignore"):  # inf - inf of an unbounded ratio: nan, shown as null
            table = np.percentile(matrix, PERCENTILES, axis=1).T  # one call for every row of the batch
        for (cell, _), (p5, p50, p95) in zip(self._pending, table, strict=True):
            cell.update(p5=float(p5), p50=float(p50), p95=float(p95))
        self._pending = []
