"""Grid carbon intensity per country or region and year (OWID/Ember, gCO2e per kWh generated)."""

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
    elif str(year) not in values:
        raise CatalogError(
            f"no grid intensity for {found['name']} in {year}; available years: {_ranges(years)}", "year"
        )
    if year in data["preliminary_years"]:
        note = f"{year} values are preliminary"
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
