"""A grid region's carbon intensity, and the PUE of a cloud region, as catalog values.

``region`` is a country or aggregate (``FR``, ``World``), a sub-national grid zone (``US-EGRID-NWPP``
or ``NWPP``, ``CA-QC`` or ``Quebec``) or a cloud region (``aws:us-west-2``, or ``us-west-2`` where
only one provider has that name); the cloud form also carries the provider's PUE. One resolver
(``resolve``) serves project files and ``energybill catalog show``, so both answer a name alike.
"""

from __future__ import annotations

from typing import Any

from energybill.catalog.values import CatalogValue

Candidate = tuple[str, dict[str, Any]]  # ("grid" | "zone" | "cloud", the table's record)


def _names(candidate: Candidate) -> list[str]:
    kind, record = candidate
    if kind == "grid":
        from energybill.catalog.grid import _names as grid_names

        return grid_names(record)
    if kind == "zone":  # the last: how `catalog search` shows it ("CA-QC Quebec")
        place = f"{record['zone']} {record['name'].split(' (eGRID')[0]}"
        return [n for n in (record["zone"], record.get("alias"), record["name"], place) if n]
    return [record["key"], record["key"].split(":", 1)[1]]  # "us-east-1" alone names it too


def _label(candidate: Candidate) -> str:
    kind, record = candidate
    if kind == "grid":
        from energybill.catalog.grid import _label as grid_label

        return grid_label(record)
    if kind == "zone":
        return f"{record['zone']} ({record['name']})"
    return str(record["key"])


def resolve(name: str) -> Candidate:
    """The country, aggregate, grid zone or cloud region ``name`` names (forgiving, never a guess:
    several matches raise ``CatalogError`` listing them)."""
    from energybill.catalog.match import find, key
    from energybill.catalog.tables import table

    clouds: list[Candidate] = [("cloud", r) for r in table("cloud")["regions"]] if ":" in name else []
    if clouds:  # provider:region names a cloud region only
        return find(name, clouds, lambda c: [c[1]["key"]], "cloud region", _label)
    grid = table("grid")
    candidates: list[Candidate] = [("grid", e) for e in grid["entities"]]
    candidates += [("zone", z) for z in grid["zones"]]
    wanted = key(name)  # a country or zone named exactly: no need to read the cloud table
    exact = [c for c in candidates if any(key(n) == wanted for n in _names(c))]
    if len(exact) == 1:
        return exact[0]
    candidates += [("cloud", r) for r in table("cloud")["regions"]]
    return find(name, candidates, _names, "grid region", _label)


def region_values(region: str, year: int | None = None) -> tuple[CatalogValue, CatalogValue | None]:
    """The intensity (g/kWh) of ``region`` in ``year`` (latest when None), and its PUE if it is a
    cloud region; raises ``CatalogError`` for an unknown region or year."""
    kind, record = resolve(region)
    if kind == "cloud":
        from energybill.catalog.cloud import cloud_region

        cloud = cloud_region(record["key"], year)
        return cloud.intensity, cloud.pue
    if kind == "zone":
        from energybill.catalog.grid import zone_intensity

        return zone_intensity(record, year), None
    from energybill.catalog.grid import grid_intensity

    return grid_intensity(record["name"], year), None
