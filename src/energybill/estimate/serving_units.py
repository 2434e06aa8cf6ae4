"""Serving per unit of what it delivers: Wh and g CO2e per request and per 1,000 output tokens,
requests per kg CO2e, the daily footprint, and parity with the items it is compared with.
"""

from __future__ import annotations

from typing import Any, cast

from energybill.core.bill import ItemBill
from energybill.core.provenance import formula
from energybill.core.units import G_PER_KG, HOURS_PER_DAY, WH_PER_KWH, co2e_kg, j_to_kwh, kwh_to_j
from energybill.estimate.serving_sheet import Sheet, inverse
from energybill.estimate.serving_volume import Daily, Volume
from energybill.estimate.site import TALK, SiteContext
from energybill.project.model import Inference


def per_unit(
    item: Inference, site: SiteContext, sheet: Sheet, volume: Volume | None, energy: float, co2e: float
) -> None:
    """Billed energy and CO2e per request, per 1,000 output tokens and per day (idle share included)."""
    assert volume is not None
    days = (
        volume.days
        if volume.days is not None
        else (item.hours / HOURS_PER_DAY if item.hours is not None else None)
    )
    billed = (("energy_kwh", energy), ("co2e_kg", co2e))
    # (key, billed figure, unit, scale, what) → key = figure × scale / unit
    rows: list[tuple[str, tuple[str, Any], tuple[str, Any], float, str]] = []
    if volume.requests is not None:
        per_request = ("requests", volume.requests)
        rows += [
            ("wh_per_request", billed[0], per_request, WH_PER_KWH, "billed energy per request"),
            ("g_co2e_per_request", billed[1], per_request, G_PER_KG, "billed CO2e per request"),
        ]
    if volume.tokens is not None:
        per_tokens = ("tokens", volume.tokens)
        rows += [
            (
                "wh_per_1000_output_tokens",
                billed[0],
                per_tokens,
                WH_PER_KWH * 1000,
                "billed energy per 1,000 output tokens",
            ),
            (
                "g_co2e_per_1000_output_tokens",
                billed[1],
                per_tokens,
                G_PER_KG * 1000,
                "billed CO2e per 1,000 output tokens",
            ),
        ]
    # the billed energy per day: with provisioned capacity, the idle share is in it
    if days is not None and (item.provisioned or "energy_kwh_per_day" not in sheet.details):
        rows += [
            ("energy_kwh_per_day", billed[0], ("days", days), 1.0, f"{TALK}, Inference slide"),
            (
                "co2e_kg_per_day",
                billed[1],
                ("days", days),
                1.0,
                f"{TALK}, Inference slide ('30 tons of CO2e per day for serving')",
            ),
        ]
    for key, (name, value), (unit, count), scale, what in rows:
        text = f"{name} × {scale:,.0f} / {unit}" if scale != 1.0 else f"{name} / {unit}"
        sheet.put(key, value * scale / count, text, {name: value, unit: count}, (formula(what),))
    if volume.requests is not None:
        sheet.put(
            "requests_per_kg_co2e",
            inverse(co2e / volume.requests),
            "requests / co2e_kg",
            {"requests": volume.requests, "co2e_kg": co2e},
            (formula("billed requests per kg CO2e"),),
        )


def per_day_figures(
    sheet: Sheet, site: SiteContext, daily: Daily, j_token: float | None, j_request: float | None
) -> None:
    """The daily footprint of a per-day rate (busy energy): shown, not billed without days."""
    if daily.requests is not None and j_request is not None:
        joules, text, inputs = (
            daily.requests * j_request,
            "requests_per_day × joules_per_request",
            {"requests_per_day": daily.requests, "joules_per_request": j_request},
        )
    elif daily.tokens is not None and j_token is not None:
        joules, text, inputs = (
            daily.tokens * j_token,
            "tokens_per_day × joules_per_token",
            {"tokens_per_day": daily.tokens, "joules_per_token": j_token},
        )
    else:
        return
    kwh = j_to_kwh(joules)
    sheet.put("energy_kwh_per_day", kwh, f"{text} / 3.6e6", inputs, (formula(f"{TALK}, Inference slide"),))
    sheet.put(
        "co2e_kg_per_day",
        co2e_kg(kwh, site.carbon_intensity_g_per_kwh),
        f"{text} / 3.6e6 × carbon_intensity_g_per_kwh / 1000",
        {**inputs, "carbon_intensity_g_per_kwh": site.carbon_intensity_g_per_kwh},
        (formula(f"{TALK}, Inference slide ('30 tons of CO2e per day for serving')"),),
    )
    overtake = formula(f"{TALK}, findings ('inference can overtake the training cost in one or few days')")
    for unit, per_day in (("tokens", daily.tokens), ("requests", daily.requests)):
        if f"{unit}_to_match_training" in sheet.details and per_day is not None:
            match = cast(float, sheet.details[f"{unit}_to_match_training"])
            sheet.put(
                "days_to_match_training",
                match / per_day,
                f"{unit}_to_match_training / {unit}_per_day",
                {f"{unit}_to_match_training": match, f"{unit}_per_day": per_day},
                (overtake,),
            )
            break


def parity(sheet: Sheet, refs: tuple[ItemBill, ...], j_token: float | None, j_request: float | None) -> None:
    """Parity with the compared items' energy: tokens, requests, and days at the daily volume."""
    if any(ref.energy_kwh is None for ref in refs):
        return
    reference_kwh: Any = 0.0
    for ref in refs:
        reference_kwh = reference_kwh + ref.energy_kwh  # a float, or an array when sampling
    names = " + ".join(ref.name for ref in refs)
    sheet.details["compare_with"] = names
    sources = (
        formula(f"{TALK}, Inference slide ('3 billion tokens ... to catch up with training')"),
        formula(f"item(s) '{names}'"),
    )
    if j_token is not None:
        sheet.put(
            "tokens_to_match_training",
            kwh_to_j(reference_kwh) / j_token,
            "training energy_kwh × 3.6e6 / joules_per_token",
            {"training_energy_kwh": reference_kwh, "joules_per_token": j_token},
            sources,
        )
    if j_request is not None:
        sheet.put(
            "requests_to_match_training",
            kwh_to_j(reference_kwh) / j_request,
            "training energy_kwh × 3.6e6 / joules_per_request",
            {"training_energy_kwh": reference_kwh, "joules_per_request": j_request},
            sources,
        )
