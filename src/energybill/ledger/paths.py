"""Where a ledger lives by default (no sqlite import here: the plain bill path stays fast)."""

from __future__ import annotations

import os
from pathlib import Path

LEDGER_SUFFIX = ".ledger.db"
DEFAULT_NAME = "energybill" + LEDGER_SUFFIX
ENV = "ENERGYBILL_LEDGER"


def default_ledger(project_file: str | Path | None = None) -> Path:
    """Beside the project file (``noor.toml`` → ``noor.ledger.db``); else $ENERGYBILL_LEDGER or
    ``./energybill.ledger.db``."""
    if project_file is not None:
        path = Path(project_file)
        return path.with_name(path.stem + LEDGER_SUFFIX)
    return Path(os.environ.get(ENV) or DEFAULT_NAME)


def resolve(ledger: str | Path | None, project_file: str | Path | None) -> Path:
    """The ledger to use: the one given, else the default for the project file."""
    return Path(ledger) if ledger is not None else default_ledger(project_file)
