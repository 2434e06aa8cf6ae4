"""CSV rows that a spreadsheet cannot run, and that every reader splits the same way.

Formula injection (OWASP, "CSV Injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is prefixed with a single quote, which spreadsheets show as text. Numbers
stay numbers (``-1.5`` is a float, written as is). A cell holding a comma, a quote, ``\\r`` or
``\\n`` is quoted (RFC 4180); the standard library left a bare ``\\r`` unquoted with ``\\n`` lines.
"""

from __future__ import annotations

from collections.abc import Iterable

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE_IF = (",", '"', "\r", "\n")


def neutral(value: str) -> str:
    """A text cell that no spreadsheet evaluates as a formula."""
    return "'" + value if value.startswith(_TRIGGERS) else value


def cell(value: object) -> str:
    """One CSV field: None empty, numbers by ``repr`` (exact when read back), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return repr(value)
    text = neutral(str(value))
    if any(c in text for c in _QUOTE_IF):
        return '"' + text.replace('"', '""') + '"'
    return text


def row(values: Iterable[object]) -> str:
    """One line of CSV, ``\\n``-terminated."""
    return ",".join(cell(v) for v in values) + "\n"
