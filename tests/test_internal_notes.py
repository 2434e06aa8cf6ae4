"""Issue 14 (9): no internal notes in user output; calibration ids printed by bench resolve."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from conftest import EXAMPLES
from energybill.catalog.tables import table
from energybill.core.calibration import read_record, resolve
from test_practice_calibration import train_record

# Notes to the data's editors and references to files that are not in the package.
INTERNAL = re.compile(r"DESIGN\.md|before release|\bCHECK\b|not checked here")


@pytest.mark.parametrize("name", ["noor.toml", "noor-catalog.toml", "bloom.toml"])
def test_bills_cite_no_internal_note(cli, name):
    for fmt in ("json", "markdown"):
        out = cli("bill", str(EXAMPLES / name), "--format", fmt).stdout
        assert not INTERNAL.search(out), INTERNAL.search(out)


def test_catalog_caveats_are_for_users():
    caveats = [r.get("caveat", "") for r in table("embodied")["literature"]]
    caveats += [z["caveat"] + z["basis"] for z in table("grid")["zones"]]
    assert all(not INTERNAL.search(c) for c in caveats), [c for c in caveats if INTERNAL.search(c)]


@pytest.mark.parametrize("where", ["store", "file"])
def test_the_reference_bench_prints_resolves(tmp_path, monkeypatch, where):
    from energybill.cli.bench import _finish

    store = tmp_path / "store"
    monkeypatch.setenv("ENERGYBILL_CALIBRATIONS", str(store))
    out = None if where == "store" else tmp_path / "elsewhere" / "mine.json"
    buffer = io.StringIO()
    record = train_record()
    _finish(Console(file=buffer, width=400), record, out, interrupted=False)
    printed = re.search(r'calibration = "([^"]+)"', buffer.getvalue())
    assert printed is not None
    # a project file in another folder: the reference must still find the record
    path = resolve(printed.group(1), tmp_path / "some" / "project")
    assert path.is_file() and read_record(path).id == record.id
    assert (printed.group(1) == record.id) == (where == "store")
    assert Path(path).name.endswith(".json")
