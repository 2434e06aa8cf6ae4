"""The NVML backend fed a recorded trace through its injectable source (this machine has no GPU).

``tests/data/nvml_trace.json``: GPU 0, an A100 with the total-energy counter (60 W idle for 2 s,
then 310 W), stepping every 100 ms like NVML's; GPU 1, a P100 without a counter (100 W, then
300 W from t = 5 s), whose power must be integrated.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energybill.core.records import COUNTER, INTEGRATED
from energybill.measure.backends.base import BackendUnavailable
from energybill.measure.backends.nvml import NotSupported, NvmlBackend, TraceSource, visible_indices
from energybill.measure.meter import Meter

TRACE = json.loads((Path(__file__).parent / "data" / "nvml_trace.json").read_text())
A100 = "gpu:GPU-8f1c2d3e-0000-4a5b-9c6d-aaaaaaaaaaaa"
P100 = "gpu:GPU-11112222-3333-4444-5555-bbbbbbbbbbbb"


class Clock:
    """Time in tenths of a second, so that sample times are exact (k / 10)."""

    def __init__(self) -> None:
        self.k = 0

    def __call__(self) -> float:
        return self.k / 10


@pytest.fixture(autouse=True)
def all_gpus_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def make_meter(clock: Clock, syncs: list[float] | None = None) -> Meter:
    sync = (lambda: syncs.append(clock())) if syncs is not None else None
    backend = NvmlBackend(TraceSource(TRACE, clock), sync=sync)
    return Meter(backends=[backend], clock=clock, thread=False).start()


def run_to(meter: Meter, clock: Clock, k_end: int) -> None:
    """Tick the meter at every 100 ms step up to k_end (what its sampler thread would do)."""
    while clock.k < k_end:
        clock.k += 1
        meter.tick()


def test_counter_and_integrated_devices_are_labelled_and_10_hz_is_forced() -> None:
    clock = Clock()
    meter = make_meter(clock)
    assert {d.device_id: d.method for d in meter.devices} == {A100: COUNTER, P100: INTEGRATED}
    assert meter.sample_interval_s == pytest.approx(0.1)  # ≥ 10 Hz for the power-only P100


def test_window_energy_from_the_counter_and_from_integrated_power() -> None:
    clock = Clock()
    meter = make_meter(clock)
    meter.begin("burn")
    run_to(meter, clock, 100)
    result = meter.end("burn")
    energy = {d.device.device_id: d.energy_j for d in result.devices}
    # A100 counter: 2 s at 60 W + 8 s at 310 W = 2,600 J, exactly (the counter is exact).
    assert energy[A100] == pytest.approx(2600.0, abs=1e-9)
    # P100 power: 5 s at 100 W + 5 s at 300 W = 2,000 J; the trapezoid straddling the step at 5 s
    # adds half a 100 ms interval of the 200 W jump: +10 J (0.5 %).
    assert energy[P100] == pytest.approx(2010.0, abs=1e-6)
    assert abs(energy[P100] - 2000.0) / 2000.0 < 0.01
    assert result.duration_s == pytest.approx(10.0)
    assert result.average_power_w == pytest.approx(461.0)  # (2600 + 2010) / 10
    assert result.peak_power_w == pytest.approx(610.0)  # 310 W + 300 W
    assert result.by_component() == {"gpu": pytest.approx(4610.0)}


def test_nested_window_inside_the_burn() -> None:
    clock = Clock()
    meter = make_meter(clock)
    meter.begin("all")
    run_to(meter, clock, 10)
    meter.begin("steady")
    run_to(meter, clock, 110)
    steady = meter.end("steady")
    whole = meter.end("all")
    a100 = {d.device.device_id: d.energy_j for d in steady.devices}[A100]
    assert a100 == pytest.approx(60.0 + 9 * 310.0)  # 1 s idle + 9 s burn between t = 1 and 11 s
    assert {d.device.device_id: d.energy_j for d in whole.devices}[A100] == pytest.approx(2 * 60 + 9 * 310)


def test_device_is_synchronised_at_each_window_edge() -> None:
    clock = Clock()
    syncs: list[float] = []
    meter = make_meter(clock, syncs)
    meter.begin("w")
    clock.k = 30
    meter.end("w")
    assert syncs == [0.0, 3.0]


@pytest.mark.parametrize(
    ("env", "expected"),
    [("1", [P100]), ("GPU-8f1c", [A100]), ("1,0", [P100, A100]), ("0,7,1", [A100]), ("", [])],
)
def test_cuda_visible_devices_is_honoured(
    monkeypatch: pytest.MonkeyPatch, env: str, expected: list[str]
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", env)
    backend = NvmlBackend(TraceSource(TRACE, Clock()), sync=None)
    if not expected:
        with pytest.raises(BackendUnavailable, match="no NVIDIA GPU visible"):
            backend.start(0.0)
        return
    assert sorted(d.device_id for d in backend.start(0.0)) == sorted(expected)


def test_visible_indices_by_index_and_uuid_prefix() -> None:
    uuids = ["GPU-aaa", "GPU-bbb", "GPU-ccc"]
    assert visible_indices(3, uuids, None) == [0, 1, 2]
    assert visible_indices(3, uuids, "2,GPU-aa") == [2, 0]
    assert visible_indices(3, uuids, "1,GPU-zzz,2") == [1]  # CUDA stops at the first bad entry


class Blind(TraceSource):
    """A GPU that offers neither the energy counter nor power (some vGPUs)."""

    def power_mw(self, index: int) -> int:
        raise NotSupported("nvmlDeviceGetPowerUsage")


def test_a_device_without_any_reading_gives_no_reading_not_zero() -> None:
    only_p100 = {"devices": [TRACE["devices"][1]]}
    with pytest.raises(BackendUnavailable, match="neither energy counter nor power"):
        NvmlBackend(Blind(only_p100, Clock()), sync=None).start(0.0)
    meter = Meter(backends=[NvmlBackend(Blind(only_p100, Clock()), sync=None)], thread=False)
    meter.begin("w")
    result = meter.end("w")
    assert result.devices == () and result.energy_j is None and result.energy_kwh is None
    assert result.co2e_kg(600) is None
    assert any("neither energy counter nor power" in note for note in meter.notes)


def test_counter_restart_counts_from_the_new_zero() -> None:
    trace = {"devices": [{"uuid": "GPU-x", "name": "A100", "samples": [[0, 900_000, 0], [1, 1_000_000, 0],
                                                                        [2, 4_000, 0]]}]}
    clock = Clock()
    backend = NvmlBackend(TraceSource(trace, clock), sync=None)
    backend.start(0.0)
    clock.k = 10
    backend.sample(1.0)
    clock.k = 20
    assert backend.read(2.0) == {"gpu:GPU-x": pytest.approx(100.0 + 4.0)}  # never negative
    assert "restarted" in backend.notes[0]


def test_record_trace_writes_what_trace_source_replays() -> None:
    from energybill.measure.backends.nvml import record_trace

    recorded = record_trace(TraceSource(TRACE, lambda: 3.0), seconds=0.05, period_s=0.01)
    assert [d["uuid"] for d in recorded["devices"]] == [d["uuid"] for d in TRACE["devices"]]
    a100, p100 = recorded["devices"]
    assert a100["samples"][0][1:] == [5_000_000_000 + 20 * 6_000 + 10 * 31_000, 310_000]
    assert p100["samples"][0][1:] == [None, 100_000]
    replayed = TraceSource(recorded, lambda: 0.0)
    assert replayed.total_energy_mj(0) == a100["samples"][0][1]
