"""A site's disclosure terms beside PUE and grid intensity: water, market-based carbon and price.

Each value carries its sources like the PUE does: given in the project file, looked up in the
catalog, or a stated default (water not counted, market-based = location-based, no price).
"""

from __future__ import annotations

from dataclasses import dataclass

from energybill.core.provenance import Source, default, formula, project
from energybill.project.model import Site

# GHG Protocol Scope 2 Guidance (2015), ch. 6 and 7: market-based emissions use the emission
# factors of contractual instruments (0 for carbon-free energy attributes), the residual mix for
# the rest, and the location-based grid average where no residual mix is available.
GHG_SCOPE2 = "GHG Protocol Scope 2 Guidance (WRI/WBCSD 2015), market-based method"
LOCATION_FALLBACK = (
    "market-based = location-based for electricity not covered by a contract where no residual mix is "
    "given (GHG Protocol Scope 2 Guidance, ch. 6.11)"
)
LI_WATER = "Li, Yang, Islam, Ren, 'Making AI Less Thirsty' (2023): water = IT kWh × (WUE + PUE × grid water)"


@dataclass(frozen=True)
class SiteTerms:
    """Water per kWh, market-based inputs and price of one site, with their sources.

    Market-based: ``market_given`` when the file gives a factor; else a ``carbon_free_share`` of
    the electricity at 0 g/kWh and the rest at ``residual_mix`` (the location-based intensity when
    None: ``SiteContext.market_g_per_kwh`` works it out, so a sampled intensity flows through).
    """

    wue_l_per_kwh: float = 0.0
    wue_sources: tuple[Source, ...] = ()
    grid_water_l_per_kwh: float = 0.0
    water_sources: tuple[Source, ...] = ()
    market_given: float | None = None
    carbon_free_share: float = 0.0
    residual_mix: float | None = None
    market_sources: tuple[Source, ...] = ()
    price_per_kwh: float | None = None
    currency: str | None = None
    price_sources: tuple[Source, ...] = ()
    water_counted: bool = False  # False: neither on-site nor off-site water is known here


def site_terms(name: str, site: Site) -> SiteTerms:
    """The terms of ``[sites.NAME]``: the file's values, the catalog's, or stated defaults."""
    wue, wue_sources = _wue(name, site)
    water, water_sources = _grid_water(name, site)
    counted = not (wue_sources[0].kind == "default" and water_sources[0].kind == "default")
    return SiteTerms(
        wue_l_per_kwh=wue,
        wue_sources=wue_sources,
        grid_water_l_per_kwh=water,
        water_sources=water_sources,
        market_given=site.market_based_g_per_kwh,
        carbon_free_share=site.carbon_free_share or 0.0,
        residual_mix=site.residual_mix_g_per_kwh,
        market_sources=_market_sources(name, site),
        price_per_kwh=site.price_per_kwh,
        currency=site.currency,
        price_sources=(project(f"sites.{name}.price_per_kwh"),) if site.price_per_kwh is not None else (),
        water_counted=counted,
    )


def _wue(name: str, site: Site) -> tuple[float, tuple[Source, ...]]:
    """On-site WUE: given, a named provider's, a cloud region's provider's, else not counted (0)."""
    if site.wue_l_per_kwh is not None:
        return site.wue_l_per_kwh, (project(f"sites.{name}.wue_l_per_kwh"),)
    provider = site.wue_provider
    if provider is None and site.region is not None:  # the catalog only for sites that use it
        from energybill.catalog.water import cloud_provider

        provider = cloud_provider(site.region)
    if provider is None:
        note = f"on-site water not counted: sites.{name} gives no wue_l_per_kwh or wue_provider"
        return 0.0, (default(note, 0.0, "L/kWh"),)
    from energybill.catalog.water import provider_wue

    value = provider_wue(provider)
    if site.wue_provider is None:
        assumed = f"on-site WUE of {provider}, the provider of {site.region} (fleet average, an assumption)"
        return value.value, (default(assumed, value.value, "L/kWh"), value.as_source("WUE"))
    return value.value, (value.as_source("WUE"),)


def _grid_water(name: str, site: Site) -> tuple[float, tuple[Source, ...]]:
    """Off-site water per kWh: given, ``water_country``'s, the region's country's, else not counted."""
    if site.grid_water_l_per_kwh is not None:
        return site.grid_water_l_per_kwh, (project(f"sites.{name}.grid_water_l_per_kwh"),)
    from energybill.catalog.errors import CatalogError
    from energybill.catalog.water import grid_water, region_country

    if site.water_country is not None:
        value = grid_water(site.water_country)  # checked at load (check_catalog)
        return value.value, (value.as_source("grid water"),)
    missing = f"off-site water of the electricity not counted: sites.{name} gives no grid_water_l_per_kwh"
    country = region_country(site.region) if site.region is not None else None
    if country is None:
        return 0.0, (default(f"{missing} or water_country", 0.0, "L/kWh"),)
    try:
        value = grid_water(country)
    except CatalogError as exc:  # the region's country is not in the water table: say so, count 0
        return 0.0, (default(f"{missing} ({exc})", 0.0, "L/kWh"),)
    return value.value, (value.as_source("grid water"),)


def _market_sources(name: str, site: Site) -> tuple[Source, ...]:
    keys = ("market_based_g_per_kwh", "carbon_free_share", "residual_mix_g_per_kwh")
    given = tuple(project(f"sites.{name}.{key}") for key in keys if getattr(site, key) is not None)
    if site.market_based_g_per_kwh is not None:
        return given
    if site.residual_mix_g_per_kwh is None:
        # a method rule, not an assumed value: the disclosure says it once for the whole bill
        given = (*given, formula(LOCATION_FALLBACK))
    return given
