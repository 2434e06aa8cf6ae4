"""Calibration: a training or inference item uses measured values instead of assumed ones.

``calibration = "<path or id>"`` names a record written by ``energybill bench train|serve``
(``energybill.practice.calibration``). A relative path is made absolute against the project file's
folder when the file is read (``load_raw``), and the record is checked when the project is
validated (``parse_project``); a bare id is looked up in the calibration store.

- training: ``tflops_per_device`` ← the record's throughput counted as 6·N per token (the bill's
  ``C = 6·N·D``, so device-hours become tokens × measured seconds per token), and
  ``watts_per_device`` (or a catalog ``device``'s TDP) ← the measured average power of the device.
- inference: ``seconds_per_token`` and ``watts_per_device`` ← the record's row for the item's
  ``batch_size``.

The values written in the item stay as the assumption the record replaced; the bill's provenance
names the record (id, file, device, arch, date, method) and shows both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from energybill.bill import ItemBill, Provenance
from energybill.errors import EnergybillError, Problem
from energybill.project.model import AnyItem, Inference, Project, Training


@dataclass(frozen=True)
class Applied:
    """A record applied to an item: which values it replaced, and where they came from."""

    record_id: str
    path: str
    measured: dict[str, float]
    assumed: dict[str, float | str]
    source: str


def absolute_paths(raw: dict[str, Any], base_dir: Path) -> None:
    """Make each ``calibration`` path of a parsed project file absolute, against the file's folder."""
    for kind in ("training", "inference"):
        items = raw.get(kind)
        if not isinstance(items, list):
            continue
        for item in items:
            reference = item.get("calibration") if isinstance(item, dict) else None
            if isinstance(reference, str) and reference:
                item["calibration"] = str(_path(reference, base_dir)) if _is_path(reference) else reference


def check_calibrations(project: Project) -> list[Problem]:
    """One problem per ``calibration`` whose record is missing, malformed or of the wrong kind."""
    problems: list[Problem] = []
    for kind in ("training", "inference"):
        for index, item in enumerate(getattr(project, kind)):
            if item.calibration is None:
                continue
            try:
                _measured(item, _path(item.calibration, Path.cwd()))
            except ValueError as exc:
                problems.append(Problem(f"{kind}[{index}].calibration", str(exc)))
    return problems


def apply_calibration(item: AnyItem) -> tuple[AnyItem, Applied | None]:
    """The item with its record's values in place of the assumed ones (unchanged without one)."""
    if not isinstance(item, Training | Inference) or item.calibration is None:
        return item, None
    path = _path(item.calibration, Path.cwd())
    try:
        measured, source, record_id = _measured(item, path)
    except ValueError as exc:
        raise EnergybillError(f"{item.kind} item '{item.name}': calibration: {exc}") from None
    assumed: dict[str, float | str] = {
        key: getattr(item, key) for key in (*measured, "device") if getattr(item, key) is not None
    }
    # measured power replaces the catalog device's TDP as well as a given watts_per_device
    update: dict[str, object] = {**measured, "device": None}
    if isinstance(item, Inference):
        update["tokens_per_second"] = None  # the record gives seconds per token at this batch size
    applied = Applied(record_id, str(path), measured, assumed, source)
    return item.model_copy(update=update), applied


def annotate(bill: ItemBill, applied: Applied) -> ItemBill:
    """Name the record in the bill: a provenance entry of its own, and in every record it fed."""
    note = f"; measured: calibration record {applied.record_id}"
    records = [
        replace(p, source=p.source + note) if set(p.inputs) & set(applied.measured) else p
        for p in bill.provenance
    ]
    inputs: dict[str, float | str] = {**applied.measured, "record": applied.path}
    inputs.update({f"assumed_{key}": value for key, value in applied.assumed.items()})
    records.insert(
        0, Provenance("details.calibration", "measured values replace assumed ones", inputs, applied.source)
    )
    details = {**bill.details, "calibration": applied.record_id}
    return replace(bill, details=details, provenance=tuple(records))


def _is_path(reference: str) -> bool:
    from energybill.practice.calibration import is_path

    return is_path(reference)


def _path(reference: str, base_dir: Path) -> Path:
    from energybill.practice.calibration import resolve

    return resolve(reference, base_dir)


def _measured(item: Training | Inference, path: Path) -> tuple[dict[str, float], str, str]:
    """The values a record gives this item, a source line, and the record's id; ValueError if unusable."""
    from energybill.practice.calibration import read_record

    record = read_record(path)
    source = (
        f"calibration record {record.id} ({path}): energybill bench {record.kind}, {record.arch} on "
        f"{record.device}, {record.date}, energy by {record.method}"
        + (" (run stopped early by Ctrl-C)" if record.interrupted else "")
    )
    if isinstance(item, Training):
        if record.kind != "train" or record.tflops_6n_per_device is None:
            raise ValueError(
                f"{path} is a {record.kind} record; a training item needs one from energybill bench train"
            )
        measured = {
            "tflops_per_device": record.tflops_6n_per_device,
            "watts_per_device": record.watts_per_device,
        }
        return measured, source, record.id
    if record.kind != "serve":
        raise ValueError(
            f"{path} is a {record.kind} record; an inference item needs one from energybill bench serve"
        )
    row = record.row(item.batch_size)
    if row is None:
        sizes = ", ".join(str(r.batch_size) for r in record.rows)
        raise ValueError(f"{path} has no measurement at batch_size {item.batch_size}; measured: {sizes}")
    measured = {"seconds_per_token": row.seconds_per_token, "watts_per_device": row.watts_per_device}
    return measured, f"{source}, batch size {row.batch_size}", record.id
