"""Everyday equivalents of a bill's totals, each with its factor and the factor's source.

A reader grasps "5.5 years of a US home's electricity" faster than "59 MWh". Each factor is a
published figure; the report prints the factor, the formula and the citation beside the number.
"""

from __future__ import annotations

from dataclasses import dataclass

from energybill.report.numbers import amount

# EIA FAQ "How much electricity does an American home use?" (id=97, updated 2021-10-07):
# "In 2020, the average annual electricity consumption for a U.S. residential utility customer
# was 10,715 kilowatthours (kWh)".
HOME_KWH_PER_YEAR = 10_715.0
HOME_SOURCE = (
    "U.S. EIA, FAQ 'How much electricity does an American home use?': 10,715 kWh per residential "
    "customer in 2020 (https://www.eia.gov/tools/faqs/faq.php?id=97)"
)

# EPA-420-F-23-014 (June 2023), "Greenhouse Gas Emissions from a Typical Passenger Vehicle":
# "A typical passenger vehicle emits about 4.6 metric tons of carbon dioxide per year".
CAR_KG_PER_YEAR = 4_600.0
CAR_SOURCE = (
    "U.S. EPA, 'Greenhouse Gas Emissions from a Typical Passenger Vehicle', EPA-420-F-23-014 (June 2023): "
    "4.6 t CO2 per vehicle per year"
)

# The flight equivalent: a Paris CDG – New York JFK return flight of one economy passenger, with
# the catalog's great-circle distance and DESNZ factor (the values a [[travel]] item would use).
FLIGHT_FROM, FLIGHT_TO, FLIGHT_CABIN = "CDG", "JFK", "economy"


@dataclass(frozen=True)
class Equivalent:
    """A total expressed as something familiar, with the factor that converts it and its source."""

    basis: str  # "energy_kwh" or "co2e_kg": which total it converts
    value: float
    unit: str  # what one of ``value`` is, in words
    factor: float
    factor_unit: str
    formula: str
    source: str


def equivalents(energy_kwh: float, co2e_kg: float) -> tuple[Equivalent, ...]:
    """The bill's totals as home-years of electricity, car-years and Paris–New York return flights."""
    from energybill.catalog.flights import find_route

    route = find_route(FLIGHT_FROM, FLIGHT_TO, FLIGHT_CABIN, radiative_forcing=True)
    assert route.factor is not None  # asked for with_factor
    factor, km = route.factor, route.great_circle_km
    flight_kg = 2 * km * factor.value
    flight_source = (
        f"{factor.cite()}; {FLIGHT_FROM}–{FLIGHT_TO} {amount(km)} km great circle "
        f"({route.origin.name} – {route.destination.name}, airportsdata coordinates)"
    )
    return (
        Equivalent(
            basis="energy_kwh",
            value=energy_kwh / HOME_KWH_PER_YEAR,
            unit="years of the electricity of an average US home",
            factor=HOME_KWH_PER_YEAR,
            factor_unit="kWh per home-year",
            formula="energy_kwh / kWh per home-year",
            source=HOME_SOURCE,
        ),
        Equivalent(
            basis="co2e_kg",
            value=co2e_kg / CAR_KG_PER_YEAR,
            unit="years of driving a typical passenger car",
            factor=CAR_KG_PER_YEAR,
            factor_unit="kg CO2 per car-year",
            formula="co2e_kg / kg per car-year",
            source=CAR_SOURCE,
        ),
        Equivalent(
            basis="co2e_kg",
            value=co2e_kg / flight_kg,
            unit="Paris–New York return flights of one economy passenger",
            factor=flight_kg,
            factor_unit="kg CO2e per passenger return flight",
            formula=f"co2e_kg / (2 × {amount(km)} km × {factor.value:g} kg per passenger-km)",
            source=flight_source,
        ),
    )
