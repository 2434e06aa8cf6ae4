"""Accelerators (Epoch AI; mlco2/impact as a labelled fallback) and CPU TDPs (CodeCarbon)."""

from __future__ import annotations

import functools
from typing import Any

from energybill.catalog.errors import CatalogError
from energybill.catalog.match import find
from energybill.catalog.tables import table
from energybill.catalog.values import CatalogValue

# Fields shown by `energybill catalog show accelerator NAME`, with their units.
ACCELERATOR_FIELDS = {
    "tdp_w": "W",
    "fp32_flops": "FLOP/s",
    "tf32_flops": "FLOP/s",
    "bf16_flops": "FLOP/s",
    "fp8_flops": "FLOP/s",
    "memory_bytes": "bytes",
}


def _names(entry: dict[str, Any]) -> list[str]:
    name = entry["name"]
    maker = entry.get("maker") or ""
    short = name[len(maker) :].strip() if maker and name.startswith(maker) else name
    return [name, short]


def accelerator(name: str) -> tuple[dict[str, Any], str]:
    """The accelerator record and its source key: Epoch AI first, mlco2/impact only if Epoch has
    no entry of that name (SOURCES.md: the mlco2 table is hand-maintained and has errors)."""
    hardware = table("hardware")
    try:
        return find(name, hardware["accelerators"], _names, "accelerator", lambda e: e["name"]), "epoch"
    except CatalogError as exc:
        if exc.kind == "ambiguous":
            raise
        try:
            entry = find(name, hardware["fallback"], _names, "accelerator", lambda e: e["name"])
        except CatalogError:
            raise exc from None
        return entry, "mlco2_gpus"


def accelerator_value(entry: dict[str, Any], source_key: str, field: str) -> CatalogValue | None:
    """One field of an accelerator as a citable value (None where the source has no figure)."""
    value = entry.get(field)
    if value is None:
        return None
    if source_key == "epoch":
        year = (entry.get("modified") or "2026")[:4]
        released = (entry.get("released") or "")[:4]
        note = f"released {released}, dense (no sparsity)" if released else "dense (no sparsity)"
    else:
        year, note = "2026", "fallback: not in Epoch AI's data"
    return CatalogValue(value, ACCELERATOR_FIELDS[field], f"{entry['name']} {field}", source_key, year, note)


def cpu(name: str) -> tuple[str, float]:
    """CPU model and TDP (W) from CodeCarbon's table (vendor TDP, not measured power)."""
    cpus = table("cpus")["cpus"]
    found = find(name, cpus, lambda row: [row[0]], "CPU", lambda row: row[0])
    return found[0], found[1]


def cpu_tdp(name: str) -> CatalogValue:
    """A CPU's TDP as a citable value (CodeCarbon's table)."""
    model, tdp_w = cpu(name)
    return CatalogValue(tdp_w, "W", f"{model} TDP", "codecarbon_cpu", "2026", "vendor TDP")


@functools.cache  # a bill looks each name up twice: when loaded, when estimated
def device_tdp(name: str) -> CatalogValue:
    """TDP of a device: an accelerator (Epoch AI, then the mlco2 fallback), else a CPU."""
    try:
        entry, source_key = accelerator(name)
    except CatalogError as exc:
        if exc.kind == "ambiguous":
            raise
        try:
            return cpu_tdp(name)
        except CatalogError as cpu_exc:
            if cpu_exc.kind == "ambiguous":
                raise
            raise exc from None
    value = accelerator_value(entry, source_key, "tdp_w")
    if value is None:
        raise CatalogError(f"accelerator '{entry['name']}' has no TDP in the catalog; give watts_per_device")
    return CatalogValue(value.value, "W", f"{entry['name']} TDP", source_key, value.year, value.note)


# Epoch AI's column for each precision an item may name (its FP16 tensor figure is BF16's too).
PEAK_FIELDS = {"fp8": "fp8_flops", "bf16": "bf16_flops", "fp16": "bf16_flops", "tf32": "tf32_flops",
               "fp32": "fp32_flops"}


def peak_flops(name: str, dtype: str) -> CatalogValue:
    """The dense peak FLOP/s of accelerator ``name`` at ``dtype`` (Epoch AI); an error if unknown."""
    entry, source_key = accelerator(name)
    value = accelerator_value(entry, source_key, PEAK_FIELDS[dtype])
    if value is None:
        known = [d for d, f in PEAK_FIELDS.items() if entry.get(f) is not None]
        raise CatalogError(
            f"{entry['name']} has no {dtype} peak in the catalog; "
            + (f"known: {', '.join(known)}" if known else "give tflops_per_device instead")
        )
    return value


def is_accelerator(value: CatalogValue) -> bool:
    """Whether a device TDP is an accelerator's (not a CPU's, CodeCarbon's table)."""
    return value.source_key != "codecarbon_cpu"
