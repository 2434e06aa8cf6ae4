"""A value from the catalog with everything needed to cite it."""

from __future__ import annotations

from dataclasses import dataclass

from energybill.catalog.tables import source
from energybill.core.provenance import Source


@dataclass(frozen=True)
class CatalogValue:
    """One looked-up number: what it is, its unit, source key, data year and any fallback note."""

    value: float
    unit: str
    label: str  # what the value is about: "France", "NVIDIA H100 SXM5 80GB TDP"
    source_key: str  # a key of the sources table ("owid", "epoch", ...)
    year: str  # the data year as the source gives it ("2024", "2023 (not stated)")
    note: str = ""  # fallback or caveat, "" when none

    def cite(self) -> str:
        """``OWID/Ember 2024: France 40.48 gCO2e/kWh`` (plus the note, if any)."""
        short = source(self.source_key)["short"]
        text = f"{short} {self.year}: {self.label} {self.value:g} {self.unit}"
        return f"{text} ({self.note})" if self.note else text

    def as_source(self, role: str | None = None) -> Source:
        """The value as a provenance ``Source`` of kind catalog: citation, value, unit, year,
        licence and file (read as ``catalog: <citation> [file, licence]``)."""
        record = source(self.source_key)
        return Source(
            "catalog",
            self.cite(),
            value=self.value,
            unit=self.unit,
            year=self.year,
            licence=record["licence"],
            file=record["file"],
            role=role,
        )
