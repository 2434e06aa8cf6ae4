"""Markdown text that cannot break a table. The bill's and the report's Markdown are both rendered
from the report model by ``energybill.report.document``."""

from __future__ import annotations


def cell(text: object) -> str:
    """Text for a Markdown table cell: no pipe, backslash, line break or markup can break out of it."""
    value = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return value.replace("<", "&lt;").replace(">", "&gt;")
