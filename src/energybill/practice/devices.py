"""The device a benchmark runs on: its name, dense bf16 peak (for MFU) and memory (for the fit check).

Peaks come from the reference catalog (Epoch AI, "Data on Machine Learning Hardware": dense
Tensor-core BF16 FLOP/s, the datasheet figures without sparsity); ``--peak-tflops`` overrides them.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from energybill.core.units import FLOP_PER_TFLOP

# CUDA reports names the catalog does not always know ("NVIDIA H100 80GB HBM3" is the SXM5
# board): (substring of the CUDA name, catalog name) to try when the name itself does not match.
# Most specific first: "H100 PCIe" before "H100", "A100" before "A10".
_CATALOG_ALIASES: tuple[tuple[str, str], ...] = (
    ("GH200", "GH200"),
    ("H200", "H200 SXM"),
    ("H100 PCIe", "H100 PCIe"),
    ("H100 NVL", ""),  # Epoch lists no dense bf16 figure for it: no alias, give --peak-tflops
    ("H100", "H100 SXM5 80GB"),
    ("A100", "A100"),
    ("L40S", "L40S"),
    ("L4", "L4"),
    ("V100", "V100"),
)


@dataclass(frozen=True)
class DeviceInfo:
    """What the benchmark reports about its device."""

    kind: str  # "cuda" or "cpu"
    name: str
    memory_bytes: int
    peak_tflops: float | None  # dense bf16; None when unknown (MFU is then not shown)
    peak_source: str


def peak_tflops_for(name: str) -> tuple[float, str] | None:
    """Dense bf16 peak TFLOP/s of a device named ``name`` and its citation, from the catalog."""
    from energybill.catalog.errors import CatalogError
    from energybill.catalog.hardware import accelerator, accelerator_value

    alias = next((alias for key, alias in _CATALOG_ALIASES if key.lower() in name.lower()), "")
    for query in filter(None, (name, alias)):
        try:
            entry, source_key = accelerator(query)
        except CatalogError:
            continue
        value = accelerator_value(entry, source_key, "bf16_flops")
        if value is not None:
            return value.value / FLOP_PER_TFLOP, value.cite()
    return None


def describe_device(kind: str, peak_override: float | None = None) -> DeviceInfo:
    """Name, memory and peak of the CUDA device in use, or of this CPU."""
    if kind == "cuda":
        import torch

        props = torch.cuda.get_device_properties(torch.cuda.current_device())
        name, memory = props.name, int(props.total_memory)
    else:
        name, memory = cpu_name(), _ram_bytes()
    if peak_override is not None:
        return DeviceInfo(kind, name, memory, peak_override, "command line (--peak-tflops)")
    found = peak_tflops_for(name) if kind == "cuda" else None
    if found is None:
        return DeviceInfo(kind, name, memory, None, "unknown (give --peak-tflops)")
    return DeviceInfo(kind, name, memory, found[0], found[1])


def cpu_name(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name from /proc/cpuinfo, else what the platform says."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def _ram_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0
