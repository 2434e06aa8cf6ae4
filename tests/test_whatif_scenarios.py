"""Scenarios: overrides validated like the file, relocation, the Noor france / PUE what-ifs, compare."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from energybill.core.errors import ProjectError
from energybill.estimate.engine import estimate
from energybill.project.load import load_raw
from energybill.project.overrides import Overrides, compute_sites
from energybill.project.variants import variant
from whatif_helpers import NOOR, assert_one_line_error, cli_json, run_cli

RAW = load_raw(NOOR)
BASE = estimate(variant(RAW, "noor.toml").project)

# The talk's inputs, by hand (kWh of each phase; see test_noor for the talk's own figures).
STORAGE_TRANSFER_KG = (
    2 * 11.3 * 4380 + 25 * 11.3 * 4380 + 210 * 11.3 * 24 + 5.7 * 11.3 * 4380
) / 1000 * 1.2 + ((210 + 25 * 2 + 2 * 3 + 5.7 * 2) * 6.38 * 1.2)
PROCESSING_KWH = 16 * 350 * 381 / 1000 * 1.1
RD_KWH = 16800 * 470 / 1000 * 1.35
TRAINING_KWH = sum(
    6 * n * 150e9 / (100e12 * 3600) * 470 / 1000 * pue
    for n, pue in ((1.3e9, 1.35), (2.7e9, 1.5), (6.7e9, 1.5), (13e9, 1.5))
)
FLIGHTS_KG = 5252 * 2 * 4 * 3 * 0.0508
LAPTOPS_KG = 1000 * 0.420


def _bill(overrides: Overrides) -> object:
    return estimate(variant(RAW, "noor.toml", overrides).project)


def test_a_scenario_without_overrides_equals_the_base_bill() -> None:
    raw = {**RAW, "scenarios": {**RAW["scenarios"], "nothing": {"description": "no change"}}}
    result = cli_json("bill", str(NOOR))
    empty = estimate(variant(raw, "noor.toml", Overrides(labels=("nothing",))).project)
    assert empty.to_dict() == BASE.to_dict()
    assert result == BASE.to_dict()


def test_noor_france_scenario_gives_the_documented_values() -> None:
    compute_kwh = PROCESSING_KWH + RD_KWH + TRAINING_KWH
    for name, intensity, documented_kg in (("france", 41.44, 13218), ("france-2022", 78.54, 15242)):
        expected = STORAGE_TRANSFER_KG + compute_kwh * intensity / 1000 + FLIGHTS_KG + LAPTOPS_KG
        data = cli_json("bill", str(NOOR), "--scenario", name)
        assert data["totals"]["co2e_kg"] == pytest.approx(expected, rel=1e-9)
        assert data["totals"]["co2e_kg"] == pytest.approx(documented_kg, abs=1)
        assert data["totals"]["energy_kwh"] == pytest.approx(BASE.totals.energy_kwh)  # kWh do not move
    # The talk: 14.9 t, 42 % of it flights. 2022's French grid reproduces the share and 2 % of the total.
    data = cli_json("bill", str(NOOR), "--scenario", "france-2022")
    assert data["phases"]["flights"]["co2e_share"] == pytest.approx(0.42, abs=0.005)
    assert data["totals"]["co2e_kg"] == pytest.approx(14900, rel=0.025)


def test_pue_scenarios_give_the_talks_39_percent_on_pue_scaled_energy() -> None:
    low = _bill(Overrides((("sites.*.pue", 1.1),)))
    high = _bill(Overrides((("sites.*.pue", 1.8),)))
    for phase in ("training", "R&D", "data processing"):
        saving = 1 - low.phases[phase].energy_kwh / high.phases[phase].energy_kwh  # type: ignore[attr-defined]
        assert saving == pytest.approx(1 - 1.1 / 1.8)  # 38.9 %, the talk's "39%"
    data = cli_json("compare", str(NOOR), "--scenario", "pue-1.1")
    by_hand = (
        RD_KWH * (1 - 1.1 / 1.35)
        + TRAINING_KWH
        - sum(6 * n * 150e9 / (100e12 * 3600) * 470 / 1000 * 1.1 for n in (1.3e9, 2.7e9, 6.7e9, 13e9))
    )
    assert -data["totals"]["pue-1.1"]["delta_energy_kwh"] == pytest.approx(by_hand)


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=0, max_value=60))
def test_relocating_to_a_cleaner_grid_never_raises_co2e(intensity: float) -> None:
    moved = _bill(Overrides(relocate=intensity))
    assert moved.totals.co2e_kg <= BASE.totals.co2e_kg  # type: ignore[attr-defined]
    assert moved.totals.energy_kwh == pytest.approx(BASE.totals.energy_kwh)  # type: ignore[attr-defined]
    for before, after in zip(BASE.items, moved.items, strict=True):  # type: ignore[attr-defined]
        assert (after.co2e_kg or 0) <= (before.co2e_kg or 0) + 1e-9


def test_relocate_moves_only_compute_sites() -> None:
    assert compute_sites(RAW) == ["gcp-netherlands", "meluxina", "noor-hpc", "serving"]
    moved = _bill(Overrides(relocate=0))
    assert moved.phases["storage"].co2e_kg == BASE.phases["storage"].co2e_kg  # type: ignore[attr-defined]
    assert moved.phases["training"].co2e_kg == 0  # type: ignore[attr-defined]


def test_set_by_item_name_index_and_wildcard() -> None:
    data = cli_json(
        "bill", str(NOOR), "--set", "training.Noor 13B.tokens=300e9", "--set", "compute[0].hours=762"
    )
    assert data["scenario"] == "--set training.Noor 13B.tokens=300e9 + --set compute[0].hours=762"
    items = {i["name"]: i for i in data["items"]}
    assert items["Noor 13B"]["energy_kwh"] == pytest.approx(2 * 22912.5)
    assert items["CCNet processing"]["energy_kwh"] == pytest.approx(2 * PROCESSING_KWH)


def test_an_override_is_validated_like_the_file() -> None:
    result = run_cli("bill", str(NOOR), "--set", "sites.noor-hpc.pue=0.9")
    assert_one_line_error(
        result, "noor.toml [--set sites.noor-hpc.pue=0.9]: sites.noor-hpc.pue: must be >= 1"
    )
    result = run_cli("bill", str(NOOR), "--set", "sites.noor-hpc.peu=1.1")
    assert_one_line_error(result, "sites.noor-hpc.peu: unknown key; did you mean 'pue'?")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ("--set", "sites.noor-hcp.pue=1.1"),
            ("noor.toml: --set sites.noor-hcp.pue: no site 'noor-hcp'", "noor-hpc"),
        ),
        (("--set", "training.Noor 14B.tokens=1e9"), ("no training item named 'Noor 14B'",)),
        (("--scenario", "frnace"), ("scenarios.frnace: no such scenario; did you mean 'france'?",)),
    ],
)
def test_a_scenario_naming_a_missing_site_or_item_is_a_one_line_error(
    args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    assert_one_line_error(run_cli("bill", str(NOOR), *args), *needles)


def test_a_file_scenario_naming_a_missing_site_fails_validation(tmp_path: object) -> None:
    path = tmp_path / "p.toml"  # type: ignore[operator]
    text = NOOR.read_text(encoding="utf-8") + '\n[scenarios.bad]\nset = { "sites.nowhere.pue" = 1.2 }\n'
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", str(path))
    assert_one_line_error(result, "scenarios.bad.set.sites.nowhere.pue: no site 'nowhere'")


def test_relocate_to_a_catalog_region_moves_every_compute_site() -> None:
    bill = cli_json("bill", str(NOOR), "--relocate", "FR")
    by_name = {item["name"]: item for item in bill["items"]}
    # France 2024 in OWID/Ember: 40.48 g/kWh (checked against the source file in test_catalog_values)
    for name in ("CCNet processing", "R&D experiments", "Noor 1.3B", "Noor 13B"):
        item = by_name[name]
        assert item["co2e_kg"] == pytest.approx(item["energy_kwh"] * 40.48 / 1000, rel=1e-3)
    assert by_name["Curated data"]["co2e_kg"] == pytest.approx(by_name["Curated data"]["energy_kwh"] * 1.2)
    typo = run_cli("bill", str(NOOR), "--relocate", "Frnace")
    assert_one_line_error(typo, "relocate: unknown grid region 'Frnace'", "France")


def test_relocate_rejects_a_negative_intensity() -> None:
    with pytest.raises(ProjectError) as err:
        _bill(Overrides(relocate=-5.0))
    assert "carbon_intensity_g_per_kwh: must be >= 0" in str(err.value)


def test_compare_json_has_absolute_and_relative_deltas() -> None:
    data = cli_json("compare", str(NOOR), "--scenario", "france", "--relocate", "0")
    assert [s["name"] for s in data["scenarios"]] == ["base", "france", "--relocate 0"]
    total = data["totals"]
    assert total["base"]["delta_co2e_kg"] == 0
    assert total["france"]["delta_co2e_kg"] == pytest.approx(total["france"]["co2e_kg"] - BASE.totals.co2e_kg)
    assert total["france"]["relative_co2e_kg"] == pytest.approx(
        total["france"]["delta_co2e_kg"] / BASE.totals.co2e_kg
    )
    assert data["phases"]["flights"]["france"]["delta_co2e_kg"] == 0
    assert data["phases"]["flights"]["france"]["relative_energy_kwh"] is None  # 0 kWh of flights: no ratio
    # every compute-site kWh is at 0 g/kWh: what is left is storage, transfer, flights and laptops
    assert total["--relocate 0"]["co2e_kg"] == pytest.approx(STORAGE_TRANSFER_KG + FLIGHTS_KG + LAPTOPS_KG)


def test_compare_table_and_baseline() -> None:
    result = run_cli(
        "compare", str(NOOR), "--scenario", "pue-1.8", "--scenario", "pue-1.1", "--baseline", "pue-1.8"
    )
    assert result.returncode == 0, result.stderr
    assert "-38.9 %" in result.stdout  # training energy, PUE 1.8 → 1.1: 1.1 / 1.8 - 1
    assert_one_line_error(run_cli("compare", str(NOOR), "--baseline", "nope"), "--baseline nope")


def test_validate_checks_the_values_a_file_scenario_produces(tmp_path: object) -> None:
    path = tmp_path / "p.toml"  # type: ignore[operator]
    text = NOOR.read_text(encoding="utf-8") + '\n[scenarios.bad]\nset = { "sites.noor-hpc.pue" = 0.5 }\n'
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", str(path))
    assert_one_line_error(result, "scenarios.bad: sites.noor-hpc.pue: must be >= 1, got 0.5")
