"""Search every catalog table for a text: the rows of ``energybill catalog search``."""

from __future__ import annotations

from collections.abc import Iterator

from energybill.catalog.match import words
from energybill.catalog.tables import table

Row = tuple[str, str, str]  # kind, name, summary


def search(text: str) -> list[Row]:
    """Rows whose name contains every word of ``text`` (case-insensitive)."""
    wanted = words(text)
    return [row for row in _rows() if all(w in " ".join(words(row[1] + " " + row[2])) for w in wanted)]


def _rows() -> Iterator[Row]:
    for e in table("grid")["entities"]:
        codes = "/".join(c for c in (e.get("iso2"), e.get("iso3"), e.get("code")) if c)
        yield "grid", e["name"], f"{codes} years {min(e['values'])}–{max(e['values'])}"
    for r in table("cloud")["regions"]:
        where = ", ".join(p for p in (r["city"], r["state"], r["country"]) if p)
        yield "cloud", r["key"], where
    for a in table("hardware")["accelerators"]:
        yield "accelerator", a["name"], f"TDP {a['tdp_w']:g} W" if a["tdp_w"] else "no TDP"
    for a in table("hardware")["fallback"]:
        yield "accelerator", a["name"], f"TDP {a['tdp_w']:g} W (mlco2/impact fallback)"
    for name, tdp in table("cpus")["cpus"]:
        yield "cpu", name, f"TDP {tdp:g} W"
    from energybill.catalog.flights import airports

    for code, (_, _, name, city, country) in airports().items():
        yield "airport", code, f"{name}, {city}, {country}".replace(", ,", ",")
    from energybill.catalog.embodied import entries

    for e in entries():
        yield "embodied", e["key"], f"{e['value']:g} kg CO2e per device: {e['hardware']}"
