"""What-if scenarios: named overrides of a project file, applied to the raw TOML before validation.

A scenario, in the project file or on the command line, is a list of key paths and values:

    [scenarios.france]
    description = "every computation on the French grid"
    relocate = 41.44                     # every compute site: g/kWh (a number) or a catalog region
    [scenarios.france.set]
    "sites.noor-hpc.pue" = 1.1           # sites.<site>.<key>
    "training.Noor 13B.tokens" = 300e9   # <kind>.<item name>.<key>  (or <kind>[<index>].<key>)
    "sites.*.pue" = 1.1                  # * is every site (or every item of a kind)

    energybill bill noor.toml --set sites.noor-hpc.pue=1.1 --relocate 41.44

Overrides are applied to a copy of the raw dict (a copy of each table an override may change; the
values are shared, as an override replaces a value and never changes one in place), then the whole
file is validated again, so an
overridden value is checked exactly like one written in the file. A path that names a missing site
or item is an error; an unknown *key* is reported by the normal validation ("unknown key").
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from energybill.core.errors import Problem, ProjectError, did_you_mean
from energybill.project.checks import check_region, region_pue
from energybill.project.model import KINDS, Project
from energybill.project.problems import problem_of
from energybill.project.ranges import split_ranges

# Sites whose electricity runs computations: the ones --relocate and `relocate` move.
COMPUTE_KINDS = ("compute", "training", "inference")
_INDEXED = re.compile(r"^(?P<kind>[a-z]+)\[(?P<index>\d+)\]\.(?P<key>[A-Za-z_]+)$")


@dataclass(frozen=True)
class Overrides:
    """What to change: key-path assignments, then an optional relocation of every compute site."""

    assignments: tuple[tuple[str, Any], ...] = ()
    relocate: float | str | None = None
    origin: str = "--set "  # how errors name where a path came from: "--set PATH", "scenarios.x.set.PATH"
    labels: tuple[str, ...] = field(default_factory=tuple)

    def __add__(self, other: Overrides) -> Overrides:
        relocate = other.relocate if other.relocate is not None else self.relocate
        return Overrides(
            self.assignments + other.assignments, relocate, other.origin, self.labels + other.labels
        )


def scenario_overrides(raw: dict[str, Any], name: str, file: str) -> Overrides:
    """The overrides of ``[scenarios.NAME]``; a missing name is a one-line error."""
    scenarios = _table(raw.get("scenarios"))
    if name not in scenarios:
        names = list(scenarios)
        hint = did_you_mean(name, names) if names else "the file has no [scenarios.*] table"
        raise ProjectError(file, [Problem(f"scenarios.{name}", f"no such scenario; {hint}")])
    table = scenarios[name]
    if not isinstance(table, dict) or not isinstance(table.get("set") or {}, dict):
        shape = "scenarios.{name}" if not isinstance(table, dict) else f"scenarios.{name}.set"
        raise ProjectError(file, [Problem(shape.format(name=name), "must be a table")])
    assignments = tuple((table.get("set") or {}).items())
    return Overrides(assignments, table.get("relocate"), f"scenarios.{name}.set.", (name,))


def apply(raw: dict[str, Any], overrides: Overrides, file: str) -> dict[str, Any]:
    """A copy of ``raw`` with the overrides applied (``raw`` is not changed); every bad path is reported
    at once."""
    out = tables_copy(raw)
    names = NameIndex(out)
    problems: list[Problem] = []
    for path, value in overrides.assignments:
        try:
            found = assign(out, path, value, names)
        except (TypeError, AttributeError):  # the file's shape is wrong where the path leads
            found = [f"cannot be applied: {_INVALID}"]
        problems += [Problem(f"{overrides.origin}{path}", problem) for problem in found]
    if overrides.relocate is not None:
        try:
            problems += relocate(out, overrides.relocate)
        except (TypeError, AttributeError):
            problems.append(Problem("relocate", f"cannot be applied: {_INVALID}"))
    if problems:
        raise ProjectError(file, problems)
    return out


def check_scenarios(raw: dict[str, Any]) -> list[Problem]:
    """Problems of every ``[scenarios.*]`` table: paths naming a missing site or item, then the values
    of the file it produces, validated like the file itself.

    ``raw`` is a document that validates (``parse_project`` checks the scenarios of a valid file):
    only the tables a scenario changes are validated again, with the key paths of the whole file."""
    problems: list[Problem] = []
    for name, table in _table(raw.get("scenarios")).items():
        if not isinstance(table, dict) or not isinstance(table.get("set") or {}, dict):
            where = f"scenarios.{name}" if not isinstance(table, dict) else f"scenarios.{name}.set"
            problems.append(Problem(where, "must be a table"))
            continue
        trial = tables_copy(raw)
        names = NameIndex(trial)
        found = [
            Problem(f"scenarios.{name}.set.{path}", p)
            for path, value in (table.get("set") or {}).items()
            for p in assign(trial, path, value, names)
        ]
        if table.get("relocate") is not None:
            found += [
                Problem(f"scenarios.{name}.relocate", p.message) for p in relocate(trial, table["relocate"])
            ]
        if not found:
            found = [Problem(f"scenarios.{name}: {p.path}", p.message) for p in _validate(trial, raw)]
        problems += found
    return problems


def _validate(raw: dict[str, Any], base: dict[str, Any]) -> list[Problem]:
    """Problems of a scenario's result, as the file's own would be reported (no recursion into
    scenarios). The tables equal to ``base``'s (a valid document) are valid: only ``[project]`` and
    the sites and items that differ are validated (the model checks no table against another), and
    their problems keep the item indexes of the whole file."""
    doc, indexes = _changed_tables(raw, base)
    if doc is None:
        doc, indexes = {k: v for k, v in raw.items() if k != "scenarios"}, {}
    points, _, problems = split_ranges(doc)
    if problems:
        return [Problem(_file_path(p.path, indexes), p.message) for p in problems]
    try:
        Project.model_validate(points)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            if len(loc) > 1 and loc[0] in indexes and isinstance(loc[1], int):
                error = {**error, "loc": (loc[0], indexes[str(loc[0])][loc[1]], *loc[2:])}
            errors.append(problem_of(error))
        return errors
    return []


def _changed_tables(
    raw: dict[str, Any], base: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, list[int]]]:
    """``[project]`` and the sites and items of ``raw`` that differ from ``base``'s, as a document,
    and for each kind the index in the file of each item kept; None when the two documents are not
    the same tables with other values (then the whole document is validated)."""
    if set(raw) != set(base):
        return None, {}
    doc: dict[str, Any] = {key: value for key, value in raw.items() if key in ("project",)}
    sites, base_sites = raw.get("sites"), base.get("sites")
    if sites is not None:
        if not isinstance(sites, dict) or not isinstance(base_sites, dict) or set(sites) != set(base_sites):
            return None, {}
        doc["sites"] = {name: table for name, table in sites.items() if table != base_sites[name]}
    indexes: dict[str, list[int]] = {}
    for kind in KINDS:
        items, base_items = raw.get(kind), base.get(kind)
        if items is None:
            continue
        if not isinstance(items, list) or not isinstance(base_items, list) or len(items) != len(base_items):
            return None, {}
        kept = [i for i, (item, old) in enumerate(zip(items, base_items, strict=True)) if item != old]
        doc[kind] = [items[i] for i in kept]
        indexes[kind] = kept
    return doc, indexes


def _file_path(path: str, indexes: dict[str, list[int]]) -> str:
    """``compute[0].watts_per_device`` of the changed tables as the file's ``compute[17]...``."""
    kind, bracket, rest = path.partition("[")
    if not bracket or kind not in indexes:
        return path
    index, _, tail = rest.partition("]")
    return f"{kind}[{indexes[kind][int(index)]}]{tail}"


