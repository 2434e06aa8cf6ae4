"""What the two benchmarks share: the torch device and dtype, the meter, and a measured loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from energybill.core.errors import EnergybillError
from energybill.practice.energy import BenchMeter, Window, open_meter

DTYPES = ("auto", "bf16", "fp16", "fp32")


class Reporter(Protocol):
    """Progress of a benchmark: one bar per phase (warm-up, steps, a batch size)."""

    def phase(self, label: str, total: int) -> None: ...

    def advance(self) -> None: ...

    def note(self, text: str) -> None: ...


class NullReporter:
    """Reports nothing (library use and tests)."""

    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self) -> None:
        pass

    def note(self, text: str) -> None:
        pass


@dataclass(frozen=True)
class Runtime:
    """The torch device, its dtype, and the meter reading its energy."""

    device: str  # "cuda" or "cpu"
    dtype: Any
    dtype_name: str
    meter: BenchMeter
    sync: Callable[[], None]  # waits for queued device work (timing outside the meter's windows)


def runtime(device: str, dtype: str, watts: float | None, cpu_tdp_w: float | None = None) -> Runtime:
    """Check the device, pick the dtype (bf16 on GPUs, fp32 on CPUs unless told) and open the meter."""
    import torch

    if device not in ("cuda", "cpu"):
        raise EnergybillError(f"--device: must be cuda or cpu, got '{device}'")
    if device == "cuda" and not torch.cuda.is_available():
        raise EnergybillError("--device cuda: no CUDA device is visible to torch; use --device cpu")
    name = dtype if dtype != "auto" else ("bf16" if device == "cuda" else "fp32")
    torch_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[name]
    if device == "cpu":
        meter = open_meter("cpu", watts=watts, cpu_tdp_w=cpu_tdp_w)
        return Runtime(device, torch_dtype, name, meter, lambda: None)
    index = torch.cuda.current_device()  # scope the meter to this GPU, by UUID (NVML's order may differ)
    uuid = str(torch.cuda.get_device_properties(index).uuid)
    meter = open_meter(f"cuda:{index}", watts=watts, gpu_uuid=uuid)
    return Runtime(device, torch_dtype, name, meter, torch.cuda.synchronize)


@dataclass
class LoopResult:
    """A measured loop: its window, the steps completed and whether Ctrl-C stopped it."""

    window: Window
    steps: int
    interrupted: bool


def unmeasured_loop(steps: int, step: Callable[[], None], reporter: Reporter, label: str) -> bool:
    """Warm-up: run ``steps`` steps with a bar; returns False if Ctrl-C stopped it."""
    reporter.phase(label, steps)
    try:
        for _ in range(steps):
            step()
            reporter.advance()
    except KeyboardInterrupt:
        return False
    return True


def measured_loop(
    meter: BenchMeter, steps: int, step: Callable[[], None], reporter: Reporter, label: str
) -> LoopResult:
    """Run ``steps`` steps in one energy window (counters update every ~100 ms: long windows only).

    Ctrl-C ends the loop; the window still closes (after a sync) and keeps what was measured,
    including the partial work of the interrupted step.
    """
    reporter.phase(label, steps)
    done, interrupted = 0, False
    with meter.window() as window:
        try:
            for _ in range(steps):
                step()
                done += 1
                reporter.advance()
        except KeyboardInterrupt:
            interrupted = True
    return LoopResult(window, done, interrupted)
