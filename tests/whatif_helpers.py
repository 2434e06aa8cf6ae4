"""Shared helpers of the what-if tests: run the CLI as a real subprocess, load Noor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOOR = ROOT / "examples" / "noor.toml"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``energybill ARGS`` in a fresh interpreter, as a user runs it."""
    code = "from energybill.cli.main import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd or ROOT, timeout=120
    )


def cli_json(*args: str) -> Any:
    result = run_cli(*args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def sample(raw: dict, file: str, samples: int, seed: int | None = None) -> tuple:
    """The point bill of ``raw`` and its Monte Carlo intervals, through the pipeline."""
    from energybill.pipeline import Pipeline

    pipe = Pipeline(raw, file)
    return pipe.bill(), pipe.intervals(samples, seed)
