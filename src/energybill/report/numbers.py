"""Number formatting shared by every renderer (terminal, Markdown, HTML, model card, charts, the
CLI's tables): one rule, so that a figure reads the same everywhere.

A figure keeps the decimals its table asks for (``58,993.9`` kWh, ``36.37`` t), and more where
those would hide it: at least ``SIGNIFICANT`` significant digits, so a non-zero value never reads
``0.0`` or ``0`` (``0.00085`` t CO2e per day, ``2.3`` kWh/day).
"""

from __future__ import annotations

import math

SIGNIFICANT = 2  # significant digits a non-zero figure always keeps


def places(value: float, decimals: int = 1, significant: int = SIGNIFICANT) -> int:
    """Decimal places to show ``value`` with: ``decimals``, or more for ``significant`` digits."""
    if value == 0 or not math.isfinite(value):
        return decimals
    magnitude = math.floor(math.log10(abs(value)))  # 0.00085 → -4, 2.3 → 0, 58,993.9 → 4
    return max(decimals, significant - 1 - magnitude, 0)


def amount(value: float | None, decimals: int = 1, significant: int = SIGNIFICANT) -> str:
    """``58,993.9``; ``0.00085`` (never ``0.0`` for a non-zero value); an em dash for no value."""
    if value is None:
        return "—"
    if math.isinf(value):  # tokens or requests per kg CO2e on a zero-carbon grid: unbounded
        return "∞" if value > 0 else "−∞"
    if value == 0:
        value = 0.0  # -0.0 prints as "-0.0"
    return f"{value:,.{places(value, decimals, significant)}f}"


def rounded(value: float, decimals: int = 1) -> float:
    """``value`` rounded as ``amount`` shows it, as a number (for metadata: 0.0042, not 0.0)."""
    return round(value, places(value, decimals))


def signed(value: float, decimals: int = 1) -> str:
    """``+1,234.5``, ``-0.042``, ``0.0``: a change with its sign."""
    return ("+" if value > 0 else "") + amount(value, decimals)


def share(value: float) -> str:
    """``70.4 %``, ``0.9 %``; a small non-zero share keeps a digit (``0.03 %``, never ``0.0 %``)."""
    return f"{amount(value * 100, 1, 1)} %"


def two_figures(value: float) -> str:
    """At least two significant figures, with powers of ten outside 0.001–999,999 (the EU AI Act
    form's style): ``5.8 × 10^22``, ``41``, ``0.0021``."""
    if value == 0 or not math.isfinite(value):
        return amount(value, 0)
    exponent = math.floor(math.log10(abs(value)))
    if -3 <= exponent < 6:
        return amount(value, 0)
    mantissa = value / 10**exponent
    return f"{amount(mantissa, 1)} × 10^{exponent}"


def large(value: float) -> str:
    """``3.19 billion``, ``293,189``: counts of tokens and words as people say them."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if size <= abs(value) < math.inf:
            return f"{value / size:,.2f} {word}"
    return amount(value, 0)

