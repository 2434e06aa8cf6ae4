"""Cloud regions (``gcp:europe-west1``, ``aws:eu-west-3``, ``azure:francecentral``): location,
carbon intensity and the provider's PUE."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from energybill.catalog.grid import grid_intensity
from energybill.catalog.match import find
from energybill.catalog.tables import table
from energybill.catalog.values import CatalogValue


@dataclass(frozen=True)
class CloudRegion:
    """A region's intensity and, where the catalog has one, the provider's PUE."""

    key: str
    location: str
    intensity: CatalogValue
    pue: CatalogValue | None


def region_entry(name: str) -> dict[str, Any]:
    """The region record of ``provider:region`` (forgiving match, never a guess)."""
    regions = table("cloud")["regions"]
    return find(name, regions, lambda r: [r["key"]], "cloud region", lambda r: r["key"])


@functools.cache  # a bill looks each name up twice: when loaded, when estimated
def cloud_region(name: str, year: int | None = None) -> CloudRegion:
    """Intensity and PUE of a cloud region.

    GCP regions use Google's own published figure (location-based, 2023) unless a ``year`` asks
    for another year. Other regions use their grid zone (US eGRID subregion, Canadian province)
    where the catalog maps them to one (location-based accounting, GHG Protocol Scope 2 Guidance
    2015, §6.1: the grid the load is on), else their country's OWID/Ember average, and say so.
    """
    entry = region_entry(name)
    location = ", ".join(p for p in (entry["city"], entry["state"], entry["country"]) if p)
    return CloudRegion(entry["key"], location, _intensity(entry, year), provider_pue(entry["key"]))


def _intensity(entry: dict[str, Any], year: int | None) -> CatalogValue:
    """Google's own figure (GCP), else the region's grid zone, else its country's average (said so)."""
    google = entry.get("google_g_per_kwh")
    if google is not None and year in (None, 2023):
        return CatalogValue(
            google,
            "gCO2e/kWh",
            f"{entry['key']} ({entry['city']})",
            "google",
            "2023",
            "Google's location-based grid average for the region; year not stated in the file",
        )
    if entry.get("zone") is not None:
        from energybill.catalog.grid import zone_entry, zone_intensity

        why = f"grid zone of {entry['key']} ({entry['zone_place']})"
        if entry.get("zone_split"):
            why += ", a state split between subregions: the region's city decides"
        return zone_intensity(zone_entry(entry["zone"]), year, why)
    if entry["country"] is None:
        from energybill.catalog.errors import CatalogError

        raise CatalogError(
            f"cloud region {entry['key']} has no country in the catalog; "
            "give carbon_intensity_g_per_kwh instead"
        )
    value = grid_intensity(entry["country"], year)
    note = f"{entry['key']} is in {entry['country']}"
    if google is not None:
        note += f", Google's own figure is for 2023 only and {year} was asked"
    where = f" ({entry['state']})" if entry["state"] else ""
    note += f"{where}: no sub-national grid data in the catalog, national average used"
    if value.note:
        note += f", {value.note}"
    return CatalogValue(value.value, value.unit, value.label, value.source_key, value.year, note)


def provider_pue(key: str) -> CatalogValue | None:
    """The region's own PUE (GCP trailing twelve months) or the provider's average, if any."""
    pue = table("cloud")["pue"]
    provider = key.split(":", 1)[0]
    record = pue.get(key) or pue.get(provider)
    if record is None:
        return None
    scope = key if key in pue else f"{provider} (provider average)"
    constant = record["path"].rsplit("(", 1)[-1].rstrip(")")  # PUE_AVG or PUE_TRAILING_TWELVE_MONTH
    note = f"CCF modelling constant {constant}, not an audited disclosure"
    return CatalogValue(record["pue"], "PUE", scope, "ccf_pue", "year not stated", note)
