"""``energybill init``: every template writes a commented file that validates and bills; an
existing file is never overwritten (exit 2, one line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, run_cli

from energybill.project.starter import TEMPLATES, template_text


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_template_validates_and_bills(tmp_path: Path, template: str) -> None:
    path = tmp_path / f"{template}.toml"
    written = run_cli("init", "--template", template, str(path))
    assert written.returncode == 0, written.stderr
    assert path.read_text(encoding="utf-8") == template_text(template)
    assert path.read_text(encoding="utf-8").startswith("#")  # commented for a new user
    validated = run_cli("validate", str(path))
    assert validated.returncode == 0, validated.stderr
    assert "valid" in validated.stdout
    billed = run_cli("bill", str(path), "--format", "json")
    assert billed.returncode == 0, billed.stderr
    bill = json.loads(billed.stdout)
    assert bill["totals"]["energy_kwh"] > 0 and bill["totals"]["co2e_kg"] > 0


def test_the_default_is_the_pretraining_template_into_project_toml(tmp_path: Path) -> None:
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "project.toml").read_text(encoding="utf-8") == template_text("pretraining")


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("# my own work\n", encoding="utf-8")
    result = run_cli("init", "--template", "serving", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"{path}: already exists; energybill init never overwrites a file (give another PATH)"
    ]
    assert path.read_text(encoding="utf-8") == "# my own work\n"


def test_an_unknown_template_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("init", "--template", "rlhf", str(tmp_path / "x.toml"))
    assert result.returncode == 2
    assert "pretraining" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_the_noor_template_is_the_example() -> None:
    """The packaged copy follows examples/noor.toml (after editing the example, copy it to
    src/energybill/project/templates/noor.toml)."""
    assert template_text("noor") == (EXAMPLES / "noor.toml").read_text(encoding="utf-8")


def test_the_fine_tune_template_bills_its_fine_tune_apart_from_pretraining(tmp_path: Path) -> None:
    path = tmp_path / "ft.toml"
    assert run_cli("init", "--template", "fine-tune", str(path)).returncode == 0
    bill = json.loads(run_cli("bill", str(path), "--format", "json").stdout)
    assert "fine-tuning" in bill["phases"] and "training" not in bill["phases"]
    (item,) = [i for i in bill["items"] if i["phase"] == "fine-tuning"]
    # 6 × 8e9 × 1e9 = 4.8e19 FLOP
    assert item["details"]["flops"] == pytest.approx(4.8e19)
