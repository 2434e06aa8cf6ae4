"""Search every catalog table for a text: the rows of ``energybill catalog search``."""

from __future__ import annotations

from collections.abc import Iterator

from energybill.catalog.match import words
from energybill.catalog.tables import table

Row = tuple[str, str, str]  # kind, name, summary


def search(text: str) -> list[Row]:
    """Rows whose name or summary contains every word of ``text`` (case-insensitive), best first:
    the name itself, then names that start with the text, then names that hold every word, then
    the rest (a match in the summary only); shorter names first within each."""
    wanted = words(text)
    found = [row for row in _rows() if all(w in " ".join(words(row[1] + " " + row[2])) for w in wanted)]
    return sorted(found, key=lambda row: _rank(row, wanted))


def _rank(row: Row, wanted: list[str]) -> tuple[int, int]:
    name = words(row[1])
    joined = " ".join(name)
    query = " ".join(wanted)
    if joined == query:
        tier = 0
    elif joined.startswith(query):
        tier = 1
    elif all(any(w.startswith(q) for w in name) for q in wanted):
        tier = 2
    elif all(q in joined for q in wanted):
        tier = 3
    else:
        tier = 4
    return tier, len(row[1])


def _rows() -> Iterator[Row]:
    for e in table("grid")["entities"]:
        codes = "/".join(c for c in (e.get("iso2"), e.get("iso3"), e.get("code")) if c)
        yield "grid", e["name"], f"{codes} years {min(e['values'])}–{max(e['values'])}"
    for z in table("grid")["zones"]:
        place = z["name"].split(" (eGRID")[0]  # "WECC Northwest", "Quebec": ranked as part of the name
        yield "grid zone", f"{z['zone']} {place}", f"{z['country']}: {z['value']:g} g/kWh ({z['year']})"
    for r in table("cloud")["regions"]:
        where = ", ".join(p for p in (r["city"], r["state"], r["country"]) if p)
        yield "cloud", r["key"], where + (f" → grid zone {r['zone']}" if r.get("zone") else "")
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
