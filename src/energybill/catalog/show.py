"""The lines of ``energybill catalog show KIND NAME``: every field with its source and year."""

from __future__ import annotations

from energybill.catalog.errors import CatalogError


def show_lines(kind: str, name: str, year: int | None) -> list[str]:
    """Lines describing one entry."""
    return {
        "grid": _grid,
        "cloud": _cloud,
        "accelerator": _accelerator,
        "cpu": _cpu,
        "airport": _airport,
        "flight": _flight,
        "embodied": _embodied,
    }[kind](name, year)


def _grid(name: str, year: int | None) -> list[str]:
    """A country, aggregate or grid zone; a cloud region's name shows the region (one resolver)."""
    from energybill.catalog.grid import grid_intensity, zone_intensity
    from energybill.catalog.regions import resolve

    kind, found = resolve(name)
    if kind == "cloud":
        return _cloud(found["key"], year)
    if kind == "zone":
        value = zone_intensity(found, year)
        return [
            f"{found['zone']}: {found['name']} (grid zone in {found['country']})",
            f"  carbon intensity: {value.cite()}",
            f"  source: {value.as_source().citation()}",
        ]
    value = grid_intensity(found["name"], year)
    codes = ", ".join(f"{k} {found[k]}" for k in ("iso2", "iso3", "code") if found.get(k))
    years = " ".join(f"{y}:{v:g}" for y, v in sorted(found["values"].items()))
    return [
        f"{found['name']} ({found['kind']}{', ' + codes if codes else ''})",
        f"  carbon intensity: {value.cite()}",
        f"  all years (gCO2e/kWh): {years}",
        f"  source: {value.as_source().citation()}",
    ]


def _cloud(name: str, year: int | None) -> list[str]:
    from energybill.catalog.cloud import cloud_region
    from energybill.catalog.regions import resolve

    kind, found = resolve(name)
    if kind != "cloud":
        return _grid(name, year)
    region = cloud_region(found["key"], year)
    pue = region.pue.cite() if region.pue else "none in the catalog (give pue in the site)"
    return [
        region.key,
        f"  location: {region.location}",
        f"  carbon intensity: {region.intensity.cite()}",
        f"  PUE: {pue}",
    ]


def _accelerator(name: str, year: int | None) -> list[str]:
    from energybill.catalog.hardware import ACCELERATOR_FIELDS, accelerator, accelerator_value

    entry, source_key = accelerator(name)
    lines = [f"{entry['name']} ({entry.get('maker') or entry.get('type')})"]
    if entry.get("released"):
        lines.append(f"  released: {entry['released']}")
    for field in ACCELERATOR_FIELDS:
        value = accelerator_value(entry, source_key, field)
        lines.append(f"  {field}: {value.cite() if value else 'not in the source'}")
    return lines


def _cpu(name: str, year: int | None) -> list[str]:
    from energybill.catalog.hardware import cpu_tdp

    value = cpu_tdp(name)
    return [value.label.removesuffix(" TDP"), f"  tdp_w: {value.cite()}"]


def _airport(name: str, year: int | None) -> list[str]:
    from energybill.catalog.flights import airport

    a = airport(name)
    return [
        f"{a.iata}: {a.name}",
        f"  city: {a.city}, country: {a.country}",
        f"  coordinates: {a.lat:g}, {a.lon:g} (airportsdata 2026, MIT)",
    ]


def _flight(name: str, year: int | None) -> list[str]:
    from energybill.catalog.flights import CABINS, airport, flight_factor, great_circle_km, haul

    parts = name.replace(" ", "").upper().split("-")
    if len(parts) != 2:
        raise CatalogError(f"a flight is FROM-TO in IATA codes, e.g. CDG-AUH; got '{name}'")
    a, b = airport(parts[0]), airport(parts[1])
    distance = great_circle_km(a, b)
    band = haul(a, b, distance)
    lines = [
        f"{a.iata} ({a.name}) → {b.iata} ({b.name})",
        f"  great circle: {distance:,.1f} km",
        f"  DESNZ band: {band}",
    ]
    for cabin in CABINS:
        for rf in (True, False):
            try:
                lines.append(f"  {cabin}: {flight_factor(band, cabin, rf).cite()}")
            except CatalogError:
                continue
    return lines


def _embodied(name: str, year: int | None) -> list[str]:
    from energybill.catalog.embodied import embodied_factor

    value = embodied_factor(name)
    return [value.label, f"  kg_co2e_per_device: {value.cite()}"]
