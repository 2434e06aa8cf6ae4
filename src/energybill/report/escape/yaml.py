"""YAML scalars for the model card's metadata: double-quoted, every non-printable escaped.

``json.dumps`` gives a double-quoted string YAML reads the same, but with ``ensure_ascii=False``
it leaves C1 controls, DEL, U+2028/U+2029, bidi controls and the BOM raw, which YAML forbids or a
reader misreads; those become ``\\uXXXX`` escapes (valid YAML 1.1 and 1.2). Other text (Arabic,
emoji) stays as it is.
"""

from __future__ import annotations

import json

from energybill.core.text import UNSAFE


def string(value: object) -> str:
    """A YAML double-quoted scalar of ``value``."""
    quoted = json.dumps(str(value), ensure_ascii=False)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
