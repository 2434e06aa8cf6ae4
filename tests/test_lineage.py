"""Lineage tags from the CLI, the context manager and the training meter; project items that
select runs by tag; the development share of the team example worked out by hand (issue 16).

Real processes and real SQLite ledgers in tmp_path; runs written through the ledger's own API.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, ROOT, run_cli
from tests.fakehw import PowerProfile, StepClock

import energybill
from energybill.ledger.store import Ledger
from energybill.tracking import TrainingMeter


def _team(tmp_path: Path) -> Path:
    """The team example beside a ledger of its illustrative runs (examples/team_runs.py)."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import team_runs
    finally:
        sys.path.remove(str(ROOT / "examples"))
    project = tmp_path / "team.toml"
    shutil.copy(EXAMPLES / "team.toml", project)
    team_runs.record_runs(Ledger(tmp_path / "team.ledger.db"))
    return project


def test_measure_tags_reach_the_ledger(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    tags = ("--tag", "experiment=ablation-3", "--tag", "model=atlas-1b", "--tag", "note=a = b")
    done = run_cli("measure", "--ledger", str(ledger), *tags, "--", "true")
    assert done.returncode == 0, done.stderr
    (run,) = Ledger(ledger).runs()
    assert Ledger(ledger).tags(run.id) == {"experiment": "ablation-3", "model": "atlas-1b", "note": "a = b"}


@pytest.mark.parametrize(("tag", "says"), [("nokey", "KEY=VALUE"), ("=x", "KEY=VALUE"),
                                           ("item=final", "field of the run")])
def test_a_malformed_tag_is_refused_before_anything_runs(tmp_path: Path, tag: str, says: str) -> None:
    flag = tmp_path / "ran"
    done = run_cli("measure", "--ledger", str(tmp_path / "r.db"), "--tag", tag, "--", "touch", str(flag))
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr
    assert not flag.exists() and not (tmp_path / "r.db").exists()


def test_track_and_the_training_meter_record_tags(tmp_path: Path) -> None:
    ledger, clock = tmp_path / "r.db", StepClock()
    with energybill.track("abl", ledger=ledger, tags={"experiment": "abl", "parent": "run0"},
                          backends=[PowerProfile([5.0] * 10)], clock=clock, thread=False) as run:
        clock.advance(2.0)
    with TrainingMeter("sweep-1", ledger=ledger, tags={"sweep": "lr", "lr": "3e-4"}, distributed=False,
                       on_epoch=lambda entry: None, backends=[PowerProfile([5.0] * 10)], clock=clock,
                       wall=clock, thread=False) as tm, tm.epoch(0):
        clock.advance(1.0)
    store = Ledger(ledger)
    assert store.tags(run.run_id or "") == {"experiment": "abl", "parent": "run0"}
    assert store.tags(tm.run_id or "") == {"sweep": "lr", "lr": "3e-4"}
    with pytest.raises(ValueError, match="'item' is a field of the run"):
        energybill.track("x", ledger=False, tags={"item": "y"})


def test_the_callbacks_take_tags() -> None:
    pytest.importorskip("lightning")
    from energybill.integrations.lightning import EnergybillCallback

    callback = EnergybillCallback("fit", ledger=False, tags={"experiment": "abl"})
    assert callback.options["tags"] == {"experiment": "abl"}  # handed to the TrainingMeter as is


def test_the_team_examples_development_share_by_hand(tmp_path: Path) -> None:
    bill = energybill.estimate_file(_team(tmp_path))
    dev = bill.development
    assert dev is not None
    # examples/team_runs.py, in kWh of IT energy:
    #   experiments: 36 + 36 + 18 (the failed ablation is an experiment first) = 90
    #   sweep: 4 × 9 = 36;  failed: Atlas 1B's first attempt = 40;  final training: 440
    #   development = 90 + 36 + 40 = 166;  share = 166 / (166 + 440) = 166 / 606 = 0.27393
    #   (the evaluation run, 6 kWh, is neither)
    assert dev.energy_kwh == pytest.approx({"experiment": 90.0, "sweep": 36.0, "failed": 40.0,
                                            "final training": 440.0})
    assert (dev.development_kwh, dev.final_training_kwh) == (pytest.approx(166.0), pytest.approx(440.0))
    assert dev.share == pytest.approx(0.27393, abs=5e-6)
    assert dev.runs["failed"] == ("atlas-07",) and dev.runs["final training"] == ("atlas-08",)
    # the R&D items: the estimate, and beside it the runs their tags select (× PUE 1.25)
    ablations, sweep = bill.item("Ablations"), bill.item("Learning-rate sweep")
    assert ablations.energy_kwh == pytest.approx(288 * 500 / 1000 * 1.25)  # 180 kWh estimated
    assert ablations.details["measured_energy_kwh"] == pytest.approx(90 * 1.25)
    assert ablations.details["measured_runs"] == "atlas-00, atlas-01, atlas-02"
    assert sweep.energy_kwh == pytest.approx(96 * 500 / 1000 * 1.25)  # 60 kWh estimated
    assert sweep.details["measured_energy_kwh"] == pytest.approx(36 * 1.25)
    # runs an item selected are not billed a second time as items of their own
    names = sorted(i.name for i in bill.items)
    assert names == ["Ablations", "Atlas 1B", "Evaluation", "Learning-rate sweep"]


def test_the_bill_shows_the_development_share(tmp_path: Path) -> None:
    project = _team(tmp_path)
    table = run_cli("bill", str(project))
    assert table.returncode == 0, table.stderr
    assert "Development share: 27.4 % of development + final training" in table.stdout
    assert "experiments: 3 runs" in table.stdout and "final training: 1 run" in table.stdout
    as_json = run_cli("bill", str(project), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    dev = json.loads(as_json.stdout)["development"]
    assert dev["share"] == pytest.approx(166 / 606) and dev["final_training_kwh"] == pytest.approx(440.0)
    markdown = run_cli("bill", str(project), "--format", "markdown")
    assert "## Development share" in markdown.stdout and "27.4 %" in markdown.stdout
    page = tmp_path / "team.html"
    html = run_cli("report", str(project), "--out", str(page))
    assert html.returncode == 0, html.stderr
    assert '<section id="development">' in page.read_text() and "27.4 %" in page.read_text()


def test_run_tags_without_a_ledger_bill_the_estimate(tmp_path: Path) -> None:
    project = tmp_path / "team.toml"
    shutil.copy(EXAMPLES / "team.toml", project)
    bill = energybill.estimate_file(project)
    assert bill.development is None
    assert "measured_energy_kwh" not in bill.item("Ablations").details


def test_a_run_tags_key_the_ledger_cannot_hold_is_one_line(tmp_path: Path) -> None:
    project = tmp_path / "p.toml"
    project.write_text((EXAMPLES / "team.toml").read_text().replace(
        'run_tags = { sweep = "lr" }', 'run_tags = { "learning rate" = "lr" }'))
    done = run_cli("validate", str(project))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "run_tags key 'learning rate'" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_bill_and_report_read_a_ledger_given_by_name_or_url(tmp_path: Path, ledger_location: str) -> None:
    """A team's runs in a shared ledger (SQLite elsewhere, or a PostgreSQL database): `bill --ledger`
    and `report --ledger` bill them, with the development share of the example worked out by hand
    above (166 / 606); without the option, the file's own (absent) ledger: the estimate alone."""
    project = _team(tmp_path)
    (tmp_path / "team.ledger.db").unlink()  # the runs live only in the shared ledger
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import team_runs
    finally:
        sys.path.remove(str(ROOT / "examples"))
    team_runs.record_runs(Ledger(ledger_location))
    shared = run_cli("bill", str(project), "--format", "json", "--ledger", ledger_location)
    assert shared.returncode == 0, shared.stderr
    assert json.loads(shared.stdout)["development"]["share"] == pytest.approx(166 / 606)
    alone = run_cli("bill", str(project), "--format", "json")
    assert alone.returncode == 0 and json.loads(alone.stdout).get("development") is None
    page = tmp_path / "team.md"
    report = run_cli("report", str(project), "--out", str(page), "--ledger", ledger_location)
    assert report.returncode == 0, report.stderr
    assert "27.4 %" in page.read_text()
    if not ledger_location.startswith("postgresql"):  # the ledger given is an input: never overwritten
        refused = run_cli("report", str(project), "--out", ledger_location, "--ledger", ledger_location)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr


def test_a_ledger_given_by_name_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    project = _team(tmp_path)
    missing = tmp_path / "typo.ledger.db"
    done = run_cli("bill", str(project), "--ledger", str(missing))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"{missing}: no such ledger (give an existing file, or record runs into " \
                                  "it with `energybill measure --ledger`)"
    assert not missing.exists()