# Keys that are alternatives to each other in the project model: setting one drops the others, so
# that "use 41 g/kWh" on a site that named a region is a replacement, not a contradiction.
_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "carbon_intensity_g_per_kwh": ("region", "year"),
    "region": ("carbon_intensity_g_per_kwh",),
    "watts_per_device": ("device",),
    "device": ("watts_per_device",),
    "seconds_per_token": ("tokens_per_second",),
    "tokens_per_second": ("seconds_per_token",),
}


def tables_copy(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of a project document in which every table an override may change (``[project]``,
    each site, each item) is a copy of its own; the values in them are shared, not copied."""
    out = dict(raw)
    if isinstance(raw.get("project"), dict):
        out["project"] = dict(raw["project"])
    sites = raw.get("sites")
    if isinstance(sites, dict):
        out["sites"] = {name: dict(t) if isinstance(t, dict) else t for name, t in sites.items()}
    for kind in KINDS:
        items = raw.get(kind)
        if isinstance(items, list):
            out[kind] = [dict(t) if isinstance(t, dict) else t for t in items]
    return out


class NameIndex:
    """The item tables of a document by kind and name, built on first use: a path names an item in
    one look-up, not a scan of its kind (many paths stay linear in the file's size)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self._kinds: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def named(self, kind: str, name: str) -> list[dict[str, Any]]:
        if kind not in self._kinds:
            index: dict[str, list[dict[str, Any]]] = {}
            for item in _items(self.raw, kind):
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    index.setdefault(item["name"], []).append(item)
            self._kinds[kind] = index
        return self._kinds[kind].get(name, [])

    def renamed(self, kind: str) -> None:
        self._kinds.pop(kind, None)


def assign(raw: dict[str, Any], path: str, value: Any, names: NameIndex | None = None) -> list[str]:
    """Set ``path`` to ``value`` in ``raw``; return what is wrong with the path (empty if nothing).
    ``names``: an index of ``raw``'s items, kept between the paths of one set of overrides."""
    try:
        targets, key = _targets(raw, path, names or NameIndex(raw))
    except LookupError as exc:
        return [str(exc.args[0])]
    for table in targets:
        _set(table, key, copy.deepcopy(value))
    if key == "name" and names is not None:
        names.renamed(path.partition(".")[0].partition("[")[0])
    return []


def _set(table: dict[str, Any], key: str, value: Any) -> None:
    for alternative in _ALTERNATIVES.get(key, ()):
        table.pop(alternative, None)
    table[key] = value


def _targets(raw: dict[str, Any], path: str, names: NameIndex) -> tuple[list[dict[str, Any]], str]:
    """The tables a path addresses and the key to set in them."""
    indexed = _INDEXED.match(path)
    if indexed:
        items = _items(raw, indexed["kind"])
        index = int(indexed["index"])
        if index >= len(items):
            raise LookupError(f"{indexed['kind']} has {len(items)} items; index {index} is out of range")
        return [_as_table(items[index], f"{indexed['kind']}[{index}]")], indexed["key"]
    head, _, rest = path.partition(".")
    name, _, key = rest.rpartition(".")
    if head == "project" and "." not in rest and rest:
        return [_as_table(raw.setdefault("project", {}), "project")], rest
    if not name or not key:
        raise LookupError(
            "a path is sites.<site>.<key>, <kind>.<item name>.<key>, <kind>[<index>].<key> or project.<key>"
        )
    if head == "sites":
        sites = _as_table(raw.get("sites") or {}, "sites")
        if name == "*":
            return [_as_table(t, f"sites.{n}") for n, t in sites.items()], key
        if name not in sites:
            hint = did_you_mean(name, list(sites)) if sites else "the file has no [sites.*] table"
            raise LookupError(f"no site '{name}'; {hint}")
        return [_as_table(sites[name], f"sites.{name}")], key
    items = _items(raw, head)
    if name == "*":
        return [_as_table(t, f"{head}[{i}]") for i, t in enumerate(items)], key
    chosen = names.named(head, name)
    if not chosen:
        known = [str(item.get("name")) for item in items if isinstance(item, dict)]
        hint = did_you_mean(name, known) if known else f"the file has no [[{head}]] item"
        raise LookupError(f"no {head} item named '{name}'; {hint}")
    return chosen, key


_INVALID = "the file is not a valid project there (energybill validate FILE names the problem)"


def _table(value: Any) -> dict[str, Any]:
    """A table of the document, or an empty one where the file has something else (validation of
    the result reports that; an override must not crash on it)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _as_table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LookupError(f"{where} is not a table in the file; {_INVALID}")
    return value


def _items(raw: dict[str, Any], kind: str) -> list[Any]:
    if kind not in KINDS:
        raise LookupError(f"unknown table '{kind}'; {did_you_mean(kind, ['sites', 'project', *KINDS])}")
    items = raw.get(kind) or []
    return items if isinstance(items, list) else []


def compute_sites(raw: dict[str, Any]) -> list[str]:
    """Names of the sites that compute, training or inference items run on, in file order."""
    used = {
        item.get("site") for kind in COMPUTE_KINDS for item in _list(raw.get(kind)) if isinstance(item, dict)
    }
    sites = _table(raw.get("sites"))
    return [name for name, table in sites.items() if name in used and isinstance(table, dict)]


def relocate(raw: dict[str, Any], target: float | str) -> list[Problem]:
    """Move every compute site to a grid: an intensity in g/kWh, or a catalog region name (written as
    the site's ``region``, which the catalog resolves, replacing any given intensity).

    A site keeps its PUE (the file's, or its cloud provider's) unless the target is a cloud region
    whose provider's PUE the catalog knows: then that one, listed under "Defaults used"."""
    sites = _table(raw.get("sites"))
    if isinstance(target, bool) or not isinstance(target, int | float | str):
        return [Problem("relocate", "must be an intensity in g/kWh (a number) or a region name")]
    target_pue = None
    if isinstance(target, str):  # check the region once, not once per site
        problems = check_region(target)
        if problems:
            return problems
        target_pue = region_pue(target)
    for name in compute_sites(raw):
        site = sites[name]
        if target_pue is not None:  # a cloud region: its provider's PUE, stated as a default
            site.pop("pue", None)
        elif "pue" not in site and isinstance(site.get("region"), str):
            # only the grid moves: a cloud site keeps its provider's PUE, not the 1.0 of a bare grid
            kept = region_pue(site["region"], site.get("year"))
            if kept is not None:
                site["pue"] = kept
        _set(site, "region" if isinstance(target, str) else "carbon_intensity_g_per_kwh", target)
    return []


def parse_assignment(text: str) -> tuple[str, Any]:
    """``--set key.path=value``: the value is read as TOML (1.1, 3e9, true, "x", {low=1, high=2})."""
    import tomllib

    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ValueError(f"--set {text}: write key.path=value, e.g. sites.noor-hpc.pue=1.1")
    try:
        return path, tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return path, value.strip()  # a bare word is a string: --set sites.x.region=FR


def parse_relocate(text: str) -> float | str:
    """``--relocate 41.44`` (g/kWh) or ``--relocate FR`` (a catalog region)."""
    try:
        return float(text)
    except ValueError:
        return text


def cli_overrides(
    raw: dict[str, Any], file: str, scenarios: tuple[str, ...], sets: tuple[str, ...], relocate: str | None
) -> Overrides:
    """The overrides of ``--scenario`` (in order), then ``--set``, then ``--relocate``."""
    total = Overrides()
    for name in scenarios:
        total = total + scenario_overrides(raw, name, file)
    assignments = []
    for text in sets:
        try:
            assignments.append(parse_assignment(text))
        except ValueError as exc:
            raise ProjectError(file, [Problem("", str(exc))]) from None
    labels = tuple(f"--set {t}" for t in sets)
    target = parse_relocate(relocate) if relocate is not None else None
    if target is not None:
        labels += (f"--relocate {relocate}",)
    return total + Overrides(tuple(assignments), target, "--set ", labels)
