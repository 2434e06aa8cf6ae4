"""Load a TOML project file into a ``Project``, or raise ``ProjectError`` with one line per problem.

noor.toml: training[2].tokens: must be > 0, got -1
noor.toml: trainig: unknown key; did you mean 'training'?
"""

from __future__ import annotations

import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from energybill.errors import Problem, ProjectError, did_you_mean, path_of
from energybill.project.model import KINDS, Project

_TYPE_NAMES = {
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "string_type": "a string in quotes",
    "model_type": "a table",
    "dict_type": "a table",
}


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
        from energybill.estimate.calibration import absolute_paths

        absolute_paths(raw, Path(path).resolve().parent)
    return raw


def parse_project(raw: dict[str, Any], file: str) -> Project:
    """Validate an already-parsed document (also used for scenario overrides).

    Uncertainty ranges (``{low, high}``...) become their point values first (estimate.ranges).
    """
    from energybill.estimate.ranges import split_ranges
    from energybill.estimate.scenarios import check_scenarios

    raw, _, range_problems = split_ranges(raw)
    if range_problems:
        raise ProjectError(file, range_problems)
    try:
        project = Project.model_validate(raw)
    except ValidationError as exc:
        problems = [_problem(error) for error in exc.errors()]
        raise ProjectError(file, problems) from None
    problems = check_references(project) + check_scenarios(raw)
    if any(item.calibration for item in (*project.training, *project.inference)):
        from energybill.estimate.calibration import check_calibrations

        problems += check_calibrations(project)
    if not problems and project.uses_catalog():  # only then is the catalog imported and read
        from energybill.catalog.resolve import check_project

        problems = check_project(project)
    if problems:
        raise ProjectError(file, problems)
    return project


def check_references(project: Project) -> list[Problem]:
    """Problems that span several tables: unknown sites, duplicate item names, bad compare_with."""
    problems: list[Problem] = []
    sites = list(project.sites)
    seen: dict[str, str] = {}
    for path, item in project.items():
        if item.site is not None and item.site not in project.sites:
            hint = did_you_mean(item.site, sites) if sites else "the file has no [sites.*] table"
            problems.append(Problem(f"{path}.site", f"unknown site '{item.site}'; {hint}"))
        if item.name in seen:
            message = f"duplicate item name '{item.name}' (also {seen[item.name]}); names must be unique"
            problems.append(Problem(f"{path}.name", message))
        seen.setdefault(item.name, path)
    training = [item.name for item in project.training]
    for index, item in enumerate(project.inference):
        if item.compare_with is not None and item.compare_with not in training:
            hint = did_you_mean(item.compare_with, training) if training else "there is no training item"
            message = f"no training item named '{item.compare_with}'; {hint}"
            problems.append(Problem(f"inference[{index}].compare_with", message))
    return problems


def _problem(error: Any) -> Problem:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind: str = error["type"]
    got = _show(error.get("input"))
    ctx = error.get("ctx", {})
    if kind == "missing":
        message = "required, but missing"
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        message = f"unknown key; {did_you_mean(str(loc[-1]), allowed)}"
    elif kind == "greater_than":
        message = f"must be > {ctx['gt']:g}, got {got}"
    elif kind == "greater_than_equal":
        message = f"must be >= {ctx['ge']:g}, got {got}"
        if loc[-1] == "pue":
            message += " (a PUE is total facility energy over IT energy, never below 1)"
    elif kind == "list_type" and len(loc) == 1 and loc[0] in KINDS:
        message = f"must be an array of tables: write [[{loc[0]}]], not [{loc[0]}]"
    elif kind in _TYPE_NAMES:
        message = f"must be {_TYPE_NAMES[kind]}, got {got}"
    elif kind == "finite_number":
        message = f"must be a finite number, got {got}"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    else:
        message = f"{error['msg']}, got {got}"
    return Problem(path_of(loc), message)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}' (a string)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the model accepts at ``loc`` (walks list[...] and dict[str, ...] annotations)."""
    model: Any = Project
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            if not isinstance(part, str) or part not in model.model_fields:
                return []
            model = model.model_fields[part].annotation
        else:  # list[X] takes an index, dict[str, X] a key: step into X
            args = [a for a in typing.get_args(model) if a is not type(None)]
            model = args[-1] if args else None
        if isinstance(model, types.UnionType):
            model = next(a for a in typing.get_args(model) if a is not type(None))
    if isinstance(model, type) and issubclass(model, BaseModel):  # TOML names: "from", not "from_"
        return [field.alias or name for name, field in model.model_fields.items()]
    return []
