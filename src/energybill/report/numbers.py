"""Number formatting shared by every renderer."""

from __future__ import annotations


def amount(value: float | None, decimals: int = 1) -> str:
    """``58,993.9``; an em dash for no value."""
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}"


def share(value: float) -> str:
    """``70.4 %``."""
    return f"{value * 100:.1f} %"


def large(value: float) -> str:
    """``3.19 billion``, ``293,189``: counts of tokens and words as people say them."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{value / size:,.2f} {word}"
    return f"{value:,.0f}"
