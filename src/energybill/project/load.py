"""Load a TOML project file into a ``Project``, or raise ``ProjectError`` with one line per problem.

noor.toml: training[2].tokens: must be > 0, got -1
noor.toml: trainig: unknown key; did you mean 'training'?
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from energybill.core.errors import Problem, ProjectError
from energybill.project.calibration import absolute_paths, check_calibrations
from energybill.project.checks import check_catalog, check_references
from energybill.project.model import Inference, Project, Training
from energybill.project.overrides import check_scenarios
from energybill.project.problems import problem_of
from energybill.project.ranges import split_ranges


def load_project(path: str | Path) -> Project:
    """Read, parse and validate a project file; every problem is reported, not only the first."""
    return parse_project(load_raw(path), str(path))


def load_raw(path: str | Path) -> dict[str, Any]:
    """Read and parse a project file's TOML, not yet validated (scenarios change it first)."""
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ProjectError(file, [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise ProjectError(file, [Problem("", "is a folder, not a project file")]) from None
    except OSError as exc:
        raise ProjectError(file, [Problem("", f"cannot be read ({exc.strerror})")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        raise ProjectError(file, [Problem("", message)]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(file, [Problem("", f"invalid TOML: {exc}")]) from None
    if "calibration" in text:  # a record's relative path is relative to this file's folder
        absolute_paths(raw, Path(path).resolve().parent)
    return raw


def parse_project(raw: dict[str, Any], file: str) -> Project:
    """Validate an already-parsed document (also used for scenario overrides).

    Uncertainty ranges (``{low, high}``...) become their point values first (project.ranges).
    """
    raw, _, range_problems = split_ranges(raw)
    if range_problems:
        raise ProjectError(file, range_problems)
    try:
        project = Project.model_validate(raw)
    except ValidationError as exc:
        problems = [problem_of(error) for error in exc.errors()]
        raise ProjectError(file, problems) from None
    problems = check_references(project) + check_scenarios(raw)
    calibrated: tuple[Training | Inference, ...] = (*project.training, *project.inference)
    if any(item.calibration for item in calibrated):
        problems += check_calibrations(project)
    if not problems and project.uses_catalog():  # only then is the catalog imported and read
        problems = check_catalog(project)
    if problems:
        raise ProjectError(file, problems)
    return project
