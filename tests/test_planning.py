"""Compute-optimal planning: the Chinchilla paper's configuration, budgets in kWh and CO2e, errors."""

from __future__ import annotations

import pytest

from energybill.estimate.site import SiteContext
from energybill.estimate.training import estimate_training
from energybill.project.model import Site, Training
from energybill.whatif import planning
from whatif_helpers import NOOR, assert_one_line_error, cli_json, run_cli

GOPHER_FLOPS = 5.76e23  # Hoffmann et al. 2022, Table 3 (Gopher's compute budget)


def test_gophers_compute_gives_chinchilla() -> None:
    # The paper: Chinchilla, 70B parameters on 1.4T tokens, for Gopher's budget (Approach 1: 67B, 1.5T).
    plan = planning.allocate(GOPHER_FLOPS)
    assert plan.parameters == pytest.approx(70e9, rel=0.1)
    assert plan.tokens == pytest.approx(1.4e12, rel=0.1)
    assert 6 * plan.parameters * plan.tokens == pytest.approx(GOPHER_FLOPS)


def test_chinchilla_is_gophers_budget_with_four_times_the_data() -> None:
    # The talk: "Chinchilla uses the same compute budget as Gopher (280B) but with 70B parameters and 4x
    # more data". Gopher: 280B parameters on 300B tokens (talk's table).
    gopher = planning.existing(280e9, 300e9)
    plan = planning.allocate(gopher.flops)
    assert plan.parameters == pytest.approx(280e9 / 4, rel=0.15)
    assert 4.0 <= plan.tokens / 300e9 <= 5.0
    # and the parametric fit predicts the better loss for the same compute (Chinchilla beats Gopher)
    assert plan.loss < gopher.loss
    assert planning.loss(70e9, 1.4e12) < planning.loss(280e9, 300e9)


def test_approach_3_closed_form_is_the_minimum_of_the_fit() -> None:
    # Brute force over N of L(N, C / 6N): the closed form must sit at the minimum (≈ 32B, see planning.py)
    grid = [10 ** (9 + i / 2000) for i in range(4000)]
    best = min(grid, key=lambda n: planning.loss(n, GOPHER_FLOPS / (6 * n)))
    closed = planning.allocate(GOPHER_FLOPS, "chinchilla-parametric")
    assert closed.parameters == pytest.approx(best, rel=0.002)
    assert closed.parameters == pytest.approx(32.2e9, rel=0.01)


def test_kaplan_at_one_pf_day_is_its_coefficient() -> None:
    assert planning.optimal_parameters(planning.FLOP_PER_PF_DAY, "kaplan") == pytest.approx(1.3e9)
    # Kaplan puts far more of a budget in parameters than Chinchilla does
    assert planning.optimal_parameters(GOPHER_FLOPS, "kaplan") > 5 * planning.optimal_parameters(GOPHER_FLOPS)


def test_an_energy_budget_buys_the_flops_the_bill_would_charge_for() -> None:
    flops = planning.flops_for_energy(20_000, 100, 400, 70, 1.5)
    plan = planning.allocate(flops)
    item = Training(
        name="plan",
        site="s",
        parameters=plan.parameters,
        tokens=plan.tokens,
        tflops_per_device=100,
        watts_per_device=400,
        host_watts_per_device=70,
    )
    site = SiteContext.from_site("s", Site(pue=1.5, carbon_intensity_g_per_kwh=600))
    assert estimate_training(item, site).energy_kwh == pytest.approx(20_000)


def test_co2e_budget_at_a_site_of_the_file() -> None:
    data = cli_json("plan", str(NOOR), "--co2e-kg", "13747.5", "--site", "noor-hpc")
    plan = data["plans"][0]
    # 13,747.5 kg at 600 g/kWh is Noor 13B's 22,912.5 kWh: the compute of 13B × 150B tokens
    assert plan["flops"] == pytest.approx(6 * 13e9 * 150e9)
    assert plan["co2e_kg"] == pytest.approx(13747.5)
    assert plan["device_hours"] == pytest.approx(32500)


def test_existing_item_gets_the_optimal_model_of_the_same_compute() -> None:
    data = cli_json("plan", str(NOOR), "--item", "Noor 13B")
    trained, optimal = data["plans"]
    assert trained["parameters"] == 13e9 and optimal["flops"] == pytest.approx(trained["flops"])
    assert optimal["parameters"] < 13e9 and optimal["loss"] < trained["loss"]
    iso = data["iso_loss"]
    assert planning.loss(iso["parameters"], iso["tokens"]) == pytest.approx(trained["loss"], abs=1e-9)
    assert 0 < iso["compute_saved_share"] < 1
    assert iso["energy_kwh_saved"] == pytest.approx(22912.5 * iso["compute_saved_share"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--flops", "1e9"), "budget too small for any model"),
        (("--energy-kwh", "1e-9"), "budget too small for any model"),
        (("--flops", "-5"), "Invalid value for '--flops'"),  # bounded by its click type
        (("--flops", "1e20", "--energy-kwh", "5"), "give exactly one budget"),
        ((str(NOOR), "--item", "Noor 14B"), "no training item named 'Noor 14B'"),
    ],
)
def test_plan_errors_are_one_line(args: tuple[str, ...], needle: str) -> None:
    assert_one_line_error(run_cli("plan", *args), needle)


def test_plan_table_cites_its_source() -> None:
    result = run_cli("plan", "--flops", "5.76e23", "--method", "all")
    assert result.returncode == 0, result.stderr
    assert "arXiv:2203.15556" in result.stdout and "arXiv:2001.08361" in result.stdout


def test_plan_of_a_catalog_item_uses_the_bills_device_and_region() -> None:
    """A training item with a catalog ``device`` and a site with a ``region`` (no watts, no g/kWh
    written): the plan reads the same resolved values as the bill instead of crashing on None."""
    from energybill.catalog.grid import grid_intensity

    catalog = NOOR.with_name("noor-catalog.toml")
    data = cli_json("plan", str(catalog), "--item", "Noor 13B")
    hardware = data["hardware"]
    assert hardware["watts_per_device"] == 400  # Epoch AI: A100 SXM4 80 GB TDP
    assert hardware["carbon_intensity_g_per_kwh"] == grid_intensity("AE").value
    trained = data["plans"][0]
    assert trained["energy_kwh"] == pytest.approx(22912.5)  # 32,500 A100-hours × 470 W × PUE 1.5
    assert trained["co2e_kg"] == pytest.approx(22912.5 * grid_intensity("AE").value / 1000)
