"""CPU or GPU time: ``kWh = devices × (W + host W) × hours / 1000 × PUE``."""

from __future__ import annotations

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import project
from energybill.estimate.site import SiteContext, device_energy
from energybill.project.model import Compute


def estimate_compute(item: Compute, site: SiteContext) -> ItemBill:
    """Bill device time: a CPU cluster (devices = nodes, W per node) or GPU-hours.

    Source: the talk's Data processing slide (16 nodes × 350 W × 381 h, PUE 1.1) and R&D slide
    (16,800 A100-hours, 400 W + 70 W of host, PUE 1.35).
    """
    device_hours = item.total_device_hours()
    assert item.watts_per_device is not None  # a catalog device was resolved to its TDP (devices.py)
    energy, energy_record = device_energy(
        device_hours,
        item.watts_per_device,
        item.host_watts_per_device,
        site,
        "Data processing and R&D slides",
    )
    inputs: dict[str, float | str]
    if item.device_hours is None:
        assert item.devices is not None and item.hours is not None  # Compute._time
        inputs = {"devices": item.devices, "hours": item.hours}
        hours_record = Provenance("details.device_hours", "devices × hours", inputs, (project(),))
    else:
        inputs = {"device_hours": item.device_hours}
        hours_record = Provenance("details.device_hours", "given", inputs, (project(),))
    co2e, co2e_record = site.carbon(energy)
    return ItemBill(
        kind="compute",
        name=item.name,
        phase=item.phase,
        site=site.name,
        energy_kwh=energy,
        co2e_kg=co2e,
        details={"device_hours": device_hours},
        provenance=(hours_record, energy_record, co2e_record),
    )
