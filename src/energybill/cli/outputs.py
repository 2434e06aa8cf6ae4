"""The files a command reads, so that its output is never written onto one of them
(``energybill.core.files.write_output`` refuses them and writes atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

Inputs = list[tuple[str, str | Path]]


def project_inputs(
    file: str | Path, raw: dict[str, Any] | None = None, ledger: str | Path | None = None
) -> Inputs:
    """A project file, its ledger (the one given or the default beside it), and the calibration
    records its items name (``raw``: the parsed document, paths already made absolute)."""
    from energybill.core.calibration import is_path, resolve
    from energybill.ledger.paths import resolve as ledger_path

    found: Inputs = [("project file", file), ("ledger", ledger_path(ledger, file))]
    for kind in ("training", "inference"):
        items = (raw or {}).get(kind)
        for item in items if isinstance(items, list) else ():
            reference = item.get("calibration") if isinstance(item, dict) else None
            if isinstance(reference, str) and reference:
                path = (
                    resolve(reference, Path(file).resolve().parent)
                    if is_path(reference)
                    else resolve(reference, Path.cwd())
                )
                found.append(("calibration record", path))
    return found
