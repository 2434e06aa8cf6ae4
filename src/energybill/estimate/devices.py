"""Items that name a catalog ``device`` instead of ``watts_per_device``: bill them at its TDP.

An accelerator's host (CPUs, memory, network, fans) is counted too when the item gives no
``host_watts_per_device``: a stated default from a cited server figure. A training item may give
``mfu`` instead of ``tflops_per_device``: its throughput is then that share of the device's peak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from energybill.catalog.errors import CatalogError
from energybill.catalog.hardware import accelerator, accelerator_value, device_tdp, is_accelerator, peak_flops
from energybill.catalog.values import CatalogValue
from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import default, formula, project
from energybill.core.units import FLOP_PER_TFLOP
from energybill.estimate.inference import ServingDevice
from energybill.project.model import Compute, Inference, Training

PoweredItem = Compute | Training | Inference

# NVIDIA DGX H100 datasheet (2023): system power 10.2 kW maximum with 8 H100 SXM5 GPUs of 700 W TDP
# each: the rest of the server draws (10,200 − 8 × 700) / (8 × 700) = 0.82 of the GPUs' power. Like
# TDP for the GPU, a full-load upper bound; applied to any accelerator's TDP.
DGX_H100_SYSTEM_W = 10_200.0
DGX_H100_GPUS = 8
H100_SXM_TDP_W = 700.0
HOST_SHARE = (DGX_H100_SYSTEM_W - DGX_H100_GPUS * H100_SXM_TDP_W) / (DGX_H100_GPUS * H100_SXM_TDP_W)
HOST_SOURCE = (
    "NVIDIA DGX H100 datasheet (2023): 10.2 kW system maximum for 8 × H100 SXM5 of 700 W, so the "
    "host adds (10,200 − 5,600) / 5,600 = 0.82 of the GPUs' power at full load"
)
DEFAULT_DTYPE = "bf16"


def host_default_w(tdp_w: float) -> float:
    """Host power per accelerator when the item gives none: ``0.82 × TDP`` (DGX H100, above)."""
    return HOST_SHARE * tdp_w


def with_catalog_device(item: PoweredItem, estimate: Callable[[PoweredItem], ItemBill]) -> ItemBill:
    """Estimate ``item`` with ``watts_per_device`` = the device's TDP, and say so.

    TDP is the board's power limit, an upper bound of its average draw during training (the talk
    counts each A100 at its 400 W TDP); measured power is lower for most workloads.
    """
    assert item.device is not None  # the engine calls this only for items that name a device
    powered, tdp, records = _resolved(item)
    bill = estimate(powered)
    record = Provenance(
        "details.watts_per_device",
        "TDP of the catalog device",
        {"device": item.device, "watts_per_device": tdp.value},
        (tdp.as_source(), formula("TDP as the power per device, an upper bound of average draw")),
    )
    details = {**bill.details, "device": tdp.label.removesuffix(" TDP"), "watts_per_device": tdp.value,
               "host_watts_per_device": powered.host_watts_per_device}
    if isinstance(powered, Training) and isinstance(item, Training) and item.mfu is not None:
        assert powered.tflops_per_device is not None
        details["tflops_per_device"] = powered.tflops_per_device
    return replace(bill, details=details, provenance=(record, *records, *bill.provenance))


def with_default_host(item: Inference, estimate: Callable[[Inference], ItemBill]) -> ItemBill:
    """Estimate a serving item that names a catalog device with that device's default host power
    (as training and compute get it: the bill, `sweep` and `plan` agree)."""
    assert item.device is not None
    update, records = _host_default(item, device_tdp(item.device))
    if not update:
        return estimate(item)
    bill = estimate(item.model_copy(update=update))
    details = {**bill.details, **update}
    return replace(bill, details=details, provenance=(*records, *bill.provenance))


def with_tdp(item: PoweredItem) -> tuple[PoweredItem, CatalogValue]:
    """``item`` with ``watts_per_device`` = its catalog device's TDP (and no device), the default
    host power of an accelerator and the throughput of an ``mfu``; and the TDP."""
    powered, tdp, _ = _resolved(item)
    return powered, tdp


def _resolved(item: PoweredItem) -> tuple[PoweredItem, CatalogValue, list[Provenance]]:
    assert item.device is not None
    tdp = device_tdp(item.device)
    host, records = _host_default(item, tdp)
    update: dict[str, Any] = {"watts_per_device": tdp.value, "device": None, **host}
    if isinstance(item, Training) and item.mfu is not None:
        dtype = item.dtype or DEFAULT_DTYPE
        peak = peak_flops(item.device, dtype)
        tflops = item.mfu * peak.value / FLOP_PER_TFLOP
        update.update(tflops_per_device=tflops, mfu=None, dtype=None)
        sources = [
            formula("MFU: achieved model FLOP/s over the device's peak (Chowdhery et al. 2022, PaLM, §4.1)"),
            peak.as_source(role="peak"),
            project(role="mfu"),
        ]
        if item.dtype is None:
            why = f"dtype {DEFAULT_DTYPE}: mfu is a share of the {DEFAULT_DTYPE} peak; set dtype"
            sources.append(default(why))
        records.append(
            Provenance(
                "details.tflops_per_device",
                "mfu × peak_flops / 1e12",
                {"mfu": item.mfu, "peak_flops": peak.value, "dtype": dtype},
                tuple(sources),
            )
        )
    return item.model_copy(update=update), tdp, records


def _host_default(item: PoweredItem, tdp: CatalogValue) -> tuple[dict[str, float], list[Provenance]]:
    """``host_watts_per_device`` = 0.82 × TDP for a catalog accelerator whose item gives no host power
    (and whose power does not already cover the node), with its record; nothing otherwise."""
    whole_node = getattr(item, "power_boundary", None) in ("node", "comprehensive")
    if not is_accelerator(tdp) or "host_watts_per_device" in item.model_fields_set or whole_node:
        return {}, []
    host_w = host_default_w(tdp.value)
    why = (
        f"host power {host_w:.0f} W per {tdp.label.removesuffix(' TDP')} = 0.82 × its TDP "
        f"({HOST_SOURCE}); set host_watts_per_device"
    )
    record = Provenance(
        "details.host_watts_per_device",
        "0.82 × watts_per_device",
        {"watts_per_device": tdp.value, "host_watts_per_device": host_w},
        (default(why, host_w, "W"),),
    )
    return {"host_watts_per_device": host_w}, [record]


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
