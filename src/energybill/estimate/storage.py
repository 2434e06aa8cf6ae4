"""Storage: ``kWh = TB × W/TB × hours / 1000`` (× PUE unless the factor includes it)."""

from __future__ import annotations

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import formula, project
from energybill.core.units import HOURS_PER_MONTH, wh_to_kwh
from energybill.estimate.site import TALK, SiteContext, pue_note
from energybill.project.model import Storage


def estimate_storage(item: Storage, site: SiteContext) -> ItemBill:
    """Bill data kept on disk for a while.

    Source: the talk's Storage slide (11.3 W per TB on Amazon S3, which holds a PUE of 1.6 and a
    redundancy of 2, so ``pue_included = true`` for that factor).
    """
    if item.hours is not None:
        hours = item.hours
        hours_record = Provenance("details.hours", "given", {"hours": hours}, (project(),))
    else:
        assert item.months is not None  # Storage._duration: hours or months
        hours = item.months * HOURS_PER_MONTH
        hours_record = Provenance(
            "details.hours",
            "months × 730",
            {"months": item.months, "hours_per_month": HOURS_PER_MONTH},
            (formula("a month is 730 h: 365 days × 24 h / 12"),),
        )
    pue = site.pue_applied(item.pue_included)
    energy = wh_to_kwh(item.terabytes * item.watts_per_tb * hours) * pue
    energy_record = Provenance(
        "energy_kwh",
        "terabytes × watts_per_tb × hours / 1000 × pue",
        {
            "terabytes": item.terabytes,
            "watts_per_tb": item.watts_per_tb,
            "hours": hours,
            "pue": pue,
        },
        (formula(f"{TALK}, Storage slide"), *pue_note(site, item.pue_included)),
    )
    co2e, co2e_record = site.carbon(energy)
    tb_hours_record = Provenance(
        "details.terabyte_hours",
        "terabytes × hours",
        {"terabytes": item.terabytes, "hours": hours},
        (project(),),
    )
    return ItemBill(
        kind="storage",
        name=item.name,
        phase=item.phase,
        site=site.name,
        energy_kwh=energy,
        co2e_kg=co2e,
        details={"hours": hours, "terabyte_hours": item.terabytes * hours},
        provenance=(hours_record, tb_hours_record, energy_record, co2e_record),
    )
