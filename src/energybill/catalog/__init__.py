"""The reference catalog: grid intensity, cloud regions, hardware, airports, flight and embodied factors.

Every value comes back as a ``CatalogValue`` with its source, file, year and any fallback, so a bill
can say "OWID/Ember 2024: France 40.48 gCO2e/kWh" instead of assuming silently. The data is built
from ``shared/data`` by ``scripts/build_catalog.py`` (see ``docs/catalog.md`` and ``data/NOTICE.md``)
and each table is read on first use only: importing this package reads no file.

    >>> from energybill.catalog import grid_intensity, device_tdp
    >>> grid_intensity("FR").cite()                     # doctest: +SKIP
    'OWID/Ember 2024: France 40.48 gCO2e/kWh'
    >>> device_tdp("H100 SXM").value                    # doctest: +SKIP
    700.0

Look-ups are forgiving but never guess: an exact name or code wins, else a unique partial match;
several matches raise ``CatalogError`` listing them, no match suggests the nearest names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "CatalogError",
    "CatalogValue",
    "accelerator",
    "airport",
    "cloud_region",
    "cpu",
    "device_tdp",
    "embodied_factor",
    "flight_factor",
    "grid_intensity",
]

if TYPE_CHECKING:
    from energybill.catalog.cloud import cloud_region
    from energybill.catalog.embodied import embodied_factor
    from energybill.catalog.errors import CatalogError
    from energybill.catalog.flights import airport, flight_factor
    from energybill.catalog.grid import grid_intensity
    from energybill.catalog.hardware import accelerator, cpu, device_tdp
    from energybill.catalog.values import CatalogValue

_LAZY = {
    "CatalogError": "errors",
    "CatalogValue": "values",
    "accelerator": "hardware",
    "airport": "flights",
    "cloud_region": "cloud",
    "cpu": "hardware",
    "device_tdp": "hardware",
    "embodied_factor": "embodied",
    "flight_factor": "flights",
    "grid_intensity": "grid",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'energybill.catalog' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"energybill.catalog.{module}"), name)
