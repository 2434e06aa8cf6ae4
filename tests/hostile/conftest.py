"""The hostile suite prints the fuzzer's size at the end of the run (README: "print its size")."""

from __future__ import annotations

import sys
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    fuzz = next((m for name, m in list(sys.modules.items()) if name.endswith("test_fuzz")), None)
    seen = getattr(fuzz, "SEEN", None)
    if seen and seen["files"]:
        terminalreporter.write_line(
            f"hostile fuzzer: {seen['files']:,} mutated project files, {seen['valid']:,} billed (exit 0), "
            "the rest exit 2 with energybill's own error lines"
        )
