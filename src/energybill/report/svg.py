"""Inline SVG charts for the HTML report: no script, no network, escaped text.

Every function returns markup that is safe to insert as is: text from the project file goes
through ``escape``. Labels and values sit in the HTML around the charts (legends, tables), so a
chart carries only shapes and a <title> tooltip per shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from energybill.report.numbers import amount

# Okabe & Ito's colour-blind-safe palette (2008), in an order that keeps neighbours distinct.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


@dataclass(frozen=True)
class Slice:
    """One part of a whole: its label, value and colour."""

    label: str
    value: float
    color: str


def colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per name, in order, cycling through the palette."""
    return {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(names)}


def donut(slices: Sequence[Slice], label: str, unit: str, center: str = "", size_px: int = 220) -> Markup:
    """A donut chart: one stroked arc per slice, clockwise from 12 o'clock, with a <title> each."""
    total = sum(s.value for s in slices if s.value > 0)
    parts = [
        f'<svg class="donut" viewBox="0 0 200 200" width="{size_px}" height="{size_px}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
        '<circle cx="100" cy="100" r="80" fill="none" stroke="#eee" stroke-width="36"/>',
    ]
    start = 0.0
    for s in slices:
        if s.value <= 0 or total <= 0:
            continue
        fraction = s.value / total
        parts.append(
            f'<path d="{_arc(start, start + fraction)}" fill="none" stroke="{s.color}" stroke-width="36">'
            f"<title>{escape(s.label)}: {amount(s.value)} {escape(unit)} "
            f"({fraction * 100:.1f} %)</title></path>"
        )
        start += fraction
    if center:
        parts.append(
            f'<text x="100" y="106" text-anchor="middle" font-size="15" font-weight="600" '
            f'fill="#1b1f24">{escape(center)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _arc(start: float, end: float, radius: float = 80.0) -> str:
    """SVG path of a circle arc from ``start`` to ``end`` (fractions of a turn from 12 o'clock).

    Drawn as pieces of at most half a turn, so that a slice of 100 % is still a full ring.
    """

    def point(turn: float) -> str:
        angle = 2 * math.pi * turn
        return f"{100 + radius * math.sin(angle):.3f} {100 - radius * math.cos(angle):.3f}"

    path = [f"M {point(start)}"]
    here = start
    while end - here > 1e-9:
        step = min(0.5, end - here)
        here += step
        path.append(f"A {radius:g} {radius:g} 0 0 1 {point(here)}")
    return " ".join(path)


def hbar(value: float, largest: float, color: str, title: str) -> Markup:
    """One horizontal bar scaled to ``largest``, for a table cell (100 % wide, 14 px high)."""
    width = 0.0 if largest <= 0 else max(0.0, value) / largest * 100
    return Markup(
        f'<svg class="bar" viewBox="0 0 100 14" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<rect x="0" y="1" width="{width:.3f}" height="12" fill="{color}"/></svg>'
    )


def whisker(p5: float, p50: float, p95: float, estimate: float, largest: float, title: str) -> Markup:
    """A p5–p95 line with a p50 tick and a dot at the point estimate, scaled to ``largest``."""

    def x(value: float) -> float:
        return 2 + (0.0 if largest <= 0 else max(0.0, value) / largest * 96)

    return Markup(
        f'<svg class="whisker" viewBox="0 0 100 16" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<line x1="{x(p5):.3f}" y1="8" x2="{x(p95):.3f}" y2="8" stroke="#555" stroke-width="2"/>'
        f'<line x1="{x(p5):.3f}" y1="3" x2="{x(p5):.3f}" y2="13" stroke="#555" stroke-width="1.5"/>'
        f'<line x1="{x(p95):.3f}" y1="3" x2="{x(p95):.3f}" y2="13" stroke="#555" stroke-width="1.5"/>'
        f'<rect x="{x(p50) - 0.8:.3f}" y="2" width="1.6" height="12" fill="#0072B2"/>'
        f'<circle cx="{x(estimate):.3f}" cy="8" r="2.2" fill="#D55E00"/></svg>'
    )
