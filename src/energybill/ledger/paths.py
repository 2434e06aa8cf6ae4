"""Where a ledger lives by default (no sqlite import here: the plain bill path stays fast).

A ledger is a file path (SQLite) or a ``postgresql://`` URL (a server); both are accepted by
``--ledger`` and ``$ENERGYBILL_LEDGER``. A URL is kept as a string: ``Path`` would fold its ``//``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from energybill.core.errors import EnergybillError
from energybill.core.files import path_problem

LEDGER_SUFFIX = ".ledger.db"
DEFAULT_NAME = "energybill" + LEDGER_SUFFIX
ENV = "ENERGYBILL_LEDGER"
URL_SCHEMES = ("postgresql://", "postgres://")

Location = Path | str  # a SQLite file, or a PostgreSQL URL (str)
# Any other scheme: `--ledger mysql://u:pw@h/db` was taken for a file path, and its "no such
# ledger" line printed the password.
_OTHER_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class LocationError(EnergybillError):
    """A --ledger or $ENERGYBILL_LEDGER value that names no ledger (the line never shows a password)."""


def is_url(location: str | Path | None) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def default_ledger(project_file: str | Path | None = None) -> Location:
    """Beside the project file (``noor.toml`` → ``noor.ledger.db``); else $ENERGYBILL_LEDGER or
    ``./energybill.ledger.db``."""
    if project_file is not None:
        path = Path(project_file)
        return path.with_name(path.stem + LEDGER_SUFFIX)
    return as_location(os.environ.get(ENV) or DEFAULT_NAME, f"${ENV}")


def as_location(value: str | Path, source: str = "--ledger") -> Location:
    """A URL kept as text, anything else as a path; ``LocationError`` (naming ``source``) for a URL of
    another scheme, a PostgreSQL URL that does not parse, or a path no file can have."""
    if isinstance(value, str) and value.startswith(URL_SCHEMES):
        _check_url(value, source)
        return value
    if isinstance(value, str) and _OTHER_URL.match(value):
        scheme = value.split(":", 1)[0]
        raise LocationError(
            f"{source}: unsupported ledger URL scheme '{scheme}://'; give a SQLite file path or "
            "postgresql://USER@HOST:PORT/DB"
        )
    problem = path_problem(value)
    if problem is not None:
        raise LocationError(f"{source}: {problem}")
    return Path(value)


def _check_url(url: str, source: str) -> None:
    """A PostgreSQL URL that ``urlsplit`` reads, port included (``[::1`` raised ValueError later)."""
    from urllib.parse import urlsplit

    try:
        urlsplit(url).port  # noqa: B018 (parsing the port is the check)
    except ValueError as exc:
        raise LocationError(f"{source}: not a valid PostgreSQL URL ({exc})") from None


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
