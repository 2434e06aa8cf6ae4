"""The device a benchmark runs on: its name, dense bf16 peak (for MFU) and memory (for the fit check).

Peaks are dense Tensor-core FP16/BF16 FLOP/s from Epoch AI, "Data on Machine Learning Hardware"
(epoch.ai, CC BY 4.0), the same figures as NVIDIA's datasheets without sparsity. This small table
stands in for the reference catalog until it lands; ``--peak-tflops`` overrides it.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

PEAK_SOURCE = "Epoch AI, 'Data on Machine Learning Hardware' (Tensor FP16/BF16, dense)"

# (substring of the CUDA device name, peak bf16 TFLOP/s). Most specific first: "H100 PCIe"
# before "H100", "A100" before "A10".
_PEAKS_TFLOPS: tuple[tuple[str, float], ...] = (
    ("GH200", 989.5),
    ("H200", 989.5),
    ("H100 PCIe", 756.0),
    ("H100 NVL", 835.5),
    ("H100", 989.4),  # H100 SXM5 80GB ("NVIDIA H100 80GB HBM3")
    ("B200", 2250.0),
    ("A100", 312.0),
    ("L40S", 362.0),
    ("L40", 181.0),
    ("L4", 121.0),
    ("V100", 125.0),
)


@dataclass(frozen=True)
class DeviceInfo:
    """What the benchmark reports about its device."""

    kind: str  # "cuda" or "cpu"
    name: str
    memory_bytes: int
    peak_tflops: float | None  # dense bf16; None when unknown (MFU is then not shown)
    peak_source: str


def peak_tflops_for(name: str) -> float | None:
    """Dense bf16 peak TFLOP/s of a device named ``name``, or None if the table lacks it."""
    for key, peak in _PEAKS_TFLOPS:
        if key.lower() in name.lower():
            return peak
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
    peak = peak_tflops_for(name) if kind == "cuda" else None
    return DeviceInfo(kind, name, memory, peak, PEAK_SOURCE if peak else "unknown (give --peak-tflops)")


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
