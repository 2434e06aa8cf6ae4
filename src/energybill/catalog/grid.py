"""Grid carbon intensity per country or region and year (OWID/Ember, gCO2e per kWh generated), and
per sub-national grid zone (US eGRID subregions, Canadian provinces; one data year each)."""

from __future__ import annotations

import functools
from typing import Any

from energybill.catalog.errors import CatalogError
from energybill.catalog.match import find
from energybill.catalog.tables import table
from energybill.catalog.values import CatalogValue


def _names(entity: dict[str, Any]) -> list[str]:
    return [n for n in (entity["name"], entity.get("iso2"), entity.get("iso3"), entity.get("code")) if n]


def _label(entity: dict[str, Any]) -> str:
    code = entity.get("iso2") or entity.get("code")
    return f"{entity['name']} ({code})" if code and entity["kind"] == "country" else entity["name"]


def entity(name: str) -> dict[str, Any]:
    """The country or aggregate ``name`` (ISO alpha-2, alpha-3, OWID code or name)."""
    entities = table("grid")["entities"]
    return find(name, entities, _names, "grid region", _label)


# A project this many years after the newest data (a 2026 project, data to 2025) is billed at the newest
# figure, with a note; a later year is more likely a typo than a plan, and is an error.
YEARS_AHEAD = 3


@functools.cache  # a bill looks each name up twice: when loaded, when estimated
def grid_intensity(name: str, year: int | None = None) -> CatalogValue:
    """gCO2e/kWh of ``name`` in ``year``; by default 2024 (the latest complete year), else the
    latest year before it. Production-based: imports and exports are not counted (SOURCES.md)."""
    data = table("grid")
    found = entity(name)
    values: dict[str, float] = found["values"]
    years = sorted(int(y) for y in values)
    note = ""
    if year is None:
        default = data["default_year"]
        complete = [y for y in years if y <= default]
        year = complete[-1] if complete else years[-1]
        if year != default:
            note = f"latest year available for {found['name']}, the default {default} is missing"
    elif years[-1] < year <= years[-1] + YEARS_AHEAD:  # not yet published: the newest figure, said so
        note = f"no {year} figure yet for {found['name']}: the newest, {years[-1]}, is used"
        year = years[-1]
    elif str(year) not in values:
        raise CatalogError(
            f"no grid intensity for {found['name']} in {year}; available years: {_ranges(years)}", "year"
        )
    if year in data["preliminary_years"]:
        note = f"{note}; {year} values are preliminary" if note else f"{year} values are preliminary"
    return CatalogValue(values[str(year)], "gCO2e/kWh", found["name"], "owid", str(year), note)


def _ranges(years: list[int]) -> str:
    """``2000–2022, 2024`` from a sorted list of years."""
    spans: list[list[int]] = []
    for y in years:
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in spans)


def _zone_names(zone: dict[str, Any]) -> list[str]:
    return [n for n in (zone["zone"], zone.get("alias"), zone["name"]) if n]


def zone_entry(name: str) -> dict[str, Any]:
    """The grid zone ``name`` (``US-EGRID-NWPP``, ``NWPP``, ``CA-QC``, ``Quebec``)."""
    zones = table("grid")["zones"]
    return find(name, zones, _zone_names, "grid zone", lambda z: f"{z['zone']} ({z['name']})")


def zone_intensity(zone: dict[str, Any], year: int | None = None, why: str = "") -> CatalogValue:
    """gCO2e/kWh of a grid zone. A zone has one data year: another ``year`` takes the country's
    average for that year instead, and says so. ``why`` starts the note (how the zone was chosen)."""
    if year is not None and year != zone["year"]:
        country = grid_intensity(zone["country"], year)
        note = (
            f"{why + ', ' if why else ''}{zone['zone']} has a figure for {zone['year']} only: "
            f"national average of {zone['country']} for {year} used"
        )
        if country.note:
            note += f", {country.note}"
        return CatalogValue(
            country.value, country.unit, country.label, country.source_key, country.year, note
        )
    parts = [why, f"{zone['basis']}; published as {zone['published']}", zone["caveat"]]
    return CatalogValue(
        zone["value"],
        "gCO2e/kWh",
        zone["name"] if zone.get("alias") else f"{zone['name']} ({zone['zone']})",
        zone["source"],
        str(zone["year"]),
        "; ".join(p for p in parts if p),
    )
