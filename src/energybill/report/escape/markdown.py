"""Markdown text that cannot break out of where it is put.

A user's string becomes inline text: no line break (so no heading, list or fence can start), no
backtick (three of them opened a fence that swallowed the rest of the report), no brackets (so
``![x](http://…)`` is no remote image and ``[x](…)`` no link), no pipe (tables keep their cells),
no raw HTML, no control or bidi character. Ordinary text (names, ``R&D``, units) is unchanged.
"""

from __future__ import annotations

import re

from energybill.core.text import visible

# Backslash first: the escapes added after it must not be escaped again.
_SPECIAL = re.compile(r"([\\`~|\[\]])")
_LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|[-+*](?=\s|$)|>|\d+[.)](?=\s|$))")


def text(value: object) -> str:
    """Inline Markdown for ``value``: a table cell, a heading's text, a list item, a paragraph."""
    shown = visible(str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    shown = _SPECIAL.sub(r"\\\1", shown)
    shown = shown.replace("<", "&lt;").replace(">", "&gt;")
    # At the start of a line "# ", "- ", "+ ", "* ", ">" or "1. " would make a heading, list or quote.
    return _LINE_START.sub(_inert, shown, count=1)


def _inert(match: re.Match[str]) -> str:
    lead, mark = match.group(1), match.group(2)
    return f"{lead}{mark[:-1]}\\{mark[-1]}" if mark[0].isdigit() else f"{lead}\\{mark}"


def cell(value: object) -> str:
    """A Markdown table cell (the same rules: a cell is inline text)."""
    return text(value)
