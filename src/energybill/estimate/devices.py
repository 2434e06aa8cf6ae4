"""Items that name a catalog ``device`` instead of ``watts_per_device``: bill them at its TDP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from energybill.catalog.errors import CatalogError
from energybill.catalog.hardware import accelerator, accelerator_value, device_tdp
from energybill.catalog.values import CatalogValue
from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import formula
from energybill.estimate.inference import ServingDevice
from energybill.project.model import Compute, Inference, Training

PoweredItem = Compute | Training | Inference


def with_catalog_device(item: PoweredItem, estimate: Callable[[PoweredItem], ItemBill]) -> ItemBill:
    """Estimate ``item`` with ``watts_per_device`` = the device's TDP, and say so.

    TDP is the board's power limit, an upper bound of its average draw during training (the talk
    counts each A100 at its 400 W TDP); measured power is lower for most workloads.
    """
    assert item.device is not None  # the engine calls this only for items that name a device
    powered, tdp = with_tdp(item)
    bill = estimate(powered)
    record = Provenance(
        "details.watts_per_device",
        "TDP of the catalog device",
        {"device": item.device, "watts_per_device": tdp.value},
        (tdp.as_source(), formula("TDP as the power per device, an upper bound of average draw")),
    )
    details = {**bill.details, "device": tdp.label.removesuffix(" TDP"), "watts_per_device": tdp.value}
    return replace(bill, details=details, provenance=(record, *bill.provenance))


def with_tdp(item: PoweredItem) -> tuple[PoweredItem, CatalogValue]:
    """``item`` with ``watts_per_device`` = its catalog device's TDP (and no device), and the TDP."""
    assert item.device is not None
    tdp = device_tdp(item.device)
    return item.model_copy(update={"watts_per_device": tdp.value, "device": None}), tdp


def serving_device(name: str) -> ServingDevice:
    """A catalog device for serving: its TDP, and its dense BF16 peak (prefill) where known."""
    tdp = device_tdp(name)
    peak = None
    try:
        entry, key = accelerator(name)
        peak = accelerator_value(entry, key, "bf16_flops")
    except CatalogError:
        pass  # a CPU, or an accelerator without a BF16 figure
    label = tdp.label.removesuffix(" TDP")
    return ServingDevice(label, tdp.value, tdp.as_source(), None if peak is None else peak.value,
                         None if peak is None else peak.as_source())
