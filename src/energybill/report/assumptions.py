"""The catalog values a bill used (source and year), once each, for the lines under the bill."""

from __future__ import annotations

from energybill.core.bill import Bill
from energybill.report.rows import bill_sources


def catalog_values(bill: Bill) -> list[str]:
    """Every catalog source of the bill's provenance (``<citation> [file, licence]``), in bill
    order, without repeats."""
    return list(dict.fromkeys(source.citation() for source in bill_sources(bill) if source.kind == "catalog"))
