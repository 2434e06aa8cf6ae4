"""The package type-checks: ``mypy --strict src/energybill`` (pyproject's [tool.mypy]) finds nothing."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (pip install -e '.[test]' brings it)",
)
def test_mypy_strict_passes() -> None:
    env = {**os.environ, "MYPY_FORCE_COLOR": "0"}
    # the package under test first, as pytest imports it (a worktree or an installed copy alike)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT / "src"), env.get("PYTHONPATH"))))
    command = [sys.executable, "-m", "mypy", "--strict", "src/energybill"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command[1:])} failed (exit {done.returncode}):\n{output}"
