"""JSON text of a bill-sized document, byte-identical to ``json.dumps(obj, indent=2,
ensure_ascii=False)`` and about twice as fast.

The standard library encodes with C only without ``indent``; with it, a generator per nesting
level in pure Python dominates ``bill --format json`` on a 10,000-item project (issue 11). Here one
recursive function appends to a list and strings go through the C ``encode_basestring``.
NaN and infinities raise ``NotFinite`` (one line on the CLI), as ``allow_nan=False`` would.
Handled types: what the bill's ``to_dict`` produce (dict with str keys, list, tuple, str, int,
float, bool, None); anything else falls back to ``json.dumps`` for its errors.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from energybill.core.errors import EnergybillError

_INF = float("inf")


class NotFinite(EnergybillError):
    """A NaN or an infinity on its way into JSON (strict: ``allow_nan=False``)."""


def dumps(obj: Any, indent: int = 2) -> str:
    """``json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False)``, faster."""
    parts: list[str] = []
    try:
        _encode(obj, 0, indent, parts.append)
    except TypeError:
        return json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False)  # its message
    return "".join(parts)


def _encode(o: Any, level: int, indent: int, append: Any) -> None:
    if isinstance(o, str):
        append(encode_basestring(o))
    elif o is None:
        append("null")
    elif o is True:
        append("true")
    elif o is False:
        append("false")
    elif isinstance(o, int):
        append(int.__repr__(o))
    elif isinstance(o, float):
        append(_float(o))
    elif isinstance(o, dict):
        _container(o, "{", "}", level, indent, append)
    elif isinstance(o, list | tuple):
        _container(o, "[", "]", level, indent, append)
    else:
        raise TypeError(type(o).__name__)


def _container(o: Any, opening: str, closing: str, level: int, indent: int, append: Any) -> None:
    if not o:
        append(opening + closing)
        return
    inner = "\n" + " " * (indent * (level + 1))
    append(opening)
    separator = inner
    if isinstance(o, dict):
        for key, value in o.items():
            if not isinstance(key, str):
                raise TypeError("non-str key")  # json.dumps converts them by its own rules
            append(separator)
            append(encode_basestring(key))
            append(": ")
            _encode(value, level + 1, indent, append)
            separator = "," + inner
    else:
        for value in o:
            append(separator)
            _encode(value, level + 1, indent, append)
            separator = "," + inner
    append("\n" + " " * (indent * level) + closing)


def _float(o: float) -> str:
    if o != o or o in (_INF, -_INF):  # NaN and Infinity are not JSON (RFC 8259): refuse, never emit
        raise NotFinite(f"a number to write is {o!r}, which JSON cannot hold (an input too large?)")
    return float.__repr__(o)


# Ratios that are +inf by definition, not by overflow: tokens per kg CO2e of a zero-carbon grid.
UNBOUNDED = frozenset({"tokens_per_kg_co2e"})


def finite(obj: Any, where: str) -> Any:
    """A copy of ``obj`` for strict JSON: an ``UNBOUNDED`` ratio at +inf becomes None (null);
    any other NaN or infinity raises ``NotFinite`` naming its key path. For the commands that
    compute outside the bill (sweep, plan) before they print a table or JSON."""

    def walk(node: Any, path: str, key: str) -> Any:
        if isinstance(node, float) and (node != node or node in (_INF, -_INF)):
            if key in UNBOUNDED and node == _INF:
                return None
            raise NotFinite(
                f"{where}: overflow: {path or 'a value'} computed as {node!r}, not a finite number; "
                "check the magnitudes of the inputs"
            )
        if isinstance(node, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k), str(k)) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [walk(v, f"{path}[{i}]", key) for i, v in enumerate(node)]
        return node

    return walk(obj, "", "")
