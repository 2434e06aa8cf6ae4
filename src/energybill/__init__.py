"""energybill: the full energy bill (kWh) and carbon footprint (kg CO2e) of a language-model project.

    >>> import energybill
    >>> project = energybill.load_project("examples/noor.toml")   # doctest: +SKIP
    >>> bill = energybill.estimate_bill(project)                   # doctest: +SKIP
    >>> round(bill.totals.energy_kwh)                              # doctest: +SKIP
    58994

Map of the package, following the data flow (project → estimate → bill → report):

- ``project``  — the typed project model and the TOML loader with one-line errors.
- ``estimate`` — one pure function per item kind, the engine, provenance records.
- ``bill``     — the Bill: items, phases, totals, shares; its JSON shape.
- ``report``   — renderers (terminal table, Markdown, JSON) that only format a Bill.
- ``cli``      — the ``energybill`` command.
- ``units``    — every unit conversion, in one place.

Importing this package touches no hardware, file or network, and imports nothing heavy:
the public names below are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Bill", "Meter", "ProjectError", "__version__", "estimate_bill", "load_project", "track"]

if TYPE_CHECKING:
    from energybill.core.bill import Bill
    from energybill.core.errors import ProjectError
    from energybill.estimate.engine import estimate as estimate_bill
    from energybill.measure import Meter
    from energybill.project.load import load_project
    from energybill.tracking import track

# public name → (module, attribute). Not "estimate": that name is the energybill.estimate
# subpackage as soon as anything imports it.
_LAZY = {
    "Bill": ("energybill.core.bill", "Bill"),
    "ProjectError": ("energybill.core.errors", "ProjectError"),
    "estimate_bill": ("energybill.estimate.engine", "estimate"),
    "load_project": ("energybill.project.load", "load_project"),
    # "track", not "measure": energybill.measure is the meter's subpackage
    "track": ("energybill.tracking", "track"),
    "Meter": ("energybill.measure", "Meter"),
}


def __getattr__(name: str) -> Any:
    """Import public names lazily so that ``import energybill`` stays instant."""
    if name not in _LAZY:
        raise AttributeError(f"module 'energybill' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    return getattr(importlib.import_module(module), attribute)
