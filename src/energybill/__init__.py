"""energybill: the full energy bill (kWh) and carbon footprint (kg CO2e) of a language-model project.

    >>> import energybill
    >>> bill = energybill.estimate_file("examples/noor.toml")      # doctest: +SKIP
    >>> round(bill.totals.energy_kwh), round(bill.totals.co2e_kg)  # doctest: +SKIP
    (58994, 36371)
    >>> with energybill.track("finetune", ledger="runs.db"):       # doctest: +SKIP
    ...     train()

Map of the package: layers that import downward only (``pyproject.toml``'s import-linter contract).

- ``core``      — the Bill and its provenance (typed ``Source`` records), units (every
                  conversion), errors, measurement and calibration records. Imports nothing else
                  of energybill.
- ``catalog``   — reference data: grid intensities, cloud regions, devices, airports, factors.
- ``project``   — the typed project model; loading with one-line errors; ranges, overrides and
                  variants; reference and catalog checks.
- ``estimate``  — the engine and one pure function per item kind, each with its provenance.
- ``whatif``    — scenario columns, Monte Carlo, sweeps, compute-optimal planning, recommendations.
- ``reconcile`` — measured runs from the ledger beside (or instead of) the estimate.
- ``pipeline``  — one way through: a file parsed once, each variant validated and billed once.
- ``report``    — renderers (terminal, Markdown, HTML, model card, JSON, CSV) that only format.
- ``measure``   — the meter (NVML, RAPL, a labelled model) writing through a sink protocol;
  ``ledger`` — the SQLite ledger that implements it; ``tracking`` — the two wired together.
- ``practice``, ``integrations``, ``telemetry`` — benchmarks, framework callbacks, Prometheus.
- ``cli``       — the ``energybill`` command, thin over the pipeline.

Importing this package touches no hardware, file or network, and imports nothing heavy:
the public names below are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from energybill.core.version import __version__

__all__ = [
    "Bill",
    "EnergybillError",
    "ItemBill",
    "Measurement",
    "Meter",
    "Overrides",
    "PhaseTotal",
    "Pipeline",
    "ProjectError",
    "Provenance",
    "Source",
    "Totals",
    "__version__",
    "estimate_bill",
    "estimate_file",
    "load_project",
    "track",
]

if TYPE_CHECKING:
    from energybill.core.bill import Bill, ItemBill, PhaseTotal, Provenance, Totals
    from energybill.core.errors import EnergybillError, ProjectError
    from energybill.core.provenance import Source
    from energybill.core.records import Measurement
    from energybill.estimate.engine import estimate as estimate_bill
    from energybill.measure import Meter
    from energybill.pipeline import Pipeline, estimate_file
    from energybill.project.load import load_project
    from energybill.project.overrides import Overrides
    from energybill.tracking import track

# public name → (module, attribute). Not "estimate" nor "measure": those are subpackages.
_LAZY = {
    "Bill": ("energybill.core.bill", "Bill"),
    "ItemBill": ("energybill.core.bill", "ItemBill"),
    "PhaseTotal": ("energybill.core.bill", "PhaseTotal"),
    "Provenance": ("energybill.core.bill", "Provenance"),
    "Totals": ("energybill.core.bill", "Totals"),
    "Source": ("energybill.core.provenance", "Source"),
    "EnergybillError": ("energybill.core.errors", "EnergybillError"),
    "ProjectError": ("energybill.core.errors", "ProjectError"),
    "Measurement": ("energybill.core.records", "Measurement"),
    "estimate_bill": ("energybill.estimate.engine", "estimate"),
    "estimate_file": ("energybill.pipeline", "estimate_file"),
    "Pipeline": ("energybill.pipeline", "Pipeline"),
    "load_project": ("energybill.project.load", "load_project"),
    "Overrides": ("energybill.project.overrides", "Overrides"),
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


def __dir__() -> list[str]:
    return sorted(__all__)
