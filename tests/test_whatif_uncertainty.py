"""Monte Carlo intervals: they contain the point bill, narrow with the ranges, are reproducible."""

from __future__ import annotations

import copy
import math

import pytest

from energybill.project.load import load_raw
from energybill.project.ranges import split_ranges
from energybill.whatif.uncertainty import sample
from whatif_helpers import NOOR, assert_one_line_error, cli_json, run_cli

RAW = load_raw(NOOR)
POINT_RAW = split_ranges(RAW)[0]  # Noor with every range at its point value: one range at a time


def _with(path: tuple[str | int, ...], value: object, raw: dict | None = None) -> dict:
    out = copy.deepcopy(raw or RAW)
    table = out
    for key in path[:-1]:
        table = table[key]
    table[path[-1]] = value
    return out


def test_noor_has_ranges_where_the_talk_estimates() -> None:
    _, dists, problems = split_ranges(RAW)
    assert not problems
    paths = {d.path: d for d in dists}
    assert paths["compute[0].watts_per_device"].point == 350  # "about 350W" (estimate)
    assert paths["training[3].tflops_per_device"].point == 100  # "100 TFLOPs" (observed)
    assert paths["other[0].energy_kwh"].point == 1000  # "~1 MWh (rough estimate)"
    assert paths["inference[0].seconds_per_token"].point == 0.05  # "~50ms"


def test_intervals_contain_the_point_estimate() -> None:
    point, intervals = sample(RAW, "noor.toml", 20_000, seed=7)
    for item in point.items:
        for quantity in ("energy_kwh", "co2e_kg"):
            value = getattr(item, quantity)
            if value is None:
                continue
            cell = intervals.items[item.name][quantity]
            assert cell["p5"] <= value * (1 + 1e-12) and value <= cell["p95"] * (1 + 1e-12), (item.name, cell)
    for phase, total in point.phases.items():
        cell = intervals.phases[phase]["co2e_kg"]
        assert cell["p5"] <= total.co2e_kg <= cell["p95"] + 1e-9
    assert (
        intervals.totals["energy_kwh"]["p5"] < point.totals.energy_kwh < intervals.totals["energy_kwh"]["p95"]
    )


def test_p50_of_a_symmetric_range_is_the_point_value() -> None:
    n = 40_000
    raw = _with(("sites", "noor-hpc", "pue"), {"low": 1.3, "high": 1.7}, POINT_RAW)
    point, intervals = sample(raw, "x.toml", n, seed=3)
    value = point.item("Noor 13B").energy_kwh
    # energy ∝ PUE, uniform on [1.3, 1.7]: σ = value × 0.4 / 1.5 / √12; the median's SE ≈ 1.2533 σ / √n
    sigma = value * 0.4 / 1.5 / math.sqrt(12)
    assert intervals.items["Noor 13B"]["energy_kwh"]["p50"] == pytest.approx(
        value, abs=4 * 1.2533 * sigma / math.sqrt(n)
    )
    # and the p5 / p95 of a uniform are its 5 % and 95 % points
    assert intervals.items["Noor 13B"]["energy_kwh"]["p5"] == pytest.approx(value * 1.32 / 1.5, rel=0.003)
    assert intervals.items["Noor 13B"]["energy_kwh"]["p95"] == pytest.approx(value * 1.68 / 1.5, rel=0.003)


def test_a_lognormal_range_has_its_p95_where_written() -> None:
    raw = _with(("training", 3, "tflops_per_device"), {"median": 100, "p95": 130}, POINT_RAW)
    point, intervals = sample(raw, "x.toml", 50_000, seed=1)
    hours = intervals.items["Noor 13B"]["details.device_hours"]
    # device-hours ∝ 1/throughput: the p5 of hours is at the p95 of throughput
    assert hours["p5"] == pytest.approx(point.item("Noor 13B").details["device_hours"] * 100 / 130, rel=0.01)
    assert hours["p50"] == pytest.approx(point.item("Noor 13B").details["device_hours"], rel=0.005)


def test_intervals_narrow_as_ranges_narrow() -> None:
    wide = _with(("compute", 0, "watts_per_device"), {"low": 250, "mode": 350, "high": 450})
    narrow = _with(("compute", 0, "watts_per_device"), {"low": 325, "mode": 350, "high": 375})
    spans = []
    for raw in (wide, RAW, narrow):
        _, intervals = sample(raw, "x.toml", 20_000, seed=11)
        cell = intervals.items["CCNet processing"]["energy_kwh"]
        spans.append(cell["p95"] - cell["p5"])
    assert spans[0] > spans[1] > spans[2] > 0
    assert spans[2] / spans[0] == pytest.approx(
        0.25, rel=0.05
    )  # a quarter of the width, a quarter of the span


def test_same_seed_same_intervals_other_seed_other() -> None:
    a = cli_json("bill", str(NOOR), "--samples", "5000", "--seed", "42")["intervals"]
    b = cli_json("bill", str(NOOR), "--samples", "5000", "--seed", "42")["intervals"]
    c = cli_json("bill", str(NOOR), "--samples", "5000", "--seed", "43")["intervals"]
    assert a == b
    assert a["totals"] != c["totals"]
    assert a["samples"] == 5000 and a["percentiles"] == [5.0, 50.0, 95.0]
    assert a["inputs"]["other[0].energy_kwh"] == {
        "shape": "triangular",
        "low": 500.0,
        "mode": 1000.0,
        "high": 2000.0,
        "point": 1000.0,
        "point_rule": "mode",
    }


def test_default_json_shape_is_unchanged() -> None:
    data = cli_json("bill", str(NOOR))
    assert set(data) == {"project", "items", "phases", "totals"}


def test_a_site_range_is_one_draw_shared_by_its_items() -> None:
    raw = _with(("sites", "noor-hpc", "pue"), {"low": 1.2, "high": 1.8}, POINT_RAW)
    _, intervals = sample(raw, "x.toml", 10_000, seed=5)
    ratio_p5 = (
        intervals.items["Noor 13B"]["energy_kwh"]["p5"] / intervals.items["Noor 2.7B"]["energy_kwh"]["p5"]
    )
    assert ratio_p5 == pytest.approx(13 / 2.7, rel=1e-9)  # one draw: the ratio of every sample is exact


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("{low=400, high=300}", "impossible range: low 400 > high 300"),
        ("{low=300, mode=500, high=400}", "needs low <= mode <= high"),
        ("{median=100, p95=50}", "p95 50 < median 100"),
        ("{low=300, top=400}", "a range is {low, high}"),
    ],
)
def test_an_impossible_range_is_a_one_line_error(value: str, needle: str) -> None:
    result = run_cli("bill", str(NOOR), "--set", f"compute[0].watts_per_device={value}")
    assert_one_line_error(result, "compute[0].watts_per_device", needle)


def test_an_impossible_range_in_a_file(tmp_path: object) -> None:
    text = NOOR.read_text(encoding="utf-8").replace(
        "{ low = 300, mode = 350, high = 400 }", "{ low = 400, high = 300 }"
    )
    path = tmp_path / "bad.toml"  # type: ignore[operator]
    path.write_text(text, encoding="utf-8")
    assert_one_line_error(
        run_cli("validate", str(path)), "bad.toml: compute[0].watts_per_device: impossible range"
    )
