"""Nothing injected (issue 12, "What to build" 2): one escaping module per medium
(``energybill.report.escape``) used by every renderer. Hostile names, descriptions and run fields
cannot run as a spreadsheet formula, break out of Markdown, break the model card's YAML, be read
as Rich markup, or send control and bidi characters to a terminal or a chart; JSON keeps them
byte-exact."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.hostile.common import MINI_PROJECT, energybill, one_line_error, succeeded

from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.record import record_run
from energybill.ledger.store import Ledger

FORMULAS = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tlead",
    "\rlead",
]
ESC = "\x1b[31mred\x1b[0m"
BIDI = "admin\u202e\u2066txt.exe"


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string for these characters


def _project(
    tmp_path: Path,
    name: str = "finetune",
    project: str = "Mini",
    description: str | None = None,
    site: str = "lab",
) -> Path:
    text = MINI_PROJECT.replace('name = "finetune"', f"name = {_toml(name)}")
    text = text.replace(
        'name = "Mini"',
        f"name = {_toml(project)}"
        + (f"\ndescription = {_toml(description)}" if description is not None else ""),
    )
    text = text.replace("[sites.lab]", f"[sites.{_toml(site)}]").replace(
        'site = "lab"', f"site = {_toml(site)}"
    )
    path = tmp_path / "evil.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", FORMULAS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_report_csv_neutralises_formulas(tmp_path: Path, name: str) -> None:
    out = succeeded(energybill("report", str(_project(tmp_path, name=name, site=name)), "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 3  # phase, item, total: a \r inside a name did not split a row
    item = rows[1]
    assert item["name"] == "'" + name and item["site"] == "'" + name
    assert float(item["energy_kwh"]) > 0  # numbers stay numbers


def _ledger(tmp_path: Path, name: str, **tags: str) -> Path:
    return _run(tmp_path, name, **tags)[0]


def _run(tmp_path: Path, name: str, **tags: str) -> tuple[Path, str]:
    path = tmp_path / "runs.db"
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    run_id = record_run(Ledger(path), name, Measurement(name, 1.7e9, 2.0, (DeviceEnergy(cpu, 7.5),)), **tags)
    return path, run_id


@pytest.mark.parametrize("value", FORMULAS[:5], ids=["equals", "plus", "minus", "at", "tab"])
def test_runs_export_neutralises_formulas(tmp_path: Path, value: str) -> None:
    ledger = _ledger(tmp_path, value, item=value, site=value, project=value)
    out = succeeded(energybill("runs", "export", "--csv", "--ledger", str(ledger)))
    (row,) = list(csv.DictReader(io.StringIO(out, newline="")))
    for key in ("name", "item", "site", "project"):
        assert row[key] == "'" + value, (key, row[key])
    assert float(row["energy_j"]) == 7.5


def test_runs_export_quotes_a_bare_carriage_return(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path, "a\rb\nc")
    out = succeeded(energybill("runs", "export", "--csv", "--ledger", str(ledger)))
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 1 and rows[0]["name"] == "a\rb\nc"


MARKDOWN = [
    ("fence", "```", lambda out: not re.search(r"^\s*```", out, flags=re.M)),
    ("tilde-fence", "~~~\nx", lambda out: not re.search(r"^~~~", out, flags=re.M)),
    ("image", "![x](http://evil.example/x.png)", lambda out: not re.search(r"(?<!\\)\]\(http", out)),
    ("link", "[click](javascript:alert(1))", lambda out: not re.search(r"(?<!\\)\[click(?<!\\)\]\(", out)),
    ("heading", "x\n# injected", lambda out: not re.search(r"^# injected", out, flags=re.M)),
    ("html", "<img src=x onerror=alert(1)>", lambda out: "<img" not in out),
    ("pipe", "a|b|c", lambda out: "a\\|b\\|c" in out),
    ("list", "- item", lambda out: not re.search(r"^- item", out, flags=re.M)),
]


@pytest.mark.parametrize(("text", "check"), [c[1:] for c in MARKDOWN], ids=[c[0] for c in MARKDOWN])
@pytest.mark.parametrize(
    "command", [("report", "--format", "markdown"), ("bill", "--format", "markdown")], ids=["report", "bill"]
)
def test_markdown_cannot_be_broken_out_of(
    tmp_path: Path, text: str, check: Callable[[str], bool], command: tuple[str, ...]
) -> None:
    path = _project(tmp_path, name=text, project=text, description=text)
    out = succeeded(energybill(command[0], str(path), *command[1:]))
    assert check(out), out
    assert out.count("## ") >= 2  # the rest of the document is still there


@pytest.mark.parametrize(
    "text",
    ["GPU\u0085NEL", "x\u009b31m", "a\u2028b", 'q"uote\\', "\u202ertl", "tab\there"],
    ids=["nel", "csi", "line-separator", "quote-backslash", "bidi", "tab"],
)
def test_model_card_yaml_reads_back_the_exact_string(tmp_path: Path, text: str) -> None:
    yaml = pytest.importorskip("yaml")
    path = _project(tmp_path, project=text)
    out = succeeded(energybill("report", str(path), "--format", "model-card"))
    block = out.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert not re.search("[\x80-\x9f\u2028\u202e]", block)  # escaped, not raw
    assert yaml.safe_load(block)["co2_eq_emissions"]["source"] == f"energybill estimate of project {text}"


MARKUP = ["[/oops]", "[link=http://evil.example]click[/link]", "[bold red]x", "\\[b]", "[/]"]


@pytest.mark.parametrize("name", MARKUP, ids=["closing-tag", "link", "style", "escaped", "bare-close"])
def test_runs_list_and_show_print_markup_literally(tmp_path: Path, name: str) -> None:
    ledger, run_id = _run(tmp_path, name, item=name)
    out = succeeded(energybill("runs", "list", "--ledger", str(ledger)))
    assert name[:6] in out  # shown as typed, not read as markup
    shown = succeeded(energybill("runs", "show", run_id, "--ledger", str(ledger)))
    assert name[:6] in shown


@pytest.mark.parametrize("name", MARKUP, ids=["closing-tag", "link", "style", "escaped", "bare-close"])
def test_bill_table_prints_markup_literally(tmp_path: Path, name: str) -> None:
    out = succeeded(energybill("bill", str(_project(tmp_path, name=name, project=name, site=name))))
    assert out.count(name[:5]) >= 2


CONTROLS = [
    ("escape", ESC, "\\x1b"),
    ("bidi", BIDI, "\\u202e"),
    ("backspace", "ab\bc", "\\x08"),
    ("bell", "x\ay", "\\x07"),
    ("c1-csi", "x\u009b2J", "\\x9b"),
]


@pytest.mark.parametrize(("name", "shown"), [c[1:] for c in CONTROLS], ids=[c[0] for c in CONTROLS])
def test_terminal_output_shows_controls_as_escapes(tmp_path: Path, name: str, shown: str) -> None:
    out = succeeded(energybill("bill", str(_project(tmp_path, name=name, project=name))))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
    assert shown in out


@pytest.mark.parametrize(("name", "shown"), [c[1:] for c in CONTROLS], ids=[c[0] for c in CONTROLS])
def test_runs_list_shows_controls_as_escapes(tmp_path: Path, name: str, shown: str) -> None:
    out = succeeded(energybill("runs", "list", "--ledger", str(_ledger(tmp_path, name))))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
    assert shown in out


@pytest.mark.parametrize("name", [ESC, BIDI, "a\nb"], ids=["escape", "bidi", "newline"])
def test_error_lines_show_controls_as_escapes(tmp_path: Path, name: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(MINI_PROJECT + f"{_toml(name)} = 1\n", encoding="utf-8")
    line = one_line_error(energybill("validate", str(path)), "unknown key")
    assert not re.search("[\x00-\x1f\u202e\u2066]", line)


@pytest.mark.parametrize(
    "name", [ESC, BIDI, "العربية 🚀", "[/oops]"], ids=["escape", "bidi", "arabic-emoji", "markup"]
)
def test_json_keeps_names_byte_exact(tmp_path: Path, name: str) -> None:
    data = json.loads(succeeded(energybill("bill", str(_project(tmp_path, name=name)), "--format", "json")))
    assert data["items"][0]["name"] == name


@pytest.mark.parametrize("name", ["$\\frac{1}{$", "a$b$c", BIDI], ids=["mathtext-open", "mathtext", "bidi"])
def test_plot_draws_hostile_names_as_text(tmp_path: Path, name: str) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "items.svg"
    succeeded(
        energybill(
            "plot", str(_project(tmp_path, name=name, project=name)), "--kind", "items", "--out", str(out)
        )
    )
    svg = out.read_text(encoding="utf-8")
    assert "\u202e" not in svg and svg.startswith("<?xml")
