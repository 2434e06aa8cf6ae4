"""Outputs never land on an input and are never left half-written (issue 12, "What to build" 1).

Every command that writes a file goes through ``energybill.core.files.write_output``: refused onto
the project file, its ledger or a calibration record it names (by resolved path, or by device and
inode: hard links and symlinks are caught); written to a temporary file beside the target, synced,
then renamed. A full disk is simulated with RLIMIT_FSIZE (writes past it fail with EFBIG)."""

from __future__ import annotations

import json
import os
import resource
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.hostile.common import MINI_PROJECT, Snapshot, energybill, one_line_error, succeeded

from energybill.core.calibration import Record, write_record
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.record import record_run
from energybill.ledger.store import Ledger

TRAINING = """
[[training]]
name = "calibrated"
site = "lab"
parameters = 1e9
tokens = 1e10
tflops_per_device = 100
watts_per_device = 400
calibration = "rec.json"
"""


def _record() -> Record:
    return Record(
        kind="train",
        id="train-test",
        device="cpu",
        arch="tiny",
        tflops_per_device=1.0,
        watts_per_device=50.0,
        seconds_per_token=0.01,
        joules_per_token=0.5,
        method="counter",
        date="2026-12-01T00:00:00+00:00",
        tflops_6n_per_device=0.9,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``p.toml`` with a calibration record ``rec.json`` and a ledger ``p.ledger.db`` of one run."""
    path = tmp_path / "p.toml"
    path.write_text(MINI_PROJECT + TRAINING, encoding="utf-8")
    write_record(_record(), tmp_path / "rec.json")
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    ledger = Ledger(tmp_path / "p.ledger.db")
    record_run(ledger, "run", Measurement("run", 1.7e9, 2.0, (DeviceEnergy(cpu, 9.0),)))
    ledger.close()  # the WAL is checkpointed into the file now, not while a case watches it
    (tmp_path / "hard.toml").hardlink_to(path)
    (tmp_path / "sym.db").symlink_to(tmp_path / "p.ledger.db")
    (tmp_path / "chart.png").symlink_to(path)
    (tmp_path / "sub").mkdir()
    return path


def _inputs(project: Path) -> Snapshot:
    folder = project.parent
    return Snapshot(project, folder / "p.ledger.db", folder / "rec.json")


# (case, arguments after the command with {d} the project's folder, text the line must hold)
REFUSED = [
    ("report-onto-project", ("report", "{d}/p.toml", "--out", "{d}/p.toml"), "project file"),
    ("report-onto-ledger", ("report", "{d}/p.toml", "--out", "{d}/p.ledger.db"), "ledger"),
    ("report-onto-hard-link", ("report", "{d}/p.toml", "--out", "{d}/hard.toml"), "project file"),
    ("report-onto-symlink", ("report", "{d}/p.toml", "--out", "{d}/sym.db"), "ledger"),
    ("report-dotdot-path", ("report", "{d}/p.toml", "--out", "{d}/sub/../p.toml"), "project file"),
    (
        "report-csv-onto-project",
        ("report", "{d}/p.toml", "--format", "csv", "--out", "{d}/p.toml"),
        "project",
    ),
    (
        "report-onto-calibration",
        ("report", "{d}/p.toml", "--format", "json", "--out", "{d}/rec.json"),
        "calibration record",
    ),
    (
        "model-card-onto-calibration",
        ("report", "{d}/p.toml", "--format", "model-card", "--out", "{d}/sub/../rec.json"),
        "calibration record",
    ),
    ("plot-onto-project-via-symlink", ("plot", "{d}/p.toml", "--out", "{d}/chart.png"), "project file"),
    (
        "export-onto-ledger",
        ("runs", "export", "--csv", "--ledger", "{d}/p.ledger.db", "-o", "{d}/p.ledger.db"),
        "ledger",
    ),
    (
        "export-onto-project-ledger",
        ("runs", "export", "--csv", "--project", "{d}/p.toml", "-o", "{d}/p.ledger.db"),
        "ledger",
    ),
    (
        "export-onto-project",
        ("runs", "export", "--csv", "--project", "{d}/p.toml", "-o", "{d}/p.toml"),
        "project file",
    ),
    (
        "export-onto-ledger-symlink",
        ("runs", "export", "--csv", "--ledger", "{d}/p.ledger.db", "-o", "{d}/sym.db"),
        "ledger",
    ),
]


@pytest.mark.parametrize(("args", "needle"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_an_output_onto_an_input_is_refused_and_the_input_untouched(
    project: Path, args: tuple[str, ...], needle: str
) -> None:
    snapshot = _inputs(project)
    result = energybill(*(a.format(d=project.parent) for a in args))
    one_line_error(result, needle, "write to another file")
    snapshot.assert_unchanged()
    assert not list(project.parent.glob(".*.tmp"))


def _full_disk(limit_bytes: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child: writes past the limit fail with EFBIG, not SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("report", "{d}/alone.toml", "--samples", "0", "--out", "{d}/out.html"), "out.html"),
        (("report", "{d}/alone.toml", "--format", "markdown", "--out", "{d}/out.md"), "out.md"),
    ],
    ids=["report-html", "report-markdown"],
)
def test_a_full_disk_leaves_the_previous_report_whole(
    project: Path, args: tuple[str, ...], name: str
) -> None:
    alone = project.parent / "alone.toml"  # no ledger beside it: SQLite writes nothing
    alone.write_text(MINI_PROJECT, encoding="utf-8")
    target = project.parent / name
    target.write_text("the previous, complete output\n" * 4, encoding="utf-8")
    before = Snapshot(target, alone)
    result = energybill(*(a.format(d=project.parent) for a in args), preexec=_full_disk(1000))
    one_line_error(result, "cannot write", "left unchanged")
    before.assert_unchanged()
    assert not list(project.parent.glob(".*.tmp")), "the temporary file was left behind"


def test_a_full_disk_leaves_the_previous_export_whole(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "big.db")
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    for i in range(3):  # ~60 KB of CSV, more than SQLite's 32 KB shared-memory file
        record_run(
            ledger, f"run {i} " + "n" * 20_000, Measurement("r", 1.7e9 + i, 1.0, (DeviceEnergy(cpu, 1.0),))
        )
    target = tmp_path / "out.csv"
    target.write_text("the previous export\n", encoding="utf-8")
    before = Snapshot(target)
    result = energybill(
        "runs", "export", "--csv", "--ledger", str(ledger.path), "-o", str(target), preexec=_full_disk(40_000)
    )
    one_line_error(result, "cannot write", "left unchanged")
    before.assert_unchanged()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failed_render_does_not_touch_an_existing_output(project: Path) -> None:
    target = project.parent / "out.html"
    target.write_text("old", encoding="utf-8")
    project.write_text(MINI_PROJECT.replace("pue = 1.5", "pue = 0.5"), encoding="utf-8")
    before = Snapshot(target)
    one_line_error(energybill("report", str(project), "--out", str(target)), "pue")
    before.assert_unchanged()


@pytest.mark.parametrize(
    ("target", "needle"),
    [("missing/out.html", "No such file or directory"), ("sub", "directory")],
    ids=["missing-folder", "a-folder"],
)
def test_an_unwritable_output_is_one_line(project: Path, target: str, needle: str) -> None:
    one_line_error(energybill("report", str(project), "--out", str(project.parent / target)), needle)


def test_an_output_is_replaced_whole_with_the_usual_mode(project: Path) -> None:
    target = project.parent / "out.csv"
    target.write_text("x" * 100_000, encoding="utf-8")
    os.chmod(target, 0o640)
    succeeded(energybill("report", str(project), "--out", str(target)))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("record,rank,phase,name") and "x" * 10 not in text
    assert (target.stat().st_mode & 0o777) == 0o640  # an existing file keeps its mode
    fresh = project.parent / "fresh.md"
    succeeded(energybill("report", str(project), "--out", str(fresh)))
    umask = os.umask(0)
    os.umask(umask)
    assert (fresh.stat().st_mode & 0o777) == 0o666 & ~umask  # as open(..., "w") would have made it
    assert not list(project.parent.glob(".*.tmp"))


def test_an_output_to_a_character_device_is_written_in_place(project: Path) -> None:
    succeeded(energybill("report", str(project), "--format", "json", "--out", "/dev/null"))
    assert Path("/dev/null").is_char_device()


def test_export_to_stdout_and_to_a_file_are_the_same_csv(project: Path) -> None:
    ledger = str(project.parent / "p.ledger.db")
    out = project.parent / "runs.csv"
    printed = succeeded(energybill("runs", "export", "--csv", "--ledger", ledger))
    succeeded(energybill("runs", "export", "--csv", "--ledger", ledger, "-o", str(out)))
    assert out.read_text(encoding="utf-8") == printed and printed.count("\n") == 2


def test_the_calibrated_project_is_valid(project: Path) -> None:
    """The fixture itself: the refusals above are about the output, not a broken input."""
    assert "valid" in succeeded(energybill("validate", str(project)))
    assert json.loads((project.parent / "rec.json").read_text())["id"] == "train-test"
