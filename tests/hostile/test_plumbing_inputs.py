"""Hostile input on the paths issue 11 added: `runs list` paging, the Python API
(``estimate_file``, ``Pipeline``, ``Overrides``) and typed provenance texts that now reach the bill's
Markdown and the report's HTML through the one report model."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from tests.conftest import MINI_PROJECT, run_cli

import energybill
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.record import record_run
from energybill.ledger.store import Ledger

EVIL = 'a|b\\\\c <script>alert(1)</script>\\n# heading'  # TOML escapes: a backslash and a newline


def _one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    stderr = result.stderr
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "no error printed"
    for needle in needles:
        assert needle in stderr, stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--limit", "0"), "--limit"),
        (("--limit", "-5"), "--limit"),
        (("--limit", "1e9"), "--limit"),
        (("--offset", "-1"), "--offset"),
        (("--offset", "x"), "--offset"),
    ],
)
def test_runs_list_refuses_bad_paging(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    ledger = tmp_path / "runs.db"
    with Ledger(ledger).connect(write=True):  # an empty ledger: the schema only
        pass
    _one_line_error(run_cli("runs", "list", "--ledger", str(ledger), *args), needle)


def test_runs_list_offset_past_the_end_is_an_empty_page_not_an_error(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "runs.db")
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    for i in range(3):
        record_run(ledger, f"r{i}", Measurement(f"r{i}", 1.7e9 + i, 1.0, (DeviceEnergy(cpu, 10.0),), 10.0))
    result = run_cli("runs", "list", "--ledger", str(ledger.path), "--offset", "1000000")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "more" not in result.stdout


@pytest.mark.parametrize("kind", ["missing", "folder", "binary", "not-toml"])
def test_estimate_file_raises_the_one_line_project_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "p.toml"
    if kind == "folder":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00bad")
    elif kind == "not-toml":
        path.write_text("[project\nname = ", encoding="utf-8")
    with pytest.raises(energybill.ProjectError) as caught:
        energybill.estimate_file(path)
    assert isinstance(caught.value, energybill.EnergybillError)
    (line,) = caught.value.lines()
    assert line.startswith(str(path))


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        (energybill.Overrides((("sites.nowhere.pue", 1.1),)), "--set sites.nowhere.pue"),
        (energybill.Overrides((("sites.lab.pue", 0.5),)), "sites.lab.pue"),
        (energybill.Overrides((("sites.lab.pue", "high"),)), "sites.lab.pue"),
        (energybill.Overrides(relocate="Atlantis"), "relocate"),
        (energybill.Overrides(relocate=True), "relocate"),  # a TOML boolean: neither g/kWh nor region
    ],
)
def test_bad_overrides_from_python_name_the_key_path(
    tmp_path: Path, overrides: energybill.Overrides, path: str
) -> None:
    project = tmp_path / "mini.toml"
    project.write_text(MINI_PROJECT, encoding="utf-8")
    with pytest.raises(energybill.ProjectError) as caught:
        energybill.estimate_file(project, overrides, measured=False)
    text = "\n".join(caught.value.lines())
    assert str(project) in text and path in text, text


def _evil_project(tmp_path: Path) -> Path:
    project = tmp_path / "evil.toml"
    text = MINI_PROJECT.replace("[sites.lab]", f'[sites."{EVIL}"]')
    text = text.replace('site = "lab"', f'site = "{EVIL}"')
    text = text.replace('name = "finetune"', f'name = "{EVIL}"').replace("pue = 1.5\n", "")  # a default PUE
    project.write_text(text, encoding="utf-8")
    return project


def test_hostile_names_cannot_break_the_bills_markdown(tmp_path: Path) -> None:
    result = run_cli("bill", str(_evil_project(tmp_path)), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "<script>" not in out
    assert not re.search(r"^# heading", out, flags=re.M)  # the newline did not start a heading
    assert EVIL.split("|")[0] + "\\|b" in out  # the name is there, its pipe escaped
    tables: list[list[str]] = [[]]
    for line in out.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    for table in (t for t in tables if t):  # every row has as many cells as its header
        assert {_cells(row) for row in table} == {_cells(table[0])}, table


def _cells(row: str) -> int:
    """Cell separators of a Markdown table row: pipes not escaped by a backslash."""
    return len(re.findall(r"(?<!\\)\|", row.replace("\\\\", "")))


def test_hostile_names_are_escaped_in_the_html_report(tmp_path: Path) -> None:
    result = run_cli("report", str(_evil_project(tmp_path)), "--format", "html", "--samples", "0")
    assert result.returncode == 0, result.stderr
    assert "<script>alert(1)</script>" not in result.stdout
    assert "&lt;script&gt;" in result.stdout


def test_hostile_names_survive_the_json_exactly(tmp_path: Path) -> None:
    import json

    result = run_cli("bill", str(_evil_project(tmp_path)), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    name = EVIL.replace("\\\\", "\\").replace("\\n", "\n")
    assert data["items"][0]["name"] == name
    sources = [s for p in data["items"][0]["provenance"] for s in p["sources"]]
    assert any(s["kind"] == "default" for s in sources)  # the PUE left out, as typed data
