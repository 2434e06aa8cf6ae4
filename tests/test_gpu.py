"""On a real NVIDIA GPU (marker ``gpu``; skipped where NVML, a GPU or torch is missing).

Acceptance: a 10 s matrix-multiply burn measured by the NVML backend agrees with NVML's own
total-energy delta within 1 %; idle and load power and the error of 10 Hz power integration
against the counter are reported (printed, and written to $ENERGYBILL_GPU_REPORT as JSON).

    pip install -e '.[test,gpu]' torch
    ENERGYBILL_GPU_REPORT=gpu-report.json pytest -m gpu -s tests/test_gpu.py
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from energybill.measure.backends.base import BackendUnavailable
from energybill.measure.backends.nvml import NotSupported, NvmlBackend, PynvmlSource, torch_sync
from energybill.measure.meter import Meter

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def nvml() -> Any:
    try:
        source = PynvmlSource()
        if source.device_count() == 0:
            pytest.skip("NVML found no GPU")
    except BackendUnavailable as exc:
        pytest.skip(f"no NVIDIA GPU here: {exc}")
    pytest.importorskip("torch", reason="the matmul burn needs torch")
    return source


class PowerOnly(PynvmlSource):
    """The real NVML without its energy counter: forces the 10 Hz power-integration fallback."""

    def total_energy_mj(self, index: int) -> int:
        raise NotSupported("forced for the comparison")


def burn(seconds: float) -> None:
    import torch

    a = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(10):
            a @ b  # the work is the point
        torch.cuda.synchronize()


def test_matmul_burn_agrees_with_nvml_counter_within_1_percent(nvml: Any) -> None:
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "0")
    burn(2.0)  # warm-up: CUDA context, clocks
    counted = Meter(backends=[NvmlBackend(PynvmlSource(), sync=torch_sync)], interval_s=1.0)
    integrated = Meter(backends=[NvmlBackend(PowerOnly(), sync=torch_sync)])
    counted.begin("idle")
    time.sleep(5.0)
    idle = counted.end("idle")
    integrated.begin("load")
    direct0 = nvml.total_energy_mj(0)
    counted.begin("load")
    burn(10.0)
    load = counted.end("load")
    direct1 = nvml.total_energy_mj(0)
    via_power = integrated.end("load")
    counted.stop()
    integrated.stop()
    direct_j = (direct1 - direct0) / 1000
    error = abs(load.energy_j - direct_j) / direct_j
    report = {
        "device": nvml.name(0),
        "idle_power_w": idle.average_power_w,
        "load_power_w": load.average_power_w,
        "load_peak_power_w": load.peak_power_w,
        "load_energy_j_meter": load.energy_j,
        "load_energy_j_nvml_delta": direct_j,
        "meter_vs_counter_error": error,
        "power_integration_energy_j": via_power.energy_j,
        "power_integration_error_vs_counter": (via_power.energy_j - direct_j) / direct_j,
    }
    print(json.dumps(report, indent=2))
    if os.environ.get("ENERGYBILL_GPU_REPORT"):
        with open(os.environ["ENERGYBILL_GPU_REPORT"], "w") as out:
            json.dump(report, out, indent=2)
    assert error < 0.01
    assert load.average_power_w > idle.average_power_w
