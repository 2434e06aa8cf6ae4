"""A grid region's carbon intensity, and the PUE of a cloud region, as catalog values.

``region`` is a country or aggregate (``FR``, ``World``) or ``provider:region`` (``gcp:europe-west1``);
the cloud form also carries the provider's PUE constant.
"""

from __future__ import annotations

from energybill.catalog.values import CatalogValue


def region_values(region: str, year: int | None = None) -> tuple[CatalogValue, CatalogValue | None]:
    """The intensity (g/kWh) of ``region`` in ``year`` (latest when None), and its PUE if it is a
    cloud region; raises ``CatalogError`` for an unknown region or year."""
    if ":" in region:
        from energybill.catalog.cloud import cloud_region

        cloud = cloud_region(region, year)
        return cloud.intensity, cloud.pue
    from energybill.catalog.grid import grid_intensity

    return grid_intensity(region, year), None
