"""Forgiving look-up by name that never guesses.

An exact name or alias (case- and punctuation-insensitive) wins. Otherwise every word of the query
must start a distinct word of the name ("H100 SXM" finds "NVIDIA H100 SXM5 80GB"); one such entry
is the answer, several are an error that lists them, none is an error with the nearest names.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from energybill.catalog.errors import CatalogError

T = TypeVar("T")
MAX_SHOWN = 8


@functools.cache  # the same few thousand names are compared on every look-up
def _words(text: str) -> tuple[str, ...]:
    text = re.sub(r"(\d)\s+(gb|tb)\b", r"\1\2", text.lower())
    return tuple(re.findall(r"[a-z0-9.]+", text.replace("-", " ").replace("_", " ")))


def words(text: str) -> list[str]:
    """Lower-case words; "80 GB" becomes "80gb" so that "A100 80GB" matches either spelling."""
    return list(_words(text))


@functools.cache
def key(text: str) -> str:
    """The form two names are compared in: their words joined by one space."""
    return " ".join(words(text))


def _starts_all(query: list[str], name: list[str]) -> bool:
    free = list(name)
    for word in query:
        hit = next((w for w in free if w.startswith(word)), None)
        if hit is None:
            return False
        free.remove(hit)
    return True


def find(
    query: str,
    entries: Sequence[T],
    names: Callable[[T], Iterable[str]],
    what: str,
    label: Callable[[T], str],
) -> T:
    """The one entry ``query`` names; ``names(entry)`` gives its name and aliases."""
    wanted = key(query)
    if not wanted:
        raise CatalogError(f"empty {what} name")
    exact = [e for e in entries if any(key(n) == wanted for n in names(e))]
    if len(exact) == 1:
        return exact[0]
    partial = exact or [e for e in entries if any(_starts_all(words(query), words(n)) for n in names(e))]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise CatalogError(
            f"{what} '{query}' is ambiguous: it matches {_listing([label(e) for e in partial])}; "
            "write one of them",
            "ambiguous",
        )
    raise CatalogError(f"unknown {what} '{query}'; {nearest(query, [label(e) for e in entries])}")


def nearest(query: str, labels: list[str]) -> str:
    """``nearest: 'France', 'Finland'`` from difflib, compared on normalised names."""
    by_key = {key(lab): lab for lab in labels}
    close = difflib.get_close_matches(key(query), list(by_key), n=5, cutoff=0.5)
    if not close:
        return "no close name; try `energybill catalog search TEXT`"
    return "nearest: " + ", ".join(f"'{by_key[c]}'" for c in close)


def _listing(labels: list[str]) -> str:
    shown = ", ".join(f"'{lab}'" for lab in labels[:MAX_SHOWN])
    more = len(labels) - MAX_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown
