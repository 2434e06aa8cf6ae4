"""What keeps large projects linear without changing a number: site-only practices worked out from the
bill's items (equal to re-billing them), the ledger's batched queries, the long terminal table."""

from __future__ import annotations

from pathlib import Path

import pytest

from energybill.pipeline import Pipeline
from energybill.project.load import load_raw
from energybill.whatif.recommend import recommendations
from whatif_helpers import NOOR, ROOT

# (name, PUE, g/kWh): one site at the plug, one region with the provider's PUE, the rest by hand
SITES = (
    ("office", 1.0, 420), ("north", 1.2, 30), ("hpc", 1.35, 60), ("campus", 1.5, 600), ("colo", 1.6, 1200)
)


def multi_site_project(items: int) -> str:
    """Every kind on every site: storage and transfer with and without the PUE in their factor."""
    out = ['[project]\nname = "multi"\n']
    for name, pue, intensity in SITES:
        out.append(f"[sites.{name}]\npue = {pue}\ncarbon_intensity_g_per_kwh = {intensity}\n")
    out.append('[sites.cloud]\nregion = "gcp:europe-west1"\n')  # the catalog's intensity and PUE
    names = [s[0] for s in SITES] + ["cloud"]
    for i in range(items):
        site = names[i % len(names)]
        match i % 7:
            case 0:
                out.append(f'[[compute]]\nname = "c{i}"\nphase = "R&D"\nsite = "{site}"\n'
                           f"devices = {1 + i % 8}\nhours = {10 + i}\n"
                           "watts_per_device = { low = 300, high = 400 }\n")
            case 1:
                out.append(f'[[training]]\nname = "t{i}"\nsite = "{site}"\nparameters = {1 + i % 7}e9\n'
                           "tokens = 1e11\ntflops_per_device = 100\nwatts_per_device = 400\n"
                           "host_watts_per_device = 70\n")
            case 2:
                out.append(f'[[inference]]\nname = "i{i}"\nsite = "{site}"\nseconds_per_token = 0.05\n'
                           f"watts_per_device = 400\ntokens_per_day = 1e8\ndays = {1 + i % 9}\n")
            case 3:
                out.append(f'[[storage]]\nname = "s{i}"\nsite = "{site}"\nterabytes = {1 + i}\nmonths = 3\n'
                           f"watts_per_tb = 11.3\npue_included = {'true' if i % 2 else 'false'}\n")
            case 4:
                out.append(f'[[transfer]]\nname = "x{i}"\nsite = "{site}"\nterabytes = {1 + i}\n'
                           f"kwh_per_tb = 6.38\npue_included = {'true' if i % 3 else 'false'}\n")
            case 5:
                out.append(f'[[travel]]\nname = "f{i}"\ndistance_km = 1000\ntrips = 3\n'
                           "kg_co2e_per_passenger_km = 0.05\n")
            case _:
                out.append(f'[[other]]\nname = "o{i}"\nsite = "{site}"\nenergy_kwh = {100 + i}\n')
    return "\n".join(out)


@pytest.mark.parametrize("which", ["noor", "noor-catalog", "generated"])
def test_site_practices_from_the_items_equal_the_rebill(which: str, tmp_path: Path) -> None:
    if which == "generated":
        file = tmp_path / "multi.toml"
        file.write_text(multi_site_project(70), encoding="utf-8")
    else:
        file = ROOT / "examples" / f"{which}.toml"
    pipe = Pipeline(load_raw(file), file, tmp_path / "no.ledger.db")
    fast = recommendations(pipe, pipe.measured_bill())
    slow = recommendations(Pipeline(load_raw(file), file, tmp_path / "no.ledger.db"), pipe.measured_bill(),
                           rebill=True)
    assert {r.practice for r in fast} >= {"cleaner grid", "cleaner site", "lower PUE"}
    assert fast == slow  # every number, exactly: the same estimate functions on the same inputs


def test_site_practices_of_a_variant_equal_the_rebill(tmp_path: Path) -> None:
    pipe = Pipeline.open(NOOR, tmp_path / "no.ledger.db")
    layer = pipe.scenario("pue-1.8")
    fast = recommendations(pipe, pipe.measured_bill(layer), (layer,))
    slow = recommendations(pipe, pipe.measured_bill(layer), (layer,), rebill=True)
    assert fast == slow


def test_methods_of_a_project_in_one_query_equal_those_run_by_run(tmp_path: Path) -> None:
    import sqlite3

    from energybill.ledger.store import Ledger

    ledger = Ledger(tmp_path / "runs.ledger.db")
    with ledger.connect(write=True):  # the schema
        pass
    runs = [(f"r{i}", "a" if i % 3 else "b") for i in range(7)]
    with sqlite3.connect(ledger.path) as conn:
        conn.executemany(
            "INSERT INTO runs (id, name, project, host, pid, status, interval_s, started_unix, energy_j) "
            "VALUES (?, ?, ?, 'h', 1, 'completed', 1, ?, 1.0)",
            [(run_id, run_id, project, i) for i, (run_id, project) in enumerate(runs)],
        )
        devices = [(run_id, f"gpu:{k}", "gpu", method, "A100", "NVML")
                   for i, (run_id, _) in enumerate(runs) if i != 4
                   for k, method in enumerate(("counter", "power") if i % 2 else ("counter",))]
        conn.executemany("INSERT INTO run_devices VALUES (?, ?, ?, ?, ?, ?, 0)", devices)
    of_a = ledger.methods_of_project("a")
    ids_a = [run_id for run_id, project in runs if project == "a"]
    assert of_a == {k: v for k, v in ledger.methods_by_run(ids_a).items() if v}  # r4 has no device
    assert of_a["r1"] == {"counter", "power"} and of_a["r2"] == {"counter"} and "r4" not in of_a


def test_a_scenario_is_checked_on_the_tables_it_changes_with_the_files_paths(tmp_path: Path) -> None:
    from energybill.core.errors import ProjectError
    from energybill.project.load import load_project

    wrong_range = ', "storage.s10.watts_per_tb" = { low = 2, high = 1 }'
    text = multi_site_project(20) + (
        f'\n[scenarios.bad]\nset = {{ "compute.c14.hours" = -1{wrong_range}, "sites.north.pue" = 0.5 }}\n'
    )
    file = tmp_path / "bad.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        load_project(file)
    assert [p.path for p in caught.value.problems] == ["scenarios.bad: storage[1].watts_per_tb"]
    file.write_text(text.replace(wrong_range, ""), encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        load_project(file)
    # sorted by key path (issue 14, 5)
    assert [p.path for p in caught.value.problems] == ["scenarios.bad: compute[2].hours",
                                                       "scenarios.bad: sites.north.pue"]


def test_a_long_bill_shows_the_largest_items_of_each_phase(tmp_path: Path) -> None:
    import re

    from click.testing import CliRunner

    from energybill.cli.main import cli
    from energybill.report.rows import LONG_TABLE
    from energybill.report.terminal import TOP_PER_PHASE

    file = tmp_path / "long.toml"
    file.write_text(multi_site_project(LONG_TABLE + 50), encoding="utf-8")
    pipe = Pipeline.open(file, tmp_path / "no.ledger.db")
    bill = pipe.bill()
    result = CliRunner().invoke(cli, ["bill", str(file)], env={"COLUMNS": "140"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shown = set(re.findall(r"│   (\w+) +│", result.output))
    lines = re.findall(r"([\d,]+) more items \(see --format json\)", result.output)
    more = [int(n.replace(",", "")) for n in lines]
    for phase in bill.phases:
        items = [i for i in bill.items if i.billed and i.phase == phase]
        largest = sorted(items, key=lambda i: -(i.co2e_kg or 0.0))[:TOP_PER_PHASE]
        assert {i.name for i in largest} <= shown  # the largest of each phase are shown
    billed = sum(1 for i in bill.items if i.billed)
    assert len(shown & {i.name for i in bill.items}) + sum(more) == billed
    assert result.output.count("Inference economics") == 1  # one table, a row per serving item
    serving = [i.name for i in bill.items if i.kind == "inference"]
    assert all(re.search(rf"│ {name} +│", result.output) for name in serving)


def test_a_short_bill_shows_every_item(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from energybill.cli.main import cli

    file = tmp_path / "short.toml"
    file.write_text(multi_site_project(40), encoding="utf-8")
    result = CliRunner().invoke(cli, ["bill", str(file)], env={"COLUMNS": "140"}, catch_exceptions=False)
    bill = Pipeline.open(file, tmp_path / "no.ledger.db").bill()
    assert "more items" not in result.output
    assert all(f" {i.name} " in result.output for i in bill.items)
