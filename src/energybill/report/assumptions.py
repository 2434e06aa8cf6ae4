"""The catalog values a bill used (source and year), once each, for the lines under the bill."""

from __future__ import annotations

from energybill.bill import Bill

MARK = "catalog: "


def catalog_values(bill: Bill) -> list[str]:
    """Every ``catalog: ...`` part of the provenance sources, in bill order, without repeats."""
    seen: dict[str, None] = {}
    for item in bill.items:
        for record in item.provenance:
            for part in record.source.split("; "):
                if MARK in part:
                    seen.setdefault(part.split(MARK, 1)[1].strip(), None)
    return list(seen)
