"""Where a number comes from, as data: typed source records instead of marked-up text.

A ``Provenance`` (``energybill.core.bill``) holds a tuple of ``Source`` records. Each says what
kind of source it is (a formula's citation, a catalog value, a default the bill assumed, a
measurement, a calibration record, a value the project file gives) with the fields that kind
has: a catalog value carries its value, unit, data year, licence and file; a measurement its
ledger file and run ids. Reports read these fields; none parses text.

``Source.text()`` is the readable form, and ``joined`` the readable form of several, the text
the bill's JSON keeps as ``"source"`` and the reports print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any, Literal, get_args

SourceKind = Literal["formula", "catalog", "default", "measured", "calibration", "project"]
KINDS: tuple[str, ...] = get_args(SourceKind)
SEPARATOR = "; "


@dataclass(frozen=True)
class Source:
    """One source of a number.

    ``kind``:

    - ``formula``: the citation of a formula or method (a paper, a slide, DESIGN.md); ``name`` is it;
    - ``catalog``: a value of the reference catalog; ``name`` is its citation ("OWID/Ember 2024:
      France 40.48 gCO2e/kWh"), with ``value``, ``unit``, ``year``, ``licence`` and ``file``;
    - ``default``: a value the bill assumed because the project file gives none; ``name`` says what;
    - ``measured``: runs of the ledger; ``file`` is the ledger, ``run_ids`` the runs;
    - ``calibration``: a calibration record of ``energybill bench``; ``name`` names it;
    - ``project``: a value the project file gives; ``name`` is its key path ("sites.hpc.pue"), or ""
      when the whole item's inputs are meant.

    ``role`` names the input the source supplies, as the text reads it ("PUE" → "PUE from ...");
    ``note`` is a remark shown in parentheses; ``sep`` is the text put before this source when it
    follows another in ``joined`` ("; " unless the sentence goes on with ", ").
    """

    kind: SourceKind
    name: str
    value: float | None = None
    unit: str | None = None
    year: str | int | None = None
    licence: str | None = None
    file: str | None = None
    run_ids: tuple[str, ...] = ()
    role: str | None = None
    note: str | None = None
    sep: str = SEPARATOR

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"source kind {self.kind!r} is not one of {', '.join(KINDS)}")

    def text(self) -> str:
        """The readable form: ``catalog: <citation> [file, licence]``, ``default: <what>``, ..."""
        return self._text

    @cached_property
    def _text(self) -> str:
        body = self._body()
        if self.note:
            body = f"{body} ({self.note})"
        return f"{self.role} from {body}" if self.role else body

    def citation(self) -> str:
        """A catalog value as the list of catalog values used shows it: ``<citation> [file, licence]``."""
        where = ", ".join(part for part in (self.file, self.licence) if part)
        return f"{self.name} [{where}]" if where else self.name

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: kind and name, then only the fields that are set."""
        return dict(self._dict)

    @cached_property
    def _dict(self) -> dict[str, Any]:
        # computed once per Source: a site's sources are shared by every item billed there
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        for key in ("role", "note", "value", "unit", "year", "licence", "file"):
            value = getattr(self, key)
            if value is not None and value != "":
                out[key] = value
        if self.run_ids:
            out["run_ids"] = list(self.run_ids)
        return out

    def _body(self) -> str:
        if self.kind == "catalog":
            return f"catalog: {self.citation()}"
        if self.kind == "default":
            return f"default: {self.name}"
        if self.kind == "project":
            if self.name:
                return f"project file: {self.name}"
            return "the project file" if self.role else "project file"
        if self.kind == "measured" and self.file:
            return f"ledger {self.file}: {self.name}"
        return self.name


def joined(sources: Iterable[Source]) -> str:
    """The readable text of several sources, each after its ``sep``."""
    out = ""
    for i, source in enumerate(sources):
        out += (source.sep if i else "") + source.text()
    return out


@lru_cache(maxsize=4096)  # the same site's sources are asked for by every item billed there
def supplying(role: str, sources: tuple[Source, ...]) -> tuple[Source, ...]:
    """``sources`` read as where ``role`` comes from: "PUE from <first>; <the others>"."""
    if not sources:
        return sources
    return (replace(sources[0], role=role, sep=SEPARATOR), *sources[1:])


@lru_cache(maxsize=4096)  # a formula's citation is the same Source for every item
def formula(name: str) -> Source:
    """The citation of a formula or method."""
    return Source("formula", name)


def project(name: str = "", *, role: str | None = None, note: str | None = None) -> Source:
    """A value the project file gives (``name``: its key path, "" for the item's inputs)."""
    return Source("project", name, role=role, note=note)


def default(name: str, value: float | None = None, unit: str | None = None) -> Source:
    """A value assumed because the project file gives none; ``name`` says what and why."""
    return Source("default", name, value=value, unit=unit)
