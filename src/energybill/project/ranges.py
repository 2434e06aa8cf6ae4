"""Uncertainty ranges in a project file: any number of a site or an item may be a range.

    watts_per_device = { low = 300, high = 400 }               # uniform; point value: midpoint
    watts_per_device = { low = 300, mode = 350, high = 400 }   # triangular; point value: mode
    tflops_per_device = { median = 100, p95 = 130 }            # lognormal; point value: median

The deterministic bill uses the point value; ``energybill bill --samples N`` draws every range
(``energybill.whatif.uncertainty``). Ranges are taken out of the raw TOML dict *before*
validation, so the point values are validated like any number of the file.
"""

from __future__ import annotations

import functools
import math
import typing
from dataclasses import dataclass
from typing import Any

from energybill.core.errors import Problem
from energybill.project.model import KINDS

# z of the 95th percentile of a standard normal: a lognormal's p95 is median × exp(1.6449 σ).
Z_P95 = 1.6448536269514722
_SHAPES: dict[frozenset[str], str] = {
    frozenset({"low", "high"}): "uniform",
    frozenset({"low", "mode", "high"}): "triangular",
    frozenset({"median", "p95"}): "lognormal",
}
_KEYS = frozenset({"low", "mode", "high", "median", "p95"})
ALLOWED = "{low, high} (uniform), {low, mode, high} (triangular) or {median, p95} (lognormal)"


@dataclass(frozen=True)
class Distribution:
    """One uncertain input: its key path, shape and parameters."""

    path: str  # "compute[0].watts_per_device" or "sites.noor-hpc.pue"
    shape: str  # uniform, triangular, lognormal
    params: dict[str, float]

    @property
    def point(self) -> float:
        """The value of the deterministic bill: midpoint, mode or median."""
        p = self.params
        if self.shape == "uniform":
            return (p["low"] + p["high"]) / 2.0
        if self.shape == "triangular":
            return p["mode"]
        return p["median"]

    @property
    def point_rule(self) -> str:
        return {"uniform": "midpoint", "triangular": "mode", "lognormal": "median"}[self.shape]

    @property
    def sigma(self) -> float:
        """Lognormal σ of ln(x), from p95 = median × exp(z95 σ)."""
        return math.log(self.params["p95"] / self.params["median"]) / Z_P95

    def to_dict(self) -> dict[str, Any]:
        return {"shape": self.shape, **self.params, "point": self.point, "point_rule": self.point_rule}


def is_range_table(value: Any) -> bool:
    """A table with a range key (low, mode, high, median, p95): a range, or a wrong one."""
    return isinstance(value, dict) and bool(set(value) & _KEYS)


def parse_range(path: str, table: dict[str, Any]) -> tuple[Distribution | None, Problem | None]:
    """A Distribution, or the Problem that says why the table is not a valid range."""
    shape = _SHAPES.get(frozenset(table))
    if shape is None:
        return None, Problem(path, f"a range is {ALLOWED}; got keys {', '.join(sorted(table))}")
    bad = [k for k, v in table.items() if isinstance(v, bool) or not isinstance(v, int | float)]
    if bad or any(not math.isfinite(float(v)) for v in table.values()):
        return None, Problem(path, f"range bounds must be finite numbers ({', '.join(sorted(table))})")
    params = {k: float(v) for k, v in table.items()}
    message = _check(shape, params)
    if message:
        return None, Problem(path, f"impossible range: {message}")
    return Distribution(path, shape, params), None


def _check(shape: str, p: dict[str, float]) -> str | None:
    if shape == "uniform" and p["low"] > p["high"]:
        return f"low {p['low']:g} > high {p['high']:g}"
    if shape == "triangular" and not p["low"] <= p["mode"] <= p["high"]:
        return f"needs low <= mode <= high, got {p['low']:g}, {p['mode']:g}, {p['high']:g}"
    if shape == "lognormal" and p["median"] <= 0:
        return f"a lognormal median must be > 0, got {p['median']:g}"
    if shape == "lognormal" and p["p95"] < p["median"]:
        return f"p95 {p['p95']:g} < median {p['median']:g}"
    return None


