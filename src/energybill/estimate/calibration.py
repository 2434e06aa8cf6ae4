"""Calibration: a training or inference item uses measured values instead of assumed ones.

``calibration = "<path or id>"`` names a record written by ``energybill bench train|serve``
(``energybill.core.calibration``). A relative path is made absolute against the project file's
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

from energybill.core.bill import ItemBill, Provenance
from energybill.core.calibration import resolve
from energybill.core.errors import EnergybillError
from energybill.core.provenance import Source
from energybill.project.calibration import measured_values
from energybill.project.model import AnyItem, Inference, Training


@dataclass(frozen=True)
class Applied:
    """A record applied to an item: which values it replaced, and where they came from."""

    record_id: str
    path: str
    measured: dict[str, float]
    assumed: dict[str, float | str]
    source: str


def apply_calibration(item: AnyItem) -> tuple[AnyItem, Applied | None]:
    """The item with its record's values in place of the assumed ones (unchanged without one)."""
    if not isinstance(item, Training | Inference) or item.calibration is None:
        return item, None
    path = resolve(item.calibration, Path.cwd())
    try:
        measured, source, record_id = measured_values(item, path)
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
    note = Source("calibration", f"measured: calibration record {applied.record_id}", file=applied.path)
    records = [
        replace(p, sources=(*p.sources, note)) if set(p.inputs) & set(applied.measured) else p
        for p in bill.provenance
    ]
    inputs: dict[str, float | str] = {**applied.measured, "record": applied.path}
    inputs.update({f"assumed_{key}": value for key, value in applied.assumed.items()})
    record = Source("calibration", applied.source, file=applied.path)
    records.insert(
        0, Provenance("details.calibration", "measured values replace assumed ones", inputs, (record,))
    )
    details = {**bill.details, "calibration": applied.record_id}
    return replace(bill, details=details, provenance=tuple(records))
