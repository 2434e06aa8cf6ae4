"""Checks that span a validated project: references between tables and to the catalog.

``check_references``: unknown sites, duplicate item names, a bad ``compare_with``.
``check_catalog`` runs every catalog look-up at load time, so that ``energybill validate`` and
``bill`` report a bad name as ``file: sites.x.region: ...`` like any other problem; the estimate
functions call the same (cached) look-ups again to get the values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from energybill.catalog.errors import CatalogError
from energybill.core.errors import Problem, did_you_mean
from energybill.project.model import Api, Compute, Embodied, Inference, Other, Project, Training, Travel


def check_references(project: Project, set_aside: tuple[str, ...] = ()) -> list[Problem]:
    """Problems that span several tables: unknown sites, duplicate item names, bad compare_with.
    ``set_aside``: sites of the file that did not validate (suggested, never reported unknown)."""
    problems: list[Problem] = []
    sites = [*project.sites, *set_aside]
    seen: dict[str, str] = {}
    for path, item in project.items():
        if item.site is not None and item.site not in sites:
            hint = did_you_mean(item.site, sites) if sites else "the file has no [sites.*] table"
            problems.append(Problem(f"{path}.site", f"unknown site '{item.site}'; {hint}"))
        if item.name in seen:
            message = f"duplicate item name '{item.name}' (also {seen[item.name]}); names must be unique"
            problems.append(Problem(f"{path}.name", message))
        seen.setdefault(item.name, path)
    with_energy = _items_with_energy(project)
    for index, item in enumerate(project.inference):
        for name in item.compared:
            if name not in with_energy:
                hint = did_you_mean(name, with_energy) if with_energy else "there is no item with energy"
                message = f"no item with energy named '{name}' (training, compute, other, ...); {hint}"
                problems.append(Problem(f"inference[{index}].compare_with", message))
    return problems


def _items_with_energy(project: Project) -> list[str]:
    """Items whose energy serving can be compared with: every kind that bills kWh, but serving."""
    return [
        item.name
        for _, item in project.items()
        if not isinstance(item, Inference | Api | Travel | Embodied)
        and not (isinstance(item, Other) and item.energy_kwh is None)
    ]


def check_catalog(project: Project) -> list[Problem]:
    """Every catalog look-up of the project, each failure as a problem at its key path."""
    from energybill.catalog.regions import region_values

    problems: list[Problem] = []
    for name, site in project.sites.items():
        if site.region is not None:
            _try(problems, f"sites.{name}.region", partial(region_values, site.region, site.year))
        if site.wue_provider is not None or site.water_country is not None:
            _check_water(problems, name, site.wue_provider, site.water_country)
    for path, item in project.items():
        if isinstance(item, Travel) and item.uses_catalog():
            _check_flight(problems, path, item)
        elif isinstance(item, Embodied) and item.device is not None:
            from energybill.catalog.embodied import embodied_factor

            _try(problems, f"{path}.device", partial(embodied_factor, item.device))
        elif isinstance(item, Api):
            from energybill.catalog.api_usage import check_api

            _try(problems, f"{path}.model", partial(check_api, item.provider, item.model))
        elif isinstance(item, Compute | Training | Inference) and item.device is not None:
            from energybill.catalog.hardware import device_tdp, peak_flops

            before = len(problems)
            _try(problems, f"{path}.device", partial(device_tdp, item.device))
            if isinstance(item, Training) and item.mfu is not None and len(problems) == before:
                at = f"{path}.dtype" if item.dtype is not None else f"{path}.mfu"
                _try(problems, at, partial(peak_flops, item.device, item.dtype or "bf16"))
        if isinstance(item, Inference) and item.model is not None:
            from energybill.catalog.models import model_info

            _try(problems, f"{path}.model", partial(model_info, item.model))
    return problems


def _check_water(problems: list[Problem], name: str, provider: str | None, country: str | None) -> None:
    from energybill.catalog.water import grid_water, provider_wue

    if provider is not None:
        _try(problems, f"sites.{name}.wue_provider", partial(provider_wue, provider))
    if country is not None:
        _try(problems, f"sites.{name}.water_country", partial(grid_water, country))


def check_currencies(project: Project) -> list[Problem]:
    """Every price of a project in one currency (the bill adds them up)."""
    problems: list[Problem] = []
    first: tuple[str, str] | None = None
    priced = [(f"sites.{name}.currency", site.currency) for name, site in project.sites.items()]
    priced += [(f"{path}.currency", getattr(item, "currency", None)) for path, item in project.items()]
    for path, currency in priced:
        if currency is None:
            continue
        if first is None:
            first = (path, currency)
        elif currency != first[1]:
            message = f"currency {currency} differs from {first[1]} ({first[0]}); give all prices in one"
            problems.append(Problem(path, message))
    return problems


def check_region(region: str) -> list[Problem]:
    """A relocation target's region, checked once (``--relocate FR``)."""
    from energybill.catalog.regions import region_values

    problems: list[Problem] = []
    _try(problems, "relocate", lambda: region_values(region))
    return problems


def region_pue(region: str, year: int | None = None) -> float | None:
    """The PUE the catalog gives a region (a cloud provider's), None for a grid or a bad name."""
    from energybill.catalog.regions import region_values

    try:
        pue = region_values(region, year)[1]
    except CatalogError:
        return None
    return None if pue is None else pue.value


def _check_flight(problems: list[Problem], path: str, item: Travel) -> None:
    from energybill.catalog.flights import airport, find_route

    before = len(problems)
    _try(problems, f"{path}.from", lambda: airport(item.from_ or ""))
    _try(problems, f"{path}.to", lambda: airport(item.to or ""))
    if len(problems) == before and item.kg_co2e_per_passenger_km is None:
        cabin = item.cabin or "economy"
        _try(problems, f"{path}.cabin",
             lambda: find_route(item.from_ or "", item.to or "", cabin, item.radiative_forcing))


def _try(problems: list[Problem], path: str, lookup: Callable[[], Any]) -> None:
    try:
        lookup()
    except CatalogError as exc:  # a year out of range points at the site's year, not its region
        at = (
            path.removesuffix(".region") + ".year"
            if exc.kind == "year" and path.endswith(".region")
            else path
        )
        problems.append(Problem(at, exc.message))
