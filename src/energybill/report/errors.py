"""The report's own error, light to import (the CLI loads it at start-up)."""

from __future__ import annotations

from energybill.core.errors import EnergybillError


class ReportError(EnergybillError):
    """A report or chart that cannot be made as asked (one line on stderr, exit code 2)."""
