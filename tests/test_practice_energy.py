"""The measuring seam: RAPL from a sysfs tree in tmp_path, NVML from a recorded trace, the labelled model."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from energybill.practice.energy import open_meter


def _zone(root: Path, name: str, label: str, energy_uj: int, max_uj: int = 262_143_328_850) -> Path:
    zone = root / name
    zone.mkdir(parents=True)
    (zone / "name").write_text(label + "\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return zone


def test_rapl_sums_packages_skips_subzones_and_handles_wraparound(tmp_path: Path) -> None:
    pkg0 = _zone(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    pkg1 = _zone(tmp_path, "intel-rapl:1", "package-1", 999_000_000, max_uj=1_000_000_000)
    core = _zone(tmp_path, "intel-rapl:0:0", "core", 5_000_000)  # inside package-0: never added
    psys = _zone(tmp_path, "intel-rapl:2", "psys", 7_000_000)  # contains the packages: never added
    meter = open_meter("cpu", rapl_root=tmp_path)
    assert meter.method.startswith("rapl: 2 package domain(s)")
    with meter.window() as window:
        (pkg0 / "energy_uj").write_text("13500000\n")  # +12.5 J
        (pkg1 / "energy_uj").write_text("2000000\n")  # wrapped: 1e9 − 999e6 + 2e6 µJ = +3 J
        (core / "energy_uj").write_text("99000000\n")
        (psys / "energy_uj").write_text("99000000\n")
    assert window.energy_j == pytest.approx(12.5 + 3.0)
    assert window.seconds > 0


def test_unreadable_rapl_falls_back_to_a_labelled_model(tmp_path: Path) -> None:
    zone = _zone(tmp_path, "intel-rapl:0", "package-0", 1)
    # An unreadable counter (EACCES for non-root since Linux 5.10); a folder in its place raises
    # an OSError on read even for root, who ignores file modes.
    (zone / "energy_uj").unlink()
    (zone / "energy_uj").mkdir()
    meter = open_meter("cpu", rapl_root=tmp_path)
    assert meter.method.startswith("modelled: constant 85 W (RAPL not readable")
    assert open_meter("cpu", rapl_root=tmp_path / "missing").method.startswith("modelled: constant 85 W")


def test_constant_model_is_watts_times_seconds() -> None:
    meter = open_meter("cpu", watts=120.0)
    with meter.window() as window:
        time.sleep(0.05)
    assert window.method == "modelled: constant 120 W (given with --watts)"
    assert window.energy_j == pytest.approx(120.0 * window.seconds)
    assert window.power_w == pytest.approx(120.0)


class RecordedNvml:
    """An NVML module replaying a recorded trace of the energy counter (mJ), as pynvml exposes it."""

    def __init__(self, counter_mj: list[int], supports_counter: bool = True, power_mw: int = 300_000) -> None:
        self.trace, self.supports, self.power_mw = iter(counter_mj), supports_counter, power_mw
        self.handles: list[int] = []

    def nvmlInit(self) -> None:
        pass

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        self.handles.append(index)
        return index

    def nvmlDeviceGetName(self, handle: int) -> bytes:
        return b"NVIDIA A100-SXM4-80GB"

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:
        if not self.supports:
            raise RuntimeError("NVMLError_NotSupported")
        return next(self.trace)

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        return self.power_mw


def test_nvml_counter_takes_the_delta_and_syncs_at_both_edges(monkeypatch: pytest.MonkeyPatch) -> None:
    syncs: list[float] = []
    # probe at open, then the window's two edges: 5,000,000 mJ → 5,012,345 mJ
    nvml = RecordedNvml([4_000_000, 5_000_000, 5_012_345])
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,1")
    meter = open_meter("cuda:1", nvml=nvml, sync=lambda: syncs.append(time.perf_counter()))
    assert nvml.handles == [1]  # cuda:1 is physical GPU 1 under CUDA_VISIBLE_DEVICES=3,1
    assert meter.method == "nvml-counter: NVIDIA A100-SXM4-80GB, nvmlDeviceGetTotalEnergyConsumption"
    with meter.window() as window:
        pass
    assert window.energy_j == pytest.approx(12.345)
    assert len(syncs) == 2


def test_nvml_without_counter_integrates_power_and_says_so() -> None:
    nvml = RecordedNvml([], supports_counter=False, power_mw=250_000)
    meter = open_meter("cuda", nvml=nvml)
    assert meter.method.startswith("nvml-power-integrated: NVIDIA A100-SXM4-80GB")
    with meter.window() as window:
        time.sleep(0.2)
    # a constant 250 W, trapezoids from the first to the last sample: 250 W × (nearly) the window
    assert window.energy_j == pytest.approx(250.0 * window.seconds, rel=0.05)
