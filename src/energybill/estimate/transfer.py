"""Data transfer: ``kWh = TB × copies × kWh/TB``."""

from __future__ import annotations

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import formula
from energybill.estimate.site import TALK, SiteContext, pue_note
from energybill.project.model import Transfer


def estimate_transfer(item: Transfer, site: SiteContext) -> ItemBill:
    """Bill data moved over networks.

    Source: the talk's Transfer slide (6.38 kWh per TB transferred, with a copy factor per dataset).
    """
    moved_tb = item.terabytes * item.copies
    pue = site.pue_applied(item.pue_included)
    energy = moved_tb * item.kwh_per_tb * pue
    energy_record = Provenance(
        "energy_kwh",
        "terabytes × copies × kwh_per_tb × pue",
        {
            "terabytes": item.terabytes,
            "copies": item.copies,
            "kwh_per_tb": item.kwh_per_tb,
            "pue": pue,
        },
        (formula(f"{TALK}, Transfer slide"), *pue_note(site, item.pue_included)),
    )
    moved_record = Provenance(
        "details.terabytes_moved",
        "terabytes × copies",
        {"terabytes": item.terabytes, "copies": item.copies},
        (formula(f"{TALK}, Transfer slide (copy factor per dataset)"),),
    )
    co2e, co2e_record = site.carbon(energy)
    return ItemBill(
        kind="transfer",
        name=item.name,
        phase=item.phase,
        site=site.name,
        energy_kwh=energy,
        co2e_kg=co2e,
        details={"terabytes_moved": moved_tb},
        provenance=(moved_record, energy_record, co2e_record),
    )
