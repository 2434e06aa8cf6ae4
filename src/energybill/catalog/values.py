"""A value from the catalog with everything needed to cite it."""

from __future__ import annotations

from dataclasses import dataclass

from energybill.catalog.tables import source


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

    def provenance_source(self) -> str:
        """The text for a ``Provenance.source``: ``catalog: <cite> [file, licence]``.

        It holds no "; " because the reports split provenance sources on it.
        """
        record = source(self.source_key)
        text = f"catalog: {self.cite()} [{record['file']}, {record['licence']}]"
        return text.replace("; ", ", ")
