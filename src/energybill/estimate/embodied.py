"""Embodied carbon: the share of making the hardware that the project's hours use up."""

from __future__ import annotations

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import Source, default, formula, project
from energybill.core.units import HOURS_PER_YEAR
from energybill.project.model import Embodied

BLOOM = (
    "Luccioni, Viguier, Ligozat 2022, 'Estimating the Carbon Footprint of BLOOM' (arXiv:2211.02001), "
    "embodied emissions: device CO2e × hours used / (lifetime hours × utilisation)"
)
_NO_KWH = Provenance(
    "energy_kwh", "0", {}, (formula("embodied carbon is emitted making the hardware: no kWh billed"),)
)


def estimate_embodied(item: Embodied) -> ItemBill:
    """``kg = kg_co2e_per_device × device_hours / (lifetime_hours × utilization)``.

    Amortises manufacturing over the hours a device is busy in its life, as BLOOM's life-cycle
    assessment does (150 kg per A100, 2,500 kg per server, 6 years, 85 % utilisation).
    """
    device_hours = item.total_device_hours()
    per_device, factor_source = _per_device(item)
    lifetime_hours, lifetime_source = _lifetime(item)
    co2e = per_device * device_hours / (lifetime_hours * item.utilization)
    records: list[Provenance] = []
    if item.device_hours is None:
        assert item.devices is not None and item.hours_used is not None  # Embodied._inputs
        records.append(
            Provenance(
                "details.device_hours",
                "devices × hours_used",
                {"devices": item.devices, "hours_used": item.hours_used},
                (project(),),
            )
        )
    sources = [formula(BLOOM), factor_source, lifetime_source]
    if "utilization" not in item.model_fields_set:
        sources.append(default("utilization 1.0, the hardware is busy all its life (set utilization)", 1.0))
    records += [
        _NO_KWH,
        Provenance(
            "co2e_kg",
            "kg_co2e_per_device × device_hours / (lifetime_hours × utilization)",
            {
                "kg_co2e_per_device": per_device,
                "device_hours": device_hours,
                "lifetime_hours": lifetime_hours,
                "utilization": item.utilization,
            },
            tuple(sources),
        ),
    ]
    details: dict[str, float | str] = {
        "device_hours": device_hours,
        "kg_co2e_per_device": per_device,
        "lifetime_hours": lifetime_hours,
    }
    return ItemBill("embodied", item.name, item.phase, None, 0.0, co2e, details, tuple(records))


def _per_device(item: Embodied) -> tuple[float, Source]:
    if item.kg_co2e_per_device is not None:
        return item.kg_co2e_per_device, project(role="kg_co2e_per_device")
    from energybill.catalog.embodied import embodied_factor

    value = embodied_factor(item.device or "")
    return value.value, value.as_source(role="kg_co2e_per_device")


def _lifetime(item: Embodied) -> tuple[float, Source]:
    if item.lifetime_hours is not None:
        return item.lifetime_hours, project(role="lifetime_hours")
    assert item.lifetime_years is not None  # Embodied._inputs: lifetime_hours or lifetime_years
    hours = item.lifetime_years * HOURS_PER_YEAR
    return hours, formula(f"lifetime_hours = lifetime_years × {HOURS_PER_YEAR:g} (project file)")
