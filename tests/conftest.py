"""Shared test helpers: run the real CLI as a subprocess, find the examples."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.pg_server import PgServer, binaries

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``energybill ARGS`` in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "energybill", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def wait_until(condition: Callable[[], bool], within_s: float = 60.0) -> bool:
    """Poll ``condition`` until it holds or ``within_s`` has passed; whether it held. A test waits
    for what it needs this way, never with a sleep assumed long enough (a loaded CI machine is slow)."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture(autouse=True)
def _default_ledger_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """``energybill.track()`` without ``ledger=`` records into the default ledger: in a test, a
    temporary one (set before each test; a test may set its own), never the repository's folder."""
    folder = tmp_path_factory.mktemp("default-ledger")
    monkeypatch.setenv("ENERGYBILL_LEDGER", str(folder / "default.ledger.db"))


@pytest.fixture
def cli():
    return run_cli


# A one-item project for the measured-runs tests (a run of 1 kWh of IT energy is easy to price).
MINI_PROJECT = """
[project]
name = "Mini"

[sites.lab]
pue = 1.5
carbon_intensity_g_per_kwh = 600

[[compute]]
name = "finetune"
phase = "training"
site = "lab"
devices = 1
hours = 0.001
watts_per_device = 100
"""


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """A real PostgreSQL server for the session (tests/pg_server.py); skips, saying why, where
    psycopg or Debian's postgresql binaries are missing."""
    pytest.importorskip("psycopg", reason="psycopg (the postgres extra) is not installed")
    found = binaries()
    if isinstance(found, str):
        pytest.skip(found)
    try:
        server = PgServer(*found)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot start a PostgreSQL server here: {exc}")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty ledger: a SQLite file, then a database on the test server."""
    if request.param == "sqlite":
        return str(tmp_path / "shared.ledger.db")
    server: PgServer = request.getfixturevalue("pg")
    return server.new_database()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The hostile fuzzer's size at the end of the run (its issue asks to print it). Kept here: a
    second conftest.py (tests/hostile/) would shadow this module for ``from conftest import …``."""
    fuzz = next((m for name, m in list(sys.modules.items()) if name.endswith("test_fuzz")), None)
    seen = getattr(fuzz, "SEEN", None)
    if seen and seen["files"]:
        terminalreporter.write_line(
            f"hostile fuzzer: {seen['files']:,} mutated project files, {seen['valid']:,} billed (exit 0), "
            "the rest exit 2 with energybill's own error lines"
        )
