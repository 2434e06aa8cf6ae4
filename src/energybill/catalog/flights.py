"""Airports (IATA → coordinates), great-circle distance and DESNZ 2025 flight factors."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from energybill.catalog.errors import CatalogError
from energybill.catalog.match import nearest
from energybill.catalog.tables import table
from energybill.catalog.values import CatalogValue

# Mean Earth radius R1 = 6371.0088 km (IUGG; Moritz 2000, "Geodetic Reference System 1980").
EARTH_RADIUS_KM = 6371.0088
# DESNZ bands for flights to/from the UK: short-haul < 3,700 km ≤ long-haul (2025 methodology).
LONG_HAUL_KM = 3700.0
CABINS = {
    "average": "Average passenger",
    "economy": "Economy class",
    "premium economy": "Premium economy class",
    "business": "Business class",
    "first": "First class",
}


@dataclass(frozen=True)
class Airport:
    """An airport: IATA code, name, city, ISO alpha-2 country, coordinates (degrees, WGS84)."""

    iata: str
    name: str
    city: str
    country: str
    lat: float
    lon: float


def airport(code: str) -> Airport:
    """The airport with IATA code ``code`` (exact, case-insensitive)."""
    wanted = code.strip().upper()
    text = _airport_text()
    start = text.find(f"\n{wanted}\t") if wanted else -1
    if start < 0:
        raise CatalogError(f"unknown IATA airport code '{code}'; {_suggest(code)}")
    end = text.find("\n", start + 1)
    iata, lat, lon, name, city, country = text[start + 1 : end if end > 0 else None].split("\t")
    return Airport(iata, name, city, country, float(lat), float(lon))


@functools.cache
def _airport_text() -> str:
    rows: str = table("airports")["rows"]  # JSON: airports.json keeps its rows as one TSV string
    return "\n" + rows


def airports() -> dict[str, list[str]]:
    """Every airport: IATA → [lat, lon, name, city, country] (for search and suggestions)."""
    return {row[0]: row[1:] for row in (line.split("\t") for line in _airport_text().strip("\n").split("\n"))}


def _suggest(code: str) -> str:
    rows = airports()
    text = code.strip().lower()
    by_place = [
        k for k, r in rows.items() if len(text) > 3 and (text in r[2].lower() or text in r[3].lower())
    ]
    if by_place:
        return "airports there: " + ", ".join(f"'{k}' ({rows[k][2]})" for k in by_place[:8])
    return nearest(code.upper(), list(rows))


def great_circle_km(a: Airport, b: Airport) -> float:
    """Haversine distance on a sphere of the mean Earth radius (Sinnott 1984, Sky & Telescope 68:159)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlambda = phi2 - phi1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def haul(a: Airport, b: Airport, distance_km: float) -> str:
    """DESNZ haul band: domestic, short- or long-haul for UK flights, else international non-UK."""
    uk = (a.country == "GB", b.country == "GB")
    if all(uk):
        return "Domestic, to/from UK"
    if any(uk):
        return "Short-haul, to/from UK" if distance_km < LONG_HAUL_KM else "Long-haul, to/from UK"
    return "International, to/from non-UK"


def flight_factor(band: str, cabin: str = "economy", radiative_forcing: bool = True) -> CatalogValue:
    """kg CO2e per passenger-km, direct (combustion) + well-to-tank (fuel supply), DESNZ 2025.

    DESNZ's factors already include its 8 % uplift of the great-circle distance for indirect routes,
    circling and delays, so they apply to the great-circle distance (DESNZ methodology, air travel).
    """
    cabin_name = CABINS.get(cabin.strip().lower())
    if cabin_name is None:
        raise CatalogError(f"unknown cabin '{cabin}'; allowed: {', '.join(CABINS)}")
    rows = [r for r in table("flights")["factors"] if r["haul"] == band and r["rf"] == radiative_forcing]
    row = next((r for r in rows if r["cabin"] == cabin_name), None)
    note = ""
    if row is None and band.startswith("Domestic") and cabin_name == "Economy class":
        row = next(r for r in rows if r["cabin"] == "Average passenger")
        note = "DESNZ gives only an average-passenger factor for UK domestic flights"
    if row is None:
        have = [k for k, v in CABINS.items() if any(r["cabin"] == v for r in rows)]
        raise CatalogError(
            f"DESNZ 2025 has no {cabin} factor for {band}; available cabins: {', '.join(have)}"
        )
    rf = "with" if radiative_forcing else "without"
    label = f"{band}, {row['cabin']}, {rf} RF, direct + well-to-tank"
    extra = f"direct {row['direct']:g} + WTT {row['wtt']:g}, includes DESNZ's 8 % great-circle uplift"
    return CatalogValue(
        row["direct"] + row["wtt"],
        "kg CO2e/passenger-km",
        label,
        "desnz",
        "2025",
        f"{note}, {extra}" if note else extra,
    )


@dataclass(frozen=True)
class Route:
    """Where a flight goes, how far, in which DESNZ band, and its factor (None if not asked for)."""

    origin: Airport
    destination: Airport
    great_circle_km: float
    haul: str
    factor: CatalogValue | None


def find_route(origin_code: str, destination_code: str, cabin: str = "economy",
          radiative_forcing: bool = True, with_factor: bool = True) -> Route:
    """Look a flight up by IATA codes: distance, haul band and (``with_factor``) its DESNZ factor."""
    origin, destination = airport(origin_code), airport(destination_code)
    distance = great_circle_km(origin, destination)
    band = haul(origin, destination, distance)
    factor = flight_factor(band, cabin, radiative_forcing) if with_factor else None
    return Route(origin, destination, distance, band, factor)
