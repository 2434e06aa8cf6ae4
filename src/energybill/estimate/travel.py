"""Travel: ``kg = passenger-km × kg CO2e per passenger-km``, or a given total."""

from __future__ import annotations

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import formula, project
from energybill.estimate.site import TALK
from energybill.project.model import Travel

# kg = passenger-km × kg CO2e per passenger-km: the distance-based method for business travel.
TRAVEL_METHOD = "GHG Protocol Scope 3 Standard, category 6 (business travel), distance-based method"

NO_KWH = Provenance(
    "energy_kwh",
    "0",
    {},
    (
        formula(
            "flights burn fuel, not grid electricity: they add CO2e but no kWh to the energy bill "
            f"({TALK}, Summary: 59.14 MWh excludes flights)"
        ),
    ),
)


def estimate_travel(item: Travel) -> ItemBill:
    """Bill trips: distance × legs × travellers × trips × factor, or an explicit ``co2e_kg``.

    Source: the talk's Additional costs slide (3 round trips of four scientists Paris–Abu Dhabi,
    6.4 t CO2e) and the GHG Protocol's distance-based method (``TRAVEL_METHOD``).
    """
    if item.co2e_kg is not None:
        record = Provenance("co2e_kg", "given", {"co2e_kg": item.co2e_kg}, (project(),))
        return ItemBill("travel", item.name, item.phase, None, 0.0, item.co2e_kg, {}, (NO_KWH, record))
    # Travel._method: without from/to or co2e_kg, both distance_km and the factor are given
    assert item.distance_km is not None and item.kg_co2e_per_passenger_km is not None
    passenger_km, passenger_km_record = passenger_kilometres(item, "distance_km", item.distance_km)
    co2e = passenger_km * item.kg_co2e_per_passenger_km
    records = (
        passenger_km_record,
        NO_KWH,
        Provenance(
            "co2e_kg",
            "passenger_km × kg_co2e_per_passenger_km",
            {
                "passenger_km": passenger_km,
                "kg_co2e_per_passenger_km": item.kg_co2e_per_passenger_km,
            },
            (formula(TRAVEL_METHOD), project(role="factor")),
        ),
    )
    return ItemBill("travel", item.name, item.phase, None, 0.0, co2e, {"passenger_km": passenger_km}, records)


def passenger_kilometres(item: Travel, distance_key: str, distance_km: float) -> tuple[float, Provenance]:
    """``passenger-km = distance × legs × travellers × trips`` (legs = 2 for a round trip), with its
    provenance; ``distance_key`` names the distance (given, or the airports' great circle)."""
    legs = 2 if item.round_trip else 1
    inputs: dict[str, float | str] = {
        distance_key: distance_km,
        "legs": legs,
        "travelers": item.travelers,
        "trips": item.trips,
    }
    formula_text = f"{distance_key} × legs × travelers × trips"
    legs_given = project(note="legs = 2 for a round trip")
    record = Provenance("details.passenger_km", formula_text, inputs, (legs_given,))
    return distance_km * legs * item.travelers * item.trips, record
