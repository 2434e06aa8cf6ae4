"""Characters that must not reach a terminal, a chart or a line of text as they are.

C0 and C1 control characters (escape sequences, carriage returns, backspaces), DEL, the line and
paragraph separators and the bidirectional formatting characters (Trojan Source, CVE-2021-42574:
U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) are shown as ``\\x1b``/``\\u202e`` escapes:
visible, so that a reader sees that a name holds one, and inert. JSON and HTML keep them byte-exact
(the JSON encoder escapes controls itself; HTML renders bidi inside an isolating element).
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Cc (C0, DEL, C1), the line/paragraph separators, bidi controls and the BOM / noncharacters.
UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ufeff\ufff9-\ufffb\ufffe\uffff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """``text`` with every unsafe character replaced by its escape (``"a\\x1b[31m"``); tabs too."""
    value = str(text)
    return UNSAFE.sub(_shown, value) if UNSAFE.search(value) else value


def one_line(text: object) -> str:
    """``visible`` for one line of an error message: a newline in a key cannot split it."""
    return visible(text)


MAX_LINE_CHARS = 1000  # an error line that echoes a 100,000-character value is cut in its middle


def clipped(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """``text``, or its start and end around a note of what was left out: the file and key at the
    start and what is allowed at the end both stay readable."""
    if len(text) <= limit:
        return text
    keep = (limit - 40) // 2
    return f"{text[:keep]} … ({len(text) - 2 * keep:,} characters left out) … {text[-keep:]}"
