"""Read the catalog's JSON tables from the package, each on first use and only once."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, cast

TABLES = ("grid", "cloud", "hardware", "cpus", "airports", "flights", "embodied", "water", "sources")
_LOADED: list[str] = []


@functools.cache
def table(name: str) -> Any:
    """The parsed table ``name`` (one of ``TABLES``)."""
    if name not in TABLES:
        raise KeyError(name)
    text = resources.files("energybill.catalog").joinpath("data", f"{name}.json").read_text("utf-8")
    _LOADED.append(name)
    return json.loads(text)


def loaded() -> list[str]:
    """Names of the tables read so far in this process, in order (tests of lazy loading use it)."""
    return list(_LOADED)


def source(key: str) -> dict[str, str]:
    """A source's record: title, short name, file, licence, year, url, credit."""
    return cast(dict[str, str], table("sources")[key])  # JSON: sources.json maps keys to string records
