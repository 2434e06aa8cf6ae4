"""Text for the terminal: a user's or a remote string can neither open Rich markup (``[/oops]``
crashed ``runs list``; ``[link=…]`` made a link) nor send control or bidi characters."""

from __future__ import annotations

from rich.markup import escape

from energybill.core.text import visible


def markup(text: object) -> str:
    """For a string Rich parses as markup (``console.print(f"…{markup(name)}…")``, table cells)."""
    return escape(visible(text))


def plain(text: object) -> str:
    """For a string printed with ``markup=False`` or ``click.echo``: controls made visible."""
    return visible(text)
