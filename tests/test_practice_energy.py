"""The benchmarks' seam over the meter: RAPL from a powercap tree in tmp_path, NVML from a recorded
trace through the meter's injectable source, the meter's labelled model, and the --watts constant."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakehw import rapl_zone

from energybill.core.errors import EnergybillError
from energybill.measure.backends.base import BackendUnavailable
from energybill.measure.backends.nvml import TraceSource
from energybill.practice.energy import open_meter


class Clock:
    """A clock the test moves by hand; the meter and the NVML trace both read it."""

    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s




def test_cpu_reads_rapl_packages_and_dram_skips_subzones_and_handles_wraparound(tmp_path: Path) -> None:
    pkg0 = rapl_zone(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    dram = rapl_zone(tmp_path, "intel-rapl:0:1", "dram", 2_000_000)
    pkg1 = rapl_zone(tmp_path, "intel-rapl:1", "package-1", 999_000_000, max_uj=1_000_000_000)
    core = rapl_zone(tmp_path, "intel-rapl:0:0", "core", 5_000_000)  # inside package-0: never added
    psys = rapl_zone(tmp_path, "intel-rapl:2", "psys", 7_000_000)  # contains the packages: never added
    meter = open_meter("cpu", powercap_root=tmp_path, thread=False)
    assert meter.method == "counter"
    assert sorted(d["device_id"] for d in meter.device_records()) == [
        "rapl:package-0", "rapl:package-0/dram", "rapl:package-1"
    ]
    with meter.window() as window:
        (pkg0 / "energy_uj").write_text("13500000\n")  # +12.5 J
        (dram / "energy_uj").write_text("2750000\n")  # +0.75 J
        (pkg1 / "energy_uj").write_text("2000000\n")  # wrapped: 1e9 − 999e6 + 2e6 µJ = +3 J
        (core / "energy_uj").write_text("99000000\n")
        (psys / "energy_uj").write_text("99000000\n")
    meter.close()
    assert window.method == "counter"
    assert window.energy_j == pytest.approx(12.5 + 0.75 + 3.0)
    assert window.seconds > 0


def test_the_meter_sampler_catches_every_rapl_wrap_in_a_long_window(tmp_path: Path) -> None:
    """Read only at the edges, two wraps in one window look like none; the meter's samples see both."""
    pkg = rapl_zone(tmp_path, "intel-rapl:0", "package-0", 100, max_uj=1_000)
    rapl_zone(tmp_path, "intel-rapl:0:0", "dram", 0)
    meter = open_meter("cpu", powercap_root=tmp_path, thread=False)
    with meter.window() as window:
        for energy_uj in (900, 300, 800, 200):  # 100→900 (+800), wrap (+400), +500, wrap (+400)
            (pkg / "energy_uj").write_text(f"{energy_uj}\n")
            meter.meter.tick()  # what the sampler thread does every interval
        (pkg / "energy_uj").write_text("600\n")  # +400 at the end edge
    meter.close()
    assert window.energy_j == pytest.approx((800 + 400 + 500 + 400 + 400) / 1e6)


def test_unreadable_rapl_falls_back_to_the_meters_labelled_model(tmp_path: Path) -> None:
    rapl_zone(tmp_path, "intel-rapl:0", "package-0", 1)

    def root_only(path: Path) -> str:  # energy_uj is root-only since Linux 5.10 (CVE-2020-8694)
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return path.read_text()

    meter = open_meter("cpu", powercap_root=tmp_path, powercap_read=root_only, cpu_tdp_w=100.0, thread=False)
    assert meter.method == "modelled"
    assert {d["device_id"] for d in meter.device_records()} == {"model:cpu", "model:ram"}
    assert any("readable by root only" in note for note in meter.notes)
    assert not any("benchmark runs on the CPU" in note for note in meter.notes)  # GPUs: out of scope, unsaid
    with meter.window() as window:
        sum(i * i for i in range(200_000))
    meter.close()
    cpu_j = next(d.energy_j for d in window.devices if d.device.device_id == "model:cpu")
    # the Boavizta load curve runs from 12 % of TDP (idle) to 102 % (full load)
    assert 0.12 * 100.0 * window.seconds <= cpu_j <= 1.02 * 100.0 * window.seconds + 1e-9
    assert window.energy_j > cpu_j  # plus the modelled RAM


