"""One way through: a project file parsed once, then billed, measured and what-if'd on demand.

    >>> pipe = Pipeline.open("examples/noor.toml")        # doctest: +SKIP
    >>> pipe.bill().totals.co2e_kg                          # doctest: +SKIP
    >>> pipe.bill(Overrides(relocate=41.44))                # a variant, validated and billed once

Each variant (the file with layers of overrides applied in order) is validated once and billed
once; the measured runs, Monte Carlo intervals, scenario columns and recommendations are computed
on first use and kept. The CLI and the reports ask this object; nothing below it re-reads the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from energybill.core.bill import Bill
from energybill.core.errors import ProjectError
from energybill.estimate.engine import estimate
from energybill.estimate.finite import overflow_problems
from energybill.estimate.site import SiteContext, site_contexts
from energybill.project.load import load_raw
from energybill.project.overrides import Overrides, apply, cli_overrides, scenario_overrides
from energybill.project.variants import Variant, variant
from energybill.reconcile.runs import attach_measurements
from energybill.whatif.compare import Column, columns
from energybill.whatif.recommend import Recommendation, recommendations
from energybill.whatif.uncertainty import Intervals, has_ranges, sample

Layers = tuple[Overrides, ...]


class Pipeline:
    """A parsed project file (``raw``: the TOML document, ranges and scenarios kept) and everything
    computed from it, cached by the layers of overrides that produced it."""

    def __init__(self, raw: dict[str, Any], file: str | Path, ledger: str | Path | None = None) -> None:
        self.raw = raw
        self.file = str(file)
        self.ledger = ledger
        self._raws: dict[str, dict[str, Any]] = {}
        self._variants: dict[str, Variant] = {}
        self._bills: dict[str, Bill] = {}
        self._measured: dict[str, Bill] = {}
        self._intervals: dict[tuple[str, int, int | None], Intervals] = {}

    @classmethod
    def open(cls, path: str | Path, ledger: str | Path | None = None) -> Pipeline:
        """Read and parse ``path`` (not validated yet: the first variant asked for is)."""
        return cls(load_raw(path), path, ledger)

    def overrides(
        self, scenarios: tuple[str, ...] = (), sets: tuple[str, ...] = (), relocate: str | None = None
    ) -> Overrides:
        """The command line's ``--scenario`` (in order), ``--set`` and ``--relocate`` as one layer."""
        return cli_overrides(self.raw, self.file, scenarios, sets, relocate)

    def scenario(self, name: str) -> Overrides:
        """The overrides of the file's ``[scenarios.NAME]``."""
        return scenario_overrides(self.raw, name, self.file)

    def variant(self, *layers: Overrides) -> Variant:
        """The file with ``layers`` applied in order, validated like the file itself (once).

        Only the result is validated: an override may repair a value the file gets wrong."""
        layers = _effective(layers)
        key = _key(layers)
        if key not in self._variants:
            if not layers:
                self._variants[key] = variant(self.raw, self.file)
            else:
                self._variants[key] = variant(self._raw(layers[:-1]), self.file, layers[-1])
        return self._variants[key]

    def _raw(self, layers: Layers) -> dict[str, Any]:
        """The document with ``layers`` applied, not validated (the parent of a stacked variant)."""
        if not layers:
            return self.raw
        key = _key(layers)
        if key not in self._raws:
            self._raws[key] = apply(self._raw(layers[:-1]), layers[-1], self.file)
        return self._raws[key]

    def bill(self, *layers: Overrides) -> Bill:
        """The estimated bill of a variant (no measured runs)."""
        key = _key(_effective(layers))
        if key not in self._bills:
            chosen = self.variant(*layers)
            bill = estimate(chosen.project)
            problems = overflow_problems(bill, chosen.project)
            if problems:  # inf or nan never reach a table, a share or the JSON
                raise ProjectError(chosen.file if chosen.label == "base" else f"{self.file} [{chosen.label}]",
                                   problems)
            self._bills[key] = bill
        return self._bills[key]

    def measured_bill(self, *layers: Overrides) -> Bill:
        """The bill with the ledger's measured runs attached (the estimate when there is no ledger)."""
        key = _key(_effective(layers))
        if key not in self._measured:
            project = self.variant(*layers).project
            self._measured[key] = attach_measurements(self.bill(*layers), project, self.file, self.ledger)
        return self._measured[key]

    def sites(self, *layers: Overrides) -> dict[str, SiteContext]:
        """Each site of a variant as the bill sees it (catalog regions resolved)."""
        return site_contexts(self.variant(*layers).project)

    def has_ranges(self, *layers: Overrides) -> bool:
        """Whether the variant gives any uncertainty range to sample."""
        return has_ranges(self.variant(*layers).raw)

    def intervals(self, samples: int, seed: int | None, *layers: Overrides) -> Intervals:
        """p5/p50/p95 of every item, phase and total from ``samples`` Monte Carlo draws."""
        key = (_key(_effective(layers)), samples, seed)
        if key not in self._intervals:
            self._intervals[key] = sample(self.variant(*layers), self.bill(*layers), samples, seed)
        return self._intervals[key]

    def columns(self, names: tuple[str, ...] = (), extra: Overrides | None = None) -> list[Column]:
        """The base bill, then each named scenario (all of the file's when none), then ``extra``."""
        return columns(self, names, extra)

    def recommendations(self, *layers: Overrides) -> list[Recommendation]:
        """The quantified best practices for a variant. Both sides of each saving are estimates:
        runs measured for items outside the file are not in the practice's bill, so counting them
        on one side only would report them as a saving."""
        return recommendations(self, self.bill(*layers), layers)


def _effective(layers: tuple[Overrides, ...]) -> Layers:
    """The layers that change something (an empty --set list is no variant of its own)."""
    return tuple(layer for layer in layers if layer.assignments or layer.relocate is not None)


def _key(layers: Layers) -> str:
    # values may be tables (unhashable); their repr is exact for TOML's types
    return repr([(layer.assignments, layer.relocate) for layer in layers])


def estimate_file(
    path: str | Path, *overrides: Overrides, ledger: str | Path | None = None, measured: bool = True
) -> Bill:
    """The bill of a project file (with ``overrides`` applied in order), with the measured runs of
    its ledger attached unless ``measured`` is false: what ``energybill bill FILE`` prints."""
    pipe = Pipeline.open(path, ledger)
    return pipe.measured_bill(*overrides) if measured else pipe.bill(*overrides)
