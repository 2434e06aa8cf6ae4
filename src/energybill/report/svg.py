"""Inline SVG charts for the HTML report: no script, no network, escaped text.

Every function returns markup that is safe to insert as is: text from the project file goes
through ``escape``. Labels and values sit in the HTML around the charts (legends, tables), so a
chart carries only shapes and a <title> tooltip per shape.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from energybill.report.numbers import amount, share

# Okabe & Ito's colour-blind-safe palette (2008), in an order that keeps neighbours distinct.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")

# One colour per phase, the same in every project and every chart (HTML and matplotlib), so that
# "training" is blue on every slide: Okabe & Ito's palette, then Paul Tol's "muted" scheme (2021,
# also colour-blind-safe) for the phases it does not cover. Keys are lower case.
PHASE_COLORS = {
    "training": "#0072B2",
    "fine-tuning": "#44AA99",
    "r&d": "#CC79A7",
    "data processing": "#E69F00",
    "storage": "#56B4E9",
    "transfer": "#332288",
    "evaluation": "#DDCC77",
    "inference": "#009E73",
    "serving": "#009E73",
    "travel": "#D55E00",
    "flights": "#D55E00",
    "other": "#999999",
    "embodied": "#882255",
    "measured": "#999933",
}
# A phase of the user's own naming gets one of these, picked from its name (not its position),
# so it keeps its colour across projects too.
EXTRA_COLORS = ("#AA4499", "#CC6677", "#117733", "#88CCEE", "#661100", "#6699CC", "#F0E442", "#555555")

# Scenarios against the baseline: colour says the sign of the change.
BASELINE_COLOR = "#999999"
SAVING_COLOR = "#009E73"  # less CO2e than the baseline
COSTLIER_COLOR = "#D55E00"  # more CO2e than the baseline
MEASURED_COLORS = ("#56B4E9", "#E69F00")  # estimated, measured


@dataclass(frozen=True)
class Slice:
    """One part of a whole: its label, value and colour."""

    label: str
    value: float
    color: str


def phase_color(name: str) -> str:
    """The colour of phase ``name``: fixed for the usual phases, else chosen by its name's digest
    (stable across runs and projects; Python's ``hash`` of a string is salted per process)."""
    key = name.strip().lower()
    if key in PHASE_COLORS:
        return PHASE_COLORS[key]
    digest = hashlib.sha256(key.encode()).digest()
    return EXTRA_COLORS[digest[0] % len(EXTRA_COLORS)]


def colors(names: Sequence[str]) -> dict[str, str]:
    """The colour of each phase in ``names`` (``phase_color``)."""
    return {name: phase_color(name) for name in names}


def change_color(value: float, baseline: float) -> str:
    """A scenario's colour against the baseline: green for less CO2e, vermillion for more, grey
    for the same."""
    if value < baseline:
        return SAVING_COLOR
    if value > baseline:
        return COSTLIER_COLOR
    return BASELINE_COLOR


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
            f"({share(fraction)})</title></path>"
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


def whisker(p5: float, p50: float, p95: float, estimate: float, title: str) -> Markup:
    """A p5–p95 line with a p50 tick and a dot at the point estimate, on the row's own scale: from 0
    at the left edge to the row's largest value (its p95 or estimate) at the right, so that a small
    phase's spread reads as well as the total's. ``data-scale-max`` holds that value."""
    largest = max(p95, estimate, 0.0)

    def x(value: float) -> float:
        return 2 + (0.0 if largest <= 0 else max(0.0, value) / largest * 96)

    return Markup(
        f'<svg class="whisker" viewBox="0 0 100 16" preserveAspectRatio="none" role="img" '
        f'data-scale-min="0" data-scale-max="{largest!r}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<line x1="2" y1="15" x2="98" y2="15" stroke="#ccc" stroke-width="1"/>'
        f'<line x1="{x(p5):.3f}" y1="8" x2="{x(p95):.3f}" y2="8" stroke="#555" stroke-width="2"/>'
        f'<line x1="{x(p5):.3f}" y1="3" x2="{x(p5):.3f}" y2="13" stroke="#555" stroke-width="1.5"/>'
        f'<line x1="{x(p95):.3f}" y1="3" x2="{x(p95):.3f}" y2="13" stroke="#555" stroke-width="1.5"/>'
        f'<rect x="{x(p50) - 0.8:.3f}" y="2" width="1.6" height="12" fill="#0072B2"/>'
        f'<circle cx="{x(estimate):.3f}" cy="8" r="2.2" fill="#D55E00"/></svg>'
    )