def test_given_watts_is_a_labelled_constant_times_the_windows_time() -> None:
    clock = Clock()
    meter = open_meter("cpu", watts=120.0, clock=clock, thread=False)
    assert meter.method == "modelled"
    assert "constant 120 W given with --watts" in meter.device_records()[0]["source"]
    with meter.window() as window:
        clock.now_s += 2.5
    meter.close()
    assert window.seconds == pytest.approx(2.5)
    assert window.energy_j == pytest.approx(120.0 * 2.5)
    assert window.power_w == pytest.approx(120.0)


GPU_A = "GPU-aaaa0000-0000-0000-0000-000000000000"
GPU_B = "GPU-bbbb1111-1111-1111-1111-111111111111"


def _trace(samples_a: list[list[object]], samples_b: list[list[object]]) -> dict[str, object]:
    name = "NVIDIA A100-SXM4-80GB"
    return {"devices": [{"uuid": GPU_A, "name": name, "samples": samples_a},
                        {"uuid": GPU_B, "name": name, "samples": samples_b}]}


def test_cuda_reads_only_its_own_gpu_by_uuid_and_syncs_at_both_edges(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    # GPU a: 5,000,000 mJ at t=100, 5,012,345 mJ from t=101; GPU b burns far more and is not ours
    trace = _trace([[0, 5_000_000, 300_000], [101, 5_012_345, 300_000]],
                   [[0, 1_000_000, 400_000], [101, 9_000_000, 400_000]])
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,0")  # torch's cuda:1 is NVML's GPU 0, "a"
    syncs: list[float] = []
    meter = open_meter("cuda:1", gpu_uuid="aaaa0000-0000-0000-0000-000000000000",
                       nvml_source=TraceSource(trace, clock), sync=lambda: syncs.append(clock()),
                       clock=clock, thread=False)
    assert meter.method == "counter"
    assert [d["device_id"] for d in meter.device_records()] == [f"gpu:{GPU_A}"]
    with meter.window() as window:
        clock.now_s = 102.0
    meter.close()
    assert window.energy_j == pytest.approx(12.345)
    assert window.seconds == pytest.approx(2.0)
    assert syncs == [100.0, 102.0]  # queued CUDA work is waited for at each edge
    # without a UUID, cuda:1 is the second GPU that CUDA_VISIBLE_DEVICES shows NVML: the same one
    clock.now_s = 100.0
    by_index = open_meter("cuda:1", nvml_source=TraceSource(trace, clock), clock=clock, thread=False)
    assert by_index.scope == (f"gpu:{GPU_A}",)
    by_index.close()


def test_a_gpu_without_counter_integrates_power_and_says_so() -> None:
    clock = Clock()
    # no energy counter: 200 W until t=101, then 300 W
    trace = _trace([[0, None, 200_000], [101, None, 300_000]], [[0, None, 100_000]])
    meter = open_meter("cuda", nvml_source=TraceSource(trace, clock), clock=clock, thread=False)
    assert meter.method == "integrated-power"
    with meter.window() as window:
        for t_s in (100.5, 101.0, 101.5):
            clock.now_s = t_s
            meter.meter.tick()
    meter.close()
    # trapezoids: 0.5 s × 200 W + 0.5 s × (200 + 300)/2 W + 0.5 s × 300 W = 100 + 125 + 150 J
    assert window.energy_j == pytest.approx(375.0)


def test_cuda_without_nvml_is_an_error_that_says_what_to_do() -> None:
    def no_nvml() -> object:
        raise BackendUnavailable("NVML not installed: pip install 'energybill[gpu]'")

    with pytest.raises(EnergybillError, match=r"NVML not installed.*--watts W"):
        open_meter("cuda", nvml_source=no_nvml, thread=False)
