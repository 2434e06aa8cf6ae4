"""Flights between airports: great-circle distance and DESNZ 2025 factors from the catalog."""

from __future__ import annotations

from dataclasses import replace

from energybill.catalog.flights import EARTH_RADIUS_KM, Route, find_route
from energybill.catalog.tables import source
from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import Source, default, formula, project
from energybill.estimate.travel import NO_KWH, TRAVEL_METHOD, passenger_kilometres
from energybill.project.model import Travel


def flight_route(item: Travel) -> Route:
    """Look the item's route up; the factor only when the project file does not give one."""
    return find_route(item.from_ or "", item.to or "", item.cabin or "economy", item.radiative_forcing,
                 with_factor=item.kg_co2e_per_passenger_km is None)


def estimate_flight(item: Travel) -> ItemBill:
    """``kg = great-circle km × legs × travellers × trips × kg per passenger-km`` (DESIGN.md).

    DESNZ applies its factors to the great-circle distance: they already carry its 8 % uplift for
    indirect routing and circling (DESNZ 2025 methodology, business travel – air).
    """
    route = flight_route(item)
    passenger_km, passenger_km_record = passenger_kilometres(item, "great_circle_km", route.great_circle_km)
    factor = route.factor.value if route.factor is not None else item.kg_co2e_per_passenger_km
    assert factor is not None
    co2e = passenger_km * factor
    details: dict[str, float | str] = {
        "great_circle_km": route.great_circle_km,
        "haul": route.haul,
        "passenger_km": passenger_km,
        "kg_co2e_per_passenger_km": factor,
    }
    records = (
        _distance_record(route),
        passenger_km_record,
        NO_KWH,
        Provenance(
            "co2e_kg",
            "passenger_km × kg_co2e_per_passenger_km",
            {"passenger_km": passenger_km, "kg_co2e_per_passenger_km": factor},
            _factor_source(item, route),
        ),
    )
    return ItemBill("travel", item.name, item.phase, None, 0.0, co2e, details, records)


def _distance_record(route: Route) -> Provenance:
    a, b = route.origin, route.destination
    record = source("airports")
    year = record["year"][:4]
    airports = Source(
        "catalog",
        f"{record['short']} {year}: {a.iata} ({a.name}) {a.lat:g}, {a.lon:g} and "
        f"{b.iata} ({b.name}) {b.lat:g}, {b.lon:g}",
        year=year,
        licence=record["licence"],
        file=record["file"],
        role="airports",
        sep=", ",
    )
    return Provenance(
        "details.great_circle_km",
        f"haversine(from, to) on a sphere of radius {EARTH_RADIUS_KM} km",
        {"from_lat": a.lat, "from_lon": a.lon, "to_lat": b.lat, "to_lon": b.lon},
        (formula("haversine (Sinnott 1984) with the IUGG mean Earth radius"), airports),
    )


def _factor_source(item: Travel, route: Route) -> tuple[Source, ...]:
    if route.factor is None:
        given = replace(project(role="factor", note="great-circle distance from the catalog"), sep=", ")
        return formula(TRAVEL_METHOD), given
    parts = [
        formula(
            f"{TRAVEL_METHOD}; DESNZ haul band '{route.haul}' from the airports' countries and "
            f"distance (UK bands: short-haul < 3,700 km)"
        ),
        route.factor.as_source(role="factor"),
    ]
    if item.cabin is None:
        parts.append(default('economy cabin (set cabin = "business", "first", ... to change)'))
    if "radiative_forcing" not in item.model_fields_set:
        parts.append(
            default(
                "DESNZ factor with radiative forcing, about 1.7× the CO2 of burning the fuel "
                "(set radiative_forcing = false to leave non-CO2 effects out)"
            )
        )
    return tuple(parts)
