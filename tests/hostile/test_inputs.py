"""Input files (issue 12, "What to build" 4): a project file or calibration record must be a
regular file of bounded size, read with one bounded read (a FIFO does not hang, /dev/zero does not
eat the memory), nested to a bounded depth (no RecursionError); a UTF-8 BOM is accepted."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.hostile.common import MINI_PROJECT, energybill, one_line_error, succeeded

CALIBRATED = MINI_PROJECT + (
    '[[training]]\nname = "t"\nsite = "lab"\nparameters = 1e9\ntokens = 1e10\ntflops_per_device = 100\n'
    'watts_per_device = 400\ncalibration = "rec.json"\n'
)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.truncate(size)

    return make


def _folder(path: Path) -> None:
    path.mkdir()


def _loop(path: Path) -> None:
    path.symlink_to(path.name)  # a symlink to itself


# (case, how the input is made, what the line holds)
SPECIAL = [
    ("fifo", _fifo, "a FIFO"),
    ("dev-zero", _dev_zero, "a character device"),
    ("over-50-mib", _sparse(51 * 1024 * 1024), "more than the 50.0 MiB"),
    ("folder", _folder, "folder"),
    ("symlink-loop", _loop, "cannot be read"),
]


@pytest.mark.parametrize(("make", "needle"), [c[1:] for c in SPECIAL], ids=[c[0] for c in SPECIAL])
@pytest.mark.parametrize("command", ["bill", "validate", "report"])
def test_a_project_that_is_not_a_regular_file_is_one_line(
    tmp_path: Path, make: Callable[[Path], None], needle: str, command: str
) -> None:
    path = tmp_path / "p.toml"
    make(path)
    one_line_error(energybill(command, str(path), timeout=30), f"{path}: ", needle)


def test_dev_zero_directly(tmp_path: Path) -> None:
    one_line_error(energybill("validate", "/dev/zero", timeout=30), "/dev/zero: is not a regular file")


RECORD_SPECIAL = [
    ("fifo", _fifo, "a FIFO"),
    ("dev-zero", _dev_zero, "a character device"),
    ("over-5-mib", _sparse(6 * 1024 * 1024), "more than the 5.0 MiB"),
    ("folder", _folder, "folder"),
]


@pytest.mark.parametrize(
    ("make", "needle"), [c[1:] for c in RECORD_SPECIAL], ids=[c[0] for c in RECORD_SPECIAL]
)
def test_a_calibration_record_that_is_not_a_regular_file_is_one_line(
    tmp_path: Path, make: Callable[[Path], None], needle: str
) -> None:
    project = tmp_path / "p.toml"
    project.write_text(CALIBRATED, encoding="utf-8")
    make(tmp_path / "rec.json")
    one_line_error(energybill("validate", str(project), timeout=30), "training[0].calibration", needle)


DEEP = [
    ("arrays", "x = " + "[" * 400 + "]" * 400 + "\n"),
    ("inline-tables", "x = " + "{a = " * 400 + "1" + "}" * 400 + "\n"),
    ("dotted-keys", ".".join(["k"] * 400) + " = 1\n"),
    ("table-headers", "[" + ".".join(["t"] * 400) + "]\n"),
]


@pytest.mark.parametrize("text", [c[1] for c in DEEP], ids=[c[0] for c in DEEP])
def test_toml_nested_400_deep_is_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text('[project]\nname = "x"\n' + text if "[" not in text[:1] else text, encoding="utf-8")
    one_line_error(energybill("validate", str(path)), "nested too deeply")


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINI_PROJECT.encode())
    assert "valid" in succeeded(energybill("validate", str(path)))


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ("\ufeff".join(["", MINI_PROJECT]).encode("utf-16"), "not UTF-8 text"),
        (b'[project]\nname = "a\x00b"\n', "invalid TOML"),
        (b"\xef\xbb\xbf\xef\xbb\xbf" + MINI_PROJECT.encode(), "invalid TOML"),
    ],
    ids=["utf-16", "nul-byte", "two-boms"],
)
def test_other_encodings_are_one_line(tmp_path: Path, data: bytes, needle: str) -> None:
    path = tmp_path / "enc.toml"
    path.write_bytes(data)
    one_line_error(energybill("validate", str(path)), needle)
