"""Load a TOML project file into a ``Project``, or raise ``ProjectError`` with one line per problem.

noor.toml: training[2].tokens: must be > 0, got -1
noor.toml: trainig: unknown key; did you mean 'training'?
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from energybill.core.errors import Problem, ProjectError, path_of
from energybill.core.files import InputFileError, read_input
from energybill.project.calibration import absolute_paths, check_calibrations
from energybill.project.checks import check_catalog, check_currencies, check_references
from energybill.project.model import Inference, Project, Training
from energybill.project.overrides import check_scenarios
from energybill.project.partial import SetAside, set_aside, sort_key
from energybill.project.problems import problem_of
from energybill.project.ranges import split_ranges

BOM = b"\xef\xbb\xbf"
# No key of a project file is deeper than 4 (scenarios.NAME.set.KEY = table); 32 leaves room and
# keeps every recursive walk (overrides, ranges, repr, pydantic) far from Python's recursion limit.
MAX_DEPTH = 32


def load_project(path: str | Path) -> Project:
    """Read, parse and validate a project file; every problem is reported, not only the first."""
    return parse_project(load_raw(path), str(path))


def load_raw(path: str | Path) -> dict[str, Any]:
    """Read and parse a project file's TOML, not yet validated (scenarios change it first)."""
    file = str(path)
    try:  # a regular file of at most 50 MiB, read with one bounded read (a FIFO or /dev/zero: refused)
        data = read_input(path, what="project file")
    except FileNotFoundError:
        raise ProjectError(file, [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise ProjectError(file, [Problem("", "is a folder, not a project file")]) from None
    except InputFileError as exc:
        raise ProjectError(file, [Problem("", exc.reason)]) from None
    except OSError as exc:
        raise ProjectError(file, [Problem("", f"cannot be read ({exc.strerror})")]) from None
    if data.startswith(BOM):  # accepted: editors on Windows write one; TOML itself has no BOM
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        raise ProjectError(file, [Problem("", message)]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(file, [Problem("", f"invalid TOML: {exc}")]) from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        raise ProjectError(file, [Problem("", f"nested too deeply (at most {MAX_DEPTH} levels)")]) from None
    too_deep = deeper_than(raw, MAX_DEPTH)
    if too_deep is not None:
        raise ProjectError(file, [Problem(too_deep, f"nested too deeply (at most {MAX_DEPTH} levels)")])
    if "calibration" in text:  # a record's relative path is relative to this file's folder
        absolute_paths(raw, Path(path).resolve().parent)
    return raw


def parse_project(raw: dict[str, Any], file: str) -> Project:
    """Validate an already-parsed document (also used for scenario overrides).

    Uncertainty ranges (``{low, high}``...) become their point values first (project.ranges). Every
    check runs in one pass (schema, references, calibration records, catalog look-ups, scenarios):
    tables the schema rejects are set aside so that the others are still checked
    (``project.partial``); the problems come sorted by key path.
    """
    points, _, problems = split_ranges(raw)
    try:
        return _checked(Project.model_validate(points), raw, problems, file, None)
    except ValidationError as exc:
        errors = exc.errors()
    ranged = [p.path for p in problems]  # a bad range is one problem, not two ("got a table")
    problems += [
        problem_of(error)
        for error in errors
        if not any(r == (at := path_of(tuple(error["loc"]))) or r.startswith(at + ".") for r in ranged)
    ]
    rest = set_aside(points, [tuple(error["loc"]) for error in errors])
    try:
        project = Project.model_validate(rest.raw)
    except ValidationError:  # what is left still fails: the schema's problems are all there is
        raise ProjectError(file, sorted(problems, key=sort_key)) from None
    return _checked(project, set_aside(raw, [tuple(e["loc"]) for e in errors]).raw, problems, file, rest)


def _checked(
    project: Project, raw: dict[str, Any], problems: list[Problem], file: str, rest: SetAside | None
) -> Project:
    """Run the checks across tables on ``project``; raise with every problem found, sorted."""
    aside = tuple(sorted(rest.sites)) if rest is not None else ()
    found = check_references(project, aside) + check_currencies(project) + check_scenarios(raw)
    calibrated: tuple[Training | Inference, ...] = (*project.training, *project.inference)
    if any(item.calibration for item in calibrated):
        found += check_calibrations(project)
    if project.uses_catalog():  # only then is the catalog imported and read
        found += check_catalog(project)
    if rest is not None:
        found = [rest.file_path(p) for p in found if not rest.about_set_aside(p)]
    problems = problems + found
    if problems:
        raise ProjectError(file, sorted(problems, key=sort_key))
    return project


def deeper_than(value: Any, limit: int) -> str | None:
    """The key path of the first value nested more than ``limit`` levels deep, else None (iterative:
    the check itself cannot overflow the stack)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > limit:
            return path
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
    return None
