"""One pass over a file that does not validate (``energybill validate`` promises every problem).

The tables pydantic rejects (an item, a site, a scenario, an unknown top-level key) are set aside
and the rest is validated again, so that the checks that span tables (references, calibration
records, catalog look-ups, scenarios) still run on it. Their problems keep the key paths of the
whole file (an item's index in the file, not in what is left), and a reference to a table set
aside is not reported again as unknown: that table has its own problem already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from energybill.core.errors import Problem
from energybill.project.model import KINDS

_INDEX = re.compile(r"\b(" + "|".join(KINDS) + r")\[(\d+)\]")


@dataclass
class SetAside:
    """What was set aside of a document, and the file index of every item kept."""

    raw: dict[str, Any]
    indexes: dict[str, list[int]] = field(default_factory=dict)
    sites: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # item names of the items set aside

    def file_path(self, problem: Problem) -> Problem:
        """``problem`` with every ``kind[i]`` of what is left as the file's index."""

        def index(match: re.Match[str]) -> str:
            kind, i = match.group(1), int(match.group(2))
            kept = self.indexes.get(kind)
            return f"{kind}[{kept[i] if kept is not None and i < len(kept) else i}]"

        return Problem(_INDEX.sub(index, problem.path), _INDEX.sub(index, problem.message))

    def about_set_aside(self, problem: Problem) -> bool:
        """Whether ``problem`` is about a table set aside (a path or a quoted name)."""
        named = self.sites | self.names
        return any(f"'{name}'" in problem.message or f".{name}." in problem.path for name in named)


def set_aside(raw: dict[str, Any], locs: list[tuple[str | int, ...]]) -> SetAside:
    """``raw`` without the tables the error locations ``locs`` point into."""
    items: dict[str, set[int]] = {}
    sites: set[str] = set()
    scenarios: set[str] = set()
    top: set[str] = set()
    for loc in locs:
        if not loc:
            continue
        head = str(loc[0])
        if head in KINDS and len(loc) > 1 and isinstance(loc[1], int):
            items.setdefault(head, set()).add(loc[1])
        elif head in ("sites", "scenarios") and len(loc) > 1:
            (sites if head == "sites" else scenarios).add(str(loc[1]))
        else:
            top.add(head)
    out = {key: value for key, value in raw.items() if key not in top or key == "project"}
    if "project" in top:  # [project] is required: a stand-in lets the rest be checked
        out["project"] = {"name": "(invalid [project])"}
    found = SetAside(out, sites=sites)
    for kind, bad in items.items():
        tables = raw.get(kind)
        if not isinstance(tables, list):
            continue
        found.indexes[kind] = [i for i in range(len(tables)) if i not in bad]
        out[kind] = [tables[i] for i in found.indexes[kind]]
        found.names |= {
            str(tables[i]["name"]) for i in bad if isinstance(tables[i], dict) and "name" in tables[i]
        }
    for key, bad_names in (("sites", sites), ("scenarios", scenarios)):
        tables = raw.get(key)
        if isinstance(tables, dict) and bad_names:
            out[key] = {name: table for name, table in tables.items() if name not in bad_names}
    return found


def sort_key(problem: Problem) -> tuple[tuple[int, str, int], ...]:
    """Key paths in order, indexes as numbers (``training[2]`` before ``training[10]``)."""
    parts = re.findall(r"\[(\d+)\]|([^.\[\]]+)", problem.path)
    return tuple((0, "", int(number)) if number else (1, name, 0) for number, name in parts)
