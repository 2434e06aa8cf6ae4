"""Water per kWh: a data-centre provider's on-site WUE, and the off-site water of a country's grid.

Li, Yang, Islam, Ren, "Making AI Less Thirsty" (2023/2025): water footprint =
``IT energy × (WUE on-site + PUE × water intensity of the electricity)``. The on-site WUE per
provider is the figure EcoLogits quotes; the off-site water per country is EcoLogits' table,
computed with the World Resources Institute's method (water consumed at power plants per kWh).
"""

from __future__ import annotations

import functools
from typing import Any

from energybill.catalog.errors import CatalogError
from energybill.catalog.tables import table
from energybill.catalog.values import CatalogValue

# Cloud-region prefixes (``gcp:europe-west1``) → the provider keys of the WUE table.
CLOUD_PROVIDERS = {"gcp": "google", "azure": "microsoft", "aws": "aws"}
WORLD = ("world", "wor", "owid_wrl")


def providers() -> list[str]:
    """The providers with an on-site WUE in the catalog."""
    return list(table("water")["providers"])


def provider_wue(name: str) -> CatalogValue:
    """On-site WUE (litres per kWh of IT energy) of provider ``name`` (``google``, ``gcp``, ...)."""
    records: dict[str, Any] = table("water")["providers"]
    key = CLOUD_PROVIDERS.get(name.lower(), name.lower())
    if key not in records:
        raise CatalogError(f"no on-site WUE for provider '{name}'; known: {', '.join(records)}")
    record = records[key]
    note = f"{record['scope']}; {record['status']}"
    if record["derived"]:
        note += "; the low end of a range attributed to this provider"
    return CatalogValue(
        record["wue_l_per_kwh"], "L/kWh", f"{key} on-site WUE", "ecologits_wue", record["year"], note
    )


def cloud_provider(region: str | None) -> str | None:
    """The WUE provider of a cloud region (``gcp:europe-west1`` → ``google``), else None."""
    if region is None or ":" not in region:
        return None
    return CLOUD_PROVIDERS.get(region.split(":", 1)[0].lower())


@functools.cache  # a bill asks once per item and scenario; the fuzzy name look-up is not free
def grid_water(country: str) -> CatalogValue:
    """Litres of water consumed off-site per kWh of electricity in ``country`` (name or ISO code)."""
    values: dict[str, float] = table("water")["offsite_l_per_kwh"]
    if country.strip().lower() in WORLD:
        iso3, label = "WOR", "world average"
    else:
        from energybill.catalog.grid import entity

        found = entity(country)
        iso3, label = found.get("iso3") or "", found["name"]
        if iso3 not in values:
            known = sorted(values)
            raise CatalogError(
                f"no grid water intensity for {label} (the catalog has {len(known)} countries: "
                f"{', '.join(known)}); give grid_water_l_per_kwh instead"
            )
    return CatalogValue(
        values[iso3], "L/kWh", f"{label} ({iso3}) off-site water", "ecologits_water", "not stated"
    )


def region_country(region: str) -> str | None:
    """The country whose grid water applies to a site's ``region`` (a country or a cloud region)."""
    if ":" not in region:
        return region
    from energybill.catalog.cloud import region_entry

    country: str | None = region_entry(region)["country"]
    return country
