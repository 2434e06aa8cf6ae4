"""Resolve a project's catalog references: site regions, devices, airports, embodied entries.

``check_project`` runs every look-up at load time, so that ``energybill validate`` and ``bill``
report a bad name as ``file: sites.x.region: ...`` like any other problem; the estimate functions
call the same (cached) look-ups again to get the values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from energybill.catalog.errors import CatalogError
from energybill.catalog.values import CatalogValue
from energybill.errors import Problem
from energybill.project.model import Embodied, Project, Site, Travel


@dataclass(frozen=True)
class SiteNumbers:
    """A site's intensity and PUE with their sources, as ``SiteContext`` holds them."""

    carbon_intensity_g_per_kwh: float
    intensity_source: str
    pue: float
    pue_source: str
    intensity_year: str | None = None


def site_numbers(name: str, site: Site) -> SiteNumbers:
    """Intensity from ``region`` (a country, an aggregate or ``provider:region``) and the PUE:
    the project file's, else a cloud provider's (an assumption, said so), else 1.0."""
    assert site.region is not None
    pue_value: CatalogValue | None = None
    if ":" in site.region:
        from energybill.catalog.cloud import cloud_region

        region = cloud_region(site.region, site.year)
        intensity, pue_value = region.intensity, region.pue
    else:
        from energybill.catalog.grid import grid_intensity

        intensity = grid_intensity(site.region, site.year)
    if "pue" in site.model_fields_set:
        pue, pue_source = site.pue, f"project file: sites.{name}.pue"
    elif pue_value is not None:
        pue = pue_value.value
        pue_source = (
            f"default: PUE {pue:g} of {pue_value.label} (Cloud Carbon Footprint constant, in the catalog)"
        ) + f"; {pue_value.provenance_source()}"
    else:
        pue, pue_source = 1.0, f"default: PUE 1.0 because sites.{name} gives none (no cooling counted)"
    return SiteNumbers(intensity.value, intensity.provenance_source(), pue, pue_source, intensity.year)


def check_project(project: Project) -> list[Problem]:
    """Every catalog look-up of the project, each failure as a problem at its key path."""
    problems: list[Problem] = []
    for name, site in project.sites.items():
        if site.region is not None:
            _try(problems, f"sites.{name}.region", lambda s=site, n=name: site_numbers(n, s))
    for path, item in project.items():
        if isinstance(item, Travel) and item.uses_catalog():
            _check_flight(problems, path, item)
        elif isinstance(item, Embodied) and item.device is not None:
            from energybill.catalog.embodied import embodied_factor

            _try(problems, f"{path}.device", lambda d=item.device: embodied_factor(d))
        elif getattr(item, "device", None) is not None:
            from energybill.catalog.hardware import device_tdp

            _try(problems, f"{path}.device", lambda d=item.device: device_tdp(d))  # type: ignore[attr-defined]
    return problems


def _check_flight(problems: list[Problem], path: str, item: Travel) -> None:
    from energybill.catalog.flights import airport

    before = len(problems)
    _try(problems, f"{path}.from", lambda: airport(item.from_ or ""))
    _try(problems, f"{path}.to", lambda: airport(item.to or ""))
    if len(problems) == before and item.kg_co2e_per_passenger_km is None:
        from energybill.estimate.flights import flight_route

        _try(problems, f"{path}.cabin", lambda: flight_route(item))


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
