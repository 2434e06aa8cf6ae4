"""A pydantic validation error as a project-file problem: the key path and what is allowed."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from energybill.core.errors import Problem, did_you_mean, path_of
from energybill.project.model import KINDS, Project

_TYPE_NAMES = {
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "string_type": "a string in quotes",
    "model_type": "a table",
    "dict_type": "a table",
}


def problem_of(error: Any) -> Problem:
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
    elif kind in ("less_than", "less_than_equal"):
        sign, bound = ("<", ctx["lt"]) if kind == "less_than" else ("<=", ctx["le"])
        message = f"must be {sign} {bound:,g}, got {got}"
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
