"""Embodied (manufacturing) carbon per device: literature figures, NVIDIA's H100 footprint (via
EcoLogits) and Boavizta server PCFs. Each carries a caveat for users (never an editor's note)."""

from __future__ import annotations

import functools
from typing import Any

from energybill.catalog.match import find
from energybill.catalog.tables import table
from energybill.catalog.values import CatalogValue

# Literature rows per device (not per cm² of die or per GB): the units an [[embodied]] item can use.
PER_DEVICE_UNITS = ("kgCO2e per GPU", "kgCO2e per node")


def entries() -> list[dict[str, Any]]:
    """Every per-device figure: literature rows, then Boavizta servers (manufacturing share)."""
    data = table("embodied")
    rows = [{"source": "literature", **r} for r in data["literature"] if r["unit"] in PER_DEVICE_UNITS]
    for server in data["servers"]:
        if server["gwp_total_kg"] is None or server["manufacturing_ratio"] is None:
            continue
        rows.append(
            {
                "key": server["key"],
                "hardware": server["subcategory"],
                "source": "boavizta",
                "value": server["gwp_total_kg"] * server["manufacturing_ratio"],
                "unit": "kgCO2e per device",
                "caveat": f"manufacturer PCF {server['report_date']}: gwp_total × manufacturing ratio",
                "year": server["report_date"][-4:],
            }
        )
    return rows


@functools.cache  # a bill looks each name up twice: when loaded, when estimated
def embodied_factor(name: str) -> CatalogValue:
    """kg CO2e to make one device, by the literature key ("bloom_gpu") or its hardware text."""
    rows = entries()
    found = find(
        name,
        rows,
        lambda r: [r["key"], r["hardware"]],
        "embodied-carbon entry",
        lambda r: f"{r['key']}: {r['hardware']}" if r["source"] != "boavizta" else r["key"],
    )
    year = found.get("year") or _year_of(found.get("cite", ""))
    return CatalogValue(
        found["value"],
        "kg CO2e per device",
        f"{found['key']} ({found['hardware']})",
        found["source"],
        year,
        found["caveat"],
    )


def _year_of(citation: str) -> str:
    import re

    years = re.findall(r"\b(20\d\d)\b", citation)
    return years[0] if years else "year not stated"
