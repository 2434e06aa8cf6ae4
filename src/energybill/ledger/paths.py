"""Where a ledger lives by default (no sqlite import here: the plain bill path stays fast).

A ledger is a file path (SQLite) or a ``postgresql://`` URL (a server); both are accepted by
``--ledger`` and ``$ENERGYBILL_LEDGER``. A URL is kept as a string: ``Path`` would fold its ``//``.
"""

from __future__ import annotations

import os
from pathlib import Path

LEDGER_SUFFIX = ".ledger.db"
DEFAULT_NAME = "energybill" + LEDGER_SUFFIX
ENV = "ENERGYBILL_LEDGER"
URL_SCHEMES = ("postgresql://", "postgres://")

Location = Path | str  # a SQLite file, or a PostgreSQL URL (str)


def is_url(location: str | Path | None) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def default_ledger(project_file: str | Path | None = None) -> Location:
    """Beside the project file (``noor.toml`` → ``noor.ledger.db``); else $ENERGYBILL_LEDGER or
    ``./energybill.ledger.db``."""
    if project_file is not None:
        path = Path(project_file)
        return path.with_name(path.stem + LEDGER_SUFFIX)
    return as_location(os.environ.get(ENV) or DEFAULT_NAME)


def as_location(value: str | Path) -> Location:
    """A URL kept as text, anything else as a path."""
    if isinstance(value, str) and value.startswith(URL_SCHEMES):
        return value
    return Path(value)


def resolve(ledger: str | Path | None, project_file: str | Path | None) -> Location:
    """The ledger to use: the one given, else the default for the project file."""
    return as_location(ledger) if ledger is not None else default_ledger(project_file)


def display(ledger: Location) -> str:
    """What to print for a ledger: the file, or the URL without its password (nor its query)."""
    if not is_url(ledger):
        return str(ledger)
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(str(ledger))
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "postgresql://(unparsable URL)"
    user = f"{parts.username}@" if parts.username else ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{user}{host}{port}{parts.path or '/'}"


def exists(ledger: Location) -> bool:
    """A file that is there, or a server (which is asked when opened)."""
    return is_url(ledger) or Path(ledger).exists()
