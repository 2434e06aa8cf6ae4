"""Catalog look-up errors: one line, with the candidates or the nearest names."""

from __future__ import annotations

from energybill.core.errors import EnergybillError


class CatalogError(EnergybillError):
    """A look-up that is ambiguous, unknown or outside the data (exit code 2 from the CLI)."""

    def __init__(self, message: str, kind: str = "unknown") -> None:
        self.message = message
        self.kind = kind  # "unknown", "ambiguous" or "year": which key a project error points at
        super().__init__(message)
