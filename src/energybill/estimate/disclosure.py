"""An item's disclosure beside its kWh and location-based CO2e: water, market-based CO2e, cost and
the boundary its energy is counted at.

Run on every item's bill by the engine, after the kind's estimate, so that each kind's formula
stays as the talk gives it. Works on numpy arrays too (the sampler passes them): arithmetic only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import formula, project, supplying
from energybill.estimate.site import SiteContext
from energybill.project.model import AnyItem, Compute, Inference, Other, Storage, Training, Transfer

# Boundaries of an energy figure, narrowest first (Google's Gemini methodology, 2025: accelerator
# only vs. comprehensive with host, idle capacity and PUE). "network" and "as given" are not on
# this scale: a transfer's kWh/TB factor and a lump sum carry their own boundary.
BOUNDARIES = ("accelerator", "node", "facility", "comprehensive")
BOUNDARY_TEXT = {
    "accelerator": "accelerators only (no host CPU, memory or cooling)",
    "node": "whole nodes (accelerators and host), without the facility's cooling (PUE)",
    "facility": "whole nodes and the facility's overhead (PUE), without idle capacity",
    "comprehensive": "whole nodes, facility overhead (PUE) and idle capacity kept ready",
    "network": "the network path, as the kWh-per-TB factor counts it",
    "as given": "as the project file gives it",
}
NOT_ELECTRICITY = "not purchased electricity: the same figure in the location- and market-based methods"


def disclose(spec: AnyItem, bill: ItemBill, site: SiteContext | None) -> ItemBill:
    """``bill`` with water, market-based CO2e, cost and boundary added (None where not counted)."""
    if bill.energy_kwh is None:
        return replace(bill, co2e_market_kg=bill.co2e_kg) if bill.co2e_kg is not None else bill
    records = list(bill.provenance)
    if site is None or not _electric(bill):
        market = bill.co2e_kg
        records.append(Provenance("co2e_market_kg", "co2e_kg", {}, (formula(NOT_ELECTRICITY),)))
        return replace(bill, co2e_market_kg=market, provenance=tuple(records))
    energy = bill.energy_kwh
    it_energy = energy / site.pue
    water, water_record = site.water(it_energy, energy)
    market, market_record = site.market_carbon(energy)
    if site.terms.water_counted:
        records.append(water_record)
    records.append(market_record)
    cost, currency = _cost(spec, bill, site, records)
    details = dict(bill.details)
    if cost is not None and isinstance(spec, Inference) and "tokens" in details:
        per_million = cost / _number(details["tokens"]) * 1e6
        details["cost_per_million_tokens"] = per_million
        records.append(
            Provenance(
                "details.cost_per_million_tokens",
                "cost / tokens × 1e6",
                {"cost": cost, "tokens": details["tokens"]},
                (formula("serving cost per million generated tokens"),),
            )
        )
    if cost is not None and isinstance(spec, Inference) and "requests" in details:
        details["cost_per_request"] = cost / _number(details["requests"])
        records.append(
            Provenance(
                "details.cost_per_request",
                "cost / requests",
                {"cost": cost, "requests": details["requests"]},
                (formula("serving cost per request"),),
            )
        )
    return replace(
        bill,
        water_l=water if site.terms.water_counted else None,
        co2e_market_kg=market,
        cost=cost,
        currency=currency,
        boundary=boundary(spec, site, bill.details.get("host_watts_per_device")),
        details=details,
        provenance=tuple(records),
    )


def _electric(bill: ItemBill) -> bool:
    return bill.site is not None


def boundary(spec: AnyItem, site: SiteContext, host_w: Any = None) -> str:
    """The boundary of an item's energy (one of ``BOUNDARY_TEXT``); ``host_w``: the host power the
    estimate used where it is not the item's own (a catalog accelerator's default)."""
    match spec:
        case Transfer(pue_included=True):
            return "network"
        case Other():
            return "as given"
        case Storage() | Transfer():
            return "facility"
        case Compute() | Training() | Inference():
            declared = spec.power_boundary
            host = spec.host_watts_per_device if host_w is None else host_w
            if declared is None and not _positive(host):
                declared = "accelerator"
            if declared == "accelerator":
                return "accelerator"
            no_pue = site.pue_sources[0].kind == "default" and site.pue == 1.0
            if no_pue:
                return "node"
            # comprehensive: the power is a fleet's with its idle capacity, or the idle time of the
            # provisioned serving capacity is billed (Google's Gemini methodology, 2025)
            idle = isinstance(spec, Inference) and spec.replicas is not None
            return "comprehensive" if declared == "comprehensive" or idle else "facility"
    return "as given"


def _positive(value: Any) -> bool:
    """``value > 0`` for a number or every element of a sampled array."""
    above = value > 0
    return bool(above.all()) if hasattr(above, "all") else bool(above)


def _number(value: float | str) -> float:
    assert not isinstance(value, str)  # tokens is a number (a float, or an array when sampling)
    return value


def _cost(
    spec: AnyItem, bill: ItemBill, site: SiteContext, records: list[Provenance]
) -> tuple[float | None, str | None]:
    """Cost: device-hours × the item's price per device-hour, else kWh × the site's price."""
    price = getattr(spec, "price_per_device_hour", None)
    currency: str | None = getattr(spec, "currency", None)
    hours = _device_hours(spec, bill)
    if price is not None and hours is not None:
        records.append(
            Provenance(
                "cost",
                "device_hours × price_per_device_hour",
                {"device_hours": hours, "price_per_device_hour": price, "currency": currency or ""},
                (formula("cloud price per device-hour (covers electricity and hardware)"), project()),
            )
        )
        return hours * price, currency
    terms = site.terms
    if terms.price_per_kwh is None:
        return None, None
    assert bill.energy_kwh is not None
    records.append(
        Provenance(
            "cost",
            "energy_kwh × price_per_kwh",
            {
                "energy_kwh": bill.energy_kwh,
                "price_per_kwh": terms.price_per_kwh,
                "currency": terms.currency or "",
            },
            (formula("electricity bill: kWh × price per kWh"), *supplying("price", terms.price_sources)),
        )
    )
    return bill.energy_kwh * terms.price_per_kwh, terms.currency


def _device_hours(spec: AnyItem, bill: ItemBill) -> Any:
    """Device-hours of a compute, training or serving item (None for other kinds)."""
    details = bill.details
    if isinstance(spec, Compute | Training) and "device_hours" in details:
        return details["device_hours"]
    if isinstance(spec, Inference) and "provisioned_device_hours" in details:
        return details["provisioned_device_hours"]  # a cloud bills the capacity held, busy or idle
    if isinstance(spec, Inference) and "serving_hours" in details:
        return _number(details["serving_hours"]) * spec.devices
    return None
