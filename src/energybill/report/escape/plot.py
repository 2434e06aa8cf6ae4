"""Text for matplotlib: ``$`` would start mathtext (a name such as ``$\\frac`` failed the whole
chart) and control or bidi characters would be drawn or reorder the label."""

from __future__ import annotations

from energybill.core.text import visible


def label(value: object) -> str:
    """A chart title, tick label or legend entry."""
    return visible(value).replace("$", r"\$")
