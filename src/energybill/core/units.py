"""Every unit conversion of energybill, in one place.

Names carry their unit (``energy_kwh``, ``power_w``, ``co2e_kg``); anything that turns one unit
into another calls a function or constant from here, so that a factor is never written twice.
All functions are plain arithmetic and therefore work on floats and numpy arrays alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# float, or a numpy array of floats (the formulas broadcast; Monte Carlo samples are arrays)
Num = TypeVar("Num", float, "NDArray[np.float64]")

J_PER_KWH = 3.6e6
WH_PER_KWH = 1000.0
G_PER_KG = 1000.0
KG_PER_TONNE = 1000.0
KWH_PER_MWH = 1000.0
SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
# A month as 365 days × 24 h / 12 = 730 h (DESIGN.md: "months: 730 h each").
HOURS_PER_MONTH = 730.0
# A year of 365 days (BLOOM's 6-year hardware life is 6 × 8,760 h).
HOURS_PER_YEAR = 8760.0
FLOP_PER_TFLOP = 1e12
# One petaFLOP/s-day: 1e15 FLOP/s sustained for 86,400 s (Brown et al. 2020, Table D.1 unit).
FLOP_PER_PF_DAY = 1e15 * 86400.0


def wh_to_kwh(energy_wh: Num) -> Num:
    """Watt-hours to kilowatt-hours."""
    return energy_wh / WH_PER_KWH


def j_to_kwh(energy_j: Num) -> Num:
    """Joules to kilowatt-hours."""
    return energy_j / J_PER_KWH


def kwh_to_j(energy_kwh: Num) -> Num:
    """Kilowatt-hours to joules."""
    return energy_kwh * J_PER_KWH


def co2e_kg(energy_kwh: Num, intensity_g_per_kwh: Num) -> Num:
    """Carbon of electricity: ``kg = kWh × g/kWh / 1000`` (DESIGN.md, "CO2e")."""
    return energy_kwh * intensity_g_per_kwh / G_PER_KG


def months_to_hours(months: Num) -> Num:
    """Months of 730 h to hours."""
    return months * HOURS_PER_MONTH


BYTES_PER_GB = 1e9
MJ_PER_J = 1000.0  # millijoules (NVML energy) per joule


def j_to_wh(energy_j: Num) -> Num:
    """Joules to watt-hours."""
    return energy_j / SECONDS_PER_HOUR


def kg_to_g(mass_kg: Num) -> Num:
    """Kilograms to grams (a Hugging Face model card gives CO2e in grams)."""
    return mass_kg * G_PER_KG


def kwh_to_mwh(energy_kwh: Num) -> Num:
    """Kilowatt-hours to megawatt-hours."""
    return energy_kwh / KWH_PER_MWH


def kg_to_tonnes(mass_kg: Num) -> Num:
    """Kilograms to tonnes."""
    return mass_kg / KG_PER_TONNE
