"""Other costs: a lump sum of energy at a site, or of CO2e."""

from __future__ import annotations

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import formula, project
from energybill.estimate.site import SiteContext
from energybill.project.model import Other


def estimate_other(item: Other, site: SiteContext | None) -> ItemBill:
    """Bill laptops, e-mail, video calls...: ``energy_kwh`` at a site (× its intensity) or ``co2e_kg``.

    Source: the talk's Additional costs slide (~1 MWh of laptops, e-mail and video → 0.42 t).
    The energy is taken as metered at the plug, so no PUE is applied.
    """
    if item.co2e_kg is not None:
        records = (
            Provenance("energy_kwh", "0", {}, (formula("only CO2e given: no energy billed"),)),
            Provenance("co2e_kg", "given", {"co2e_kg": item.co2e_kg}, (project(),)),
        )
        return ItemBill("other", item.name, item.phase, None, 0.0, item.co2e_kg, {}, records)
    assert site is not None and item.energy_kwh is not None  # checked by the loader
    energy_record = Provenance(
        "energy_kwh", "given", {"energy_kwh": item.energy_kwh}, (project(note="at the plug, no PUE"),)
    )
    co2e, co2e_record = site.carbon(item.energy_kwh)
    return ItemBill(
        "other",
        item.name,
        item.phase,
        site.name,
        item.energy_kwh,
        co2e,
        {},
        (energy_record, co2e_record),
    )
