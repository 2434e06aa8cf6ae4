"""Helpers of the hostile suite: the real CLI in a subprocess, and what every case asserts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import MINI_PROJECT

__all__ = ["MINI_PROJECT", "Snapshot", "energybill", "one_line_error", "succeeded"]


def energybill(
    *args: str, cwd: Path | None = None, preexec: Callable[[], None] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``energybill ARGS`` in a fresh interpreter (a hang fails the case at ``timeout``). Output is
    decoded without newline translation: a ``\r`` in it is kept, as a terminal would get it."""
    done = subprocess.run(
        [sys.executable, "-m", "energybill", *args],
        capture_output=True,
        cwd=cwd,
        timeout=timeout,
        preexec_fn=preexec,
        env={**os.environ, "COLUMNS": "200"},
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str, code: int = 2) -> str:
    """Exit code ``code``, exactly one line on stderr holding every needle, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, (result.returncode, result.stderr)
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    """Exit 0, no traceback; the stdout."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


class Snapshot:
    """The bytes and modification time of files, to show a command left them untouched."""

    def __init__(self, *paths: Path) -> None:
        self.state = {path: self._read(path) for path in paths}

    @staticmethod
    def _read(path: Path) -> tuple[bytes, int] | None:
        if not path.exists():
            return None
        return path.read_bytes(), path.stat().st_mtime_ns

    def assert_unchanged(self) -> None:
        for path, before in self.state.items():
            assert self._read(path) == before, f"{path} was changed"
