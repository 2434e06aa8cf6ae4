"""The catalog values a bill used (source and year), once each, for the lines under the bill."""

from __future__ import annotations

from energybill.core.bill import Bill
from energybill.report.rows import source_parts

MARK = "catalog: "


def catalog_values(bill: Bill) -> list[str]:
    """Every ``catalog: ...`` part of the provenance sources, in bill order, without repeats."""
    return list(dict.fromkeys(part.split(MARK, 1)[1].strip() for part in source_parts(bill) if MARK in part))
