"""Markdown text that cannot break a table or the document: ``energybill.report.escape.markdown``.
The bill's and the report's Markdown are both rendered from the report model by
``energybill.report.document``."""

from __future__ import annotations

from energybill.report.escape.markdown import cell, text

__all__ = ["cell", "text"]
