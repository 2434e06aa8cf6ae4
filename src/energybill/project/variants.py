"""A variant of a project file: the raw document with overrides applied, and its validated Project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from energybill.project.load import parse_project
from energybill.project.model import Project
from energybill.project.overrides import Overrides, apply


@dataclass(frozen=True)
class Variant:
    """A project file with overrides applied: its raw dict (ranges kept) and validated Project."""

    label: str
    file: str
    raw: dict[str, Any]
    project: Project


def variant(raw: dict[str, Any], file: str, overrides: Overrides | None = None) -> Variant:
    """Apply ``overrides`` to ``raw`` and validate the result like the file itself."""
    overrides = overrides or Overrides()
    if not (overrides.assignments or overrides.relocate is not None):
        label = " + ".join(overrides.labels) or "base"
        return Variant(label, file, raw, parse_project(raw, file))  # checks the scenario tables too
    applied = apply(raw, overrides, file)
    label = " + ".join(overrides.labels)
    # the file's scenario tables were checked with the file; a variant does not check them again
    unchecked = {key: value for key, value in applied.items() if key != "scenarios"}
    return Variant(label, file, applied, parse_project(unchecked, f"{file} [{label}]"))
