"""Put measured runs on the bill: beside an item's estimate, or as items of their own.

A run belongs to an item when it was recorded with ``--project FILE --item NAME`` (the run's
project is the file's ``[project].name``), when the item lists its id in ``runs = [...]``, or
when it carries every lineage tag of the item's ``run_tags = {experiment = "ablation-3"}``.
The item keeps its estimate in ``energy_kwh``; the measured energy, its CO2e and the difference
go in its details with their provenance (run ids, methods, ledger). Runs of the project whose
item is not in the file are billed as ``measured`` items of their own.

Measured energy is IT energy (devices); the facility's share is added with the site's PUE:
``kWh = Σ J / 3.6e6 × PUE`` and ``kg = kWh × g/kWh / 1000`` (DESIGN.md, "CO2e").

No ledger file, no change: the bill does not create one and does not import sqlite.

The bill also carries the development share of the measured runs (``reconcile.lineage``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from energybill.core.bill import Bill, ItemBill, Provenance
from energybill.core.errors import Problem, ProjectError
from energybill.core.provenance import Source, formula, supplying
from energybill.core.units import j_to_kwh
from energybill.estimate.site import SiteContext, site_contexts
from energybill.ledger.paths import exists, resolve
from energybill.project.model import Project
from energybill.reconcile.lineage import development_share

FORMULA = "Σ run energy_j / 3.6e6 × PUE"
MEASURED_KIND = "measured"


def attach_measurements(bill: Bill, project: Project, project_file: str | Path,
                        ledger: str | Path | None = None) -> Bill:
    """The bill with measured runs attached; unchanged when there is no ledger."""
    path = resolve(ledger, project_file)
    listed = [(key, item) for key, item in project.items() if item.runs]
    if not exists(path):  # run_tags select whatever was recorded: none yet is no error, unlike ids
        if listed:
            problem = Problem(f"{listed[0][0]}.runs", f"no ledger at {path} to find these runs in")
            raise ProjectError(str(project_file), [problem])
        return bill
    from energybill.ledger.store import Ledger

    store = Ledger(path, create=False)
    runs = store.runs(project=project.project.name)
    _check_ids(store, listed, str(project_file))
    sites = site_contexts(project)
    by_item: dict[str | None, list[Any]] = {}  # the project's runs grouped by item once, in order
    for run in runs:
        by_item.setdefault(run.item, []).append(run)
    methods = _Methods(store, project.project.name)
    items: list[ItemBill] = []
    phases: dict[str, str] = {}  # run id → the phase of the item it is billed to
    every: dict[str, Any] = {run.id: run for run in runs}
    for bill_item, (_, item) in zip(bill.items, project.items(), strict=True):
        selected = [*by_item.get(item.name, []), *_selected(store, item)]
        mine = list({run.id: run for run in selected}.values())  # each run once
        items.append(_attach(bill_item, item, mine, store, sites, methods))
        for run in mine:
            phases.setdefault(run.id, item.phase)
            every.setdefault(run.id, run)
    names = {item.name for _, item in project.items()}
    items += _measurement_only([r for r in runs if r.id not in phases], names, sites, store, methods)
    development = development_share(every.values(), store.tags_for(list(every)), phases, str(store.path))
    return replace(Bill.from_items(bill.project, items), development=development)


def _selected(store: Any, item: Any) -> list[Any]:
    """The runs an item selects beyond its own name: by id (``runs``), by lineage tag (``run_tags``)."""
    from energybill.ledger.store import RunFilter

    listed = [r for r in store.runs(ids=item.runs) if r.item != item.name] if item.runs else []
    tagged = store.runs(where=RunFilter(tags=item.run_tags)) if item.run_tags else []
    return [*listed, *tagged]


class _Methods:
    """The measuring methods of runs, read for the whole project in one query (not one per run)."""

    def __init__(self, store: Any, project: str) -> None:
        self.store = store
        self.by_run: dict[str, set[str]] = store.methods_of_project(project)

    def of(self, runs: list[Any]) -> str:
        missing = [r.id for r in runs if r.id not in self.by_run]
        if missing:  # runs listed by id from another project, or with no device
            self.by_run.update(self.store.methods_by_run(missing))
        return ", ".join(sorted({m for r in runs for m in self.by_run[r.id]})) or "none"


def _check_ids(store: Any, listed: list[tuple[str, Any]], file: str) -> None:
    problems = []
    for key, item in listed:
        found = {row.id for row in store.runs(ids=item.runs)}
        problems += [
            Problem(f"{key}.runs[{i}]", f"no run '{run_id}' in {store.path}; see `energybill runs list`")
            for i, run_id in enumerate(item.runs) if run_id not in found
        ]
    if problems:
        raise ProjectError(file, problems)


def _attach(bill_item: ItemBill, item: Any, runs: list[Any], store: Any,
            sites: dict[str, SiteContext], known: _Methods) -> ItemBill:
    """``runs``: the runs of this item (by its name, ids and tags), each once."""
    mine = [r for r in runs if r.energy_j is not None]
    if not mine:
        return bill_item
    site = sites.get(item.site) if item.site else None
    methods = known.of(mine)
    energy_kwh, records = _measured_energy(mine, site, store, methods)
    details: dict[str, float | str] = dict(bill_item.details)
    details["measured_energy_kwh"] = energy_kwh
    details["measured_runs"] = ", ".join(r.id for r in mine)
    details["measured_methods"] = methods
    if site is not None:
        co2e, co2e_record = site.carbon(energy_kwh)
        details["measured_co2e_kg"] = co2e
        records.append(replace(co2e_record, quantity="details.measured_co2e_kg"))
    if bill_item.energy_kwh is not None:
        details["measured_minus_estimated_kwh"] = energy_kwh - bill_item.energy_kwh
        if bill_item.energy_kwh:
            details["measured_vs_estimated"] = energy_kwh / bill_item.energy_kwh - 1.0
    return replace(bill_item, details=details, provenance=(*bill_item.provenance, *records))


def _measured_energy(runs: list[Any], site: SiteContext | None, store: Any,
                     methods: str) -> tuple[float, list[Provenance]]:
    pue = site.pue if site is not None else 1.0
    energy_kwh = j_to_kwh(sum(r.energy_j for r in runs)) * pue
    inputs: dict[str, float | str] = {f"run {r.id} energy_j": r.energy_j for r in runs}
    inputs["pue"] = pue
    states = ", ".join(f"{r.id} {r.status}" for r in runs)
    pue_from = site.pue_sources if site is not None else (formula("no site: PUE 1 (IT energy only)"),)
    ledger = Source("measured", f"runs {states}; methods {methods}", file=str(store.path),
                    run_ids=tuple(r.id for r in runs))
    sources = (ledger, *supplying("PUE", pue_from))
    return energy_kwh, [Provenance("details.measured_energy_kwh", FORMULA, inputs, sources)]


def _measurement_only(runs: list[Any], names: set[str], sites: dict[str, SiteContext],
                      store: Any, methods: _Methods) -> list[ItemBill]:
    """Items that exist only as measurements: runs of the project whose item is not in the file."""
    groups: dict[str, list[Any]] = {}
    for run in runs:
        name = run.item or run.name
        if name not in names and run.energy_j is not None:
            groups.setdefault(name, []).append(run)
    return [_measured_item(name, group, sites, store, methods) for name, group in groups.items()]


def _measured_item(name: str, runs: list[Any], sites: dict[str, SiteContext], store: Any,
                   known: _Methods) -> ItemBill:
    site_name = next((r.site for r in runs if r.site), None)
    if site_name is None and len(sites) == 1:
        site_name = next(iter(sites))
    site = sites.get(site_name) if site_name else None
    methods = known.of(runs)
    energy_kwh, records = _measured_energy(runs, site, store, methods)
    details: dict[str, float | str] = {"measured_energy_kwh": energy_kwh,
                                       "measured_runs": ", ".join(r.id for r in runs),
                                       "measured_methods": methods}
    if site is None:  # no intensity to price it with: shown, not billed (never a zero CO2e)
        details["note"] = "no site: record the run with --site to bill it"
        return ItemBill(MEASURED_KIND, name, MEASURED_KIND, None, None, None, details, tuple(records))
    co2e, co2e_record = site.carbon(energy_kwh)
    details["measured_co2e_kg"] = co2e
    energy_record = replace(records[0], quantity="energy_kwh")
    return ItemBill(MEASURED_KIND, name, MEASURED_KIND, site.name, energy_kwh, co2e, details,
                    (energy_record, co2e_record))
