"""A range on any number of a 2026 project bills under Monte Carlo (issue 12, "Numbers"): the
estimators run once on arrays of draws, and an estimator written for numbers only (``x or 0.0``,
a cache keyed by the value, ``if x == 0``) broke `bill --samples` and every report on serving and
API keys. Each numeric key in turn becomes a ±10 % range; the bill must exit 0, and the point
bill (the range's middle) must lie within the sampled p5-p95 of the total: every item is monotonic
in each of its inputs, so half the draws fall on each side of the middle."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.hostile.test_fuzz import BASE_2026, to_toml

WHOLE = {"devices", "replicas", "batch_size", "travelers", "trips"}  # counts: a range of whole numbers


def _numbers(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _numbers(value, (*prefix, key))]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in _numbers(value, (*prefix, index))]
    return [prefix] if isinstance(node, int | float) and not isinstance(node, bool) else []


def _with_range(path: tuple[Any, ...]) -> dict[str, Any]:
    document = copy.deepcopy(BASE_2026)
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    value = parent[path[-1]]
    if path[-1] in WHOLE:
        low = value - 1 if value > 1 else value  # the middle, billed as the point, stays whole
        high = low + 2
    elif path[-1] in ("carbon_free_share", "mfu"):
        low, high = value * 0.9, min(1.0, value * 1.1)
    else:
        low, high = value * 0.9, value * 1.1
    parent[path[-1]] = {"low": low, "high": high}
    return document


@pytest.mark.parametrize("path", _numbers(BASE_2026), ids=lambda p: ".".join(map(str, p)))
def test_a_range_on_any_number_bills_under_monte_carlo(tmp_path: Path, path: tuple[Any, ...]) -> None:
    project = tmp_path / "ranged.toml"
    project.write_text(to_toml(_with_range(path)), encoding="utf-8")
    result = run_cli("bill", str(project), "--format", "json", "--samples", "400", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    bill = json.loads(result.stdout)
    point = bill["totals"]["co2e_kg"]
    cell = bill["intervals"]["totals"]["co2e_kg"]
    assert math.isfinite(cell["p5"]) and math.isfinite(cell["p95"])
    assert cell["p5"] * (1 - 1e-9) <= point <= cell["p95"] * (1 + 1e-9), (cell, point)


def test_an_api_item_under_sampled_tokens_follows_ecologits(tmp_path: Path) -> None:
    """EcoLogits' per-request energy is affine in output tokens; with tokens uniform on 300-500 the
    median draw is 400 tokens, so the item's p50 is EcoLogits called directly at 400 tokens
    (middle of its range) times the requests, within the sampling error of 4,000 draws."""
    utils = pytest.importorskip("ecologits.tracers.utils")
    document = {"project": {"name": "api"}, "api": [{
        "name": "assistant", "provider": "openai", "model": "gpt-4o-mini", "requests": 1000,
        "output_tokens_per_request": {"low": 300, "high": 500}}]}
    project = tmp_path / "api.toml"
    project.write_text(to_toml(document), encoding="utf-8")
    result = run_cli("bill", str(project), "--format", "json", "--samples", "4000", "--seed", "3")
    assert result.returncode == 0, result.stderr
    cell = json.loads(result.stdout)["intervals"]["items"]["assistant"]["energy_kwh"]
    energy = utils.llm_impacts("openai", "gpt-4o-mini", 400, math.inf).energy.value
    expected_kwh = 1000 * (energy.min + energy.max) / 2
    assert cell["p50"] == pytest.approx(expected_kwh, rel=0.01)
    at_300 = utils.llm_impacts("openai", "gpt-4o-mini", 300, math.inf).energy.value
    assert cell["p5"] == pytest.approx(1000 * (at_300.min + at_300.max) / 2, rel=0.05)  # ≈ 310 tokens