def split_ranges(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Distribution], list[Problem]]:
    """Replace every range in sites and items by its point value; return the copy and the ranges.

    Only fields of ``[sites.*]`` and of item tables are looked at: no other key takes a table.
    The input dict is not changed.
    """
    out = dict(raw)
    found: list[Distribution] = []
    problems: list[Problem] = []
    sites = raw.get("sites")
    if isinstance(sites, dict):
        out["sites"] = {
            name: _split_table(f"sites.{name}", table, found, problems) for name, table in sites.items()
        }
    for kind in KINDS:
        items = raw.get(kind)
        if isinstance(items, list):
            out[kind] = [_split_table(f"{kind}[{i}]", t, found, problems) for i, t in enumerate(items)]
    return out, found, problems


def _split_table(prefix: str, table: Any, found: list[Distribution], problems: list[Problem]) -> Any:
    if not isinstance(table, dict):
        return table
    copy = dict(table)
    for key, value in table.items():
        if not is_range_table(value):
            continue
        dist, problem = parse_range(f"{prefix}.{key}", value)
        if problem is not None:
            problems.append(problem)
            continue
        assert dist is not None
        # a PUE range 0.2–1.8 has a valid midpoint but draws PUEs below 1; the point value still
        # replaces the range, so that the schema judges the rest of the table as usual
        problems += support_problems(prefix, key, dist, value)
        found.append(dist)
        point = dist.point
        # Whole-number keys (devices, batch_size) keep an int point value when it is one.
        copy[key] = int(point) if point.is_integer() and _all_ints(value) else point
    return copy


def _all_ints(table: dict[str, Any]) -> bool:
    return all(isinstance(v, int) for v in table.values())


def support_problems(prefix: str, key: str, dist: Distribution, table: dict[str, Any]) -> list[Problem]:
    """Each end of a range validated with the rules of a point value of ``key`` (same type, same
    bounds, same messages): low and high of a uniform or triangular range (the mode lies between
    them), median and p95 of a lognormal and its p5 (median² / p95, the mirror of p95)."""
    adapter = _adapter(prefix.partition("[")[0].partition(".")[0], key)
    if adapter is None:
        return []
    ends: dict[str, Any] = {k: table[k] for k in ("low", "high", "median", "p95") if k in table}
    if dist.shape == "lognormal":
        median, p95 = dist.params["median"], dist.params["p95"]
        ends["p5"] = median * (median / p95)  # median² / p95 without squaring (1e154² overflows)
    from pydantic import ValidationError

    from energybill.project.problems import problem_of

    problems: list[Problem] = []
    for end, number in ends.items():
        try:
            adapter.validate_python(number)
        except ValidationError as exc:
            error = exc.errors()[0]
            if end == "p5" and error["type"] == "int_type":
                continue  # a whole-number key: its p5 is no draw of its own
            message = problem_of({**error, "loc": (key,)}).message
            problems.append(Problem(f"{prefix}.{key}.{end}", message))
    return problems


@functools.cache
def _adapter(table: str, key: str) -> Any:
    """A pydantic validator of one key of a site or item, with the model's strictness; None if the
    key is not a field (the model reports the unknown key)."""
    from pydantic import ConfigDict, TypeAdapter

    from energybill.project.model import Project, Site

    model: Any = Site if table == "sites" else None
    if table in KINDS:
        annotation = Project.model_fields[table].annotation
        model = typing.get_args(annotation)[0] if annotation is not None else None
    field = model.model_fields.get(key) if model is not None else None
    if field is None or field.annotation is None:
        return None
    annotated: Any = field.annotation
    if field.metadata:
        annotated = typing.Annotated[field.annotation, *field.metadata]
    config = ConfigDict(strict=True, allow_inf_nan=False)
    return TypeAdapter(annotated, config=config)
