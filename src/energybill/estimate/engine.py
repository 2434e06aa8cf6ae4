"""Bill a whole project: each item through its kind's function, then phases and totals."""

from __future__ import annotations

from typing import overload

from energybill.core.bill import Bill, ItemBill
from energybill.estimate.compute import estimate_compute
from energybill.estimate.inference import estimate_inference
from energybill.estimate.other import estimate_other
from energybill.estimate.site import SiteContext, site_contexts
from energybill.estimate.storage import estimate_storage
from energybill.estimate.training import estimate_training
from energybill.estimate.transfer import estimate_transfer
from energybill.estimate.travel import estimate_travel
from energybill.project.model import (
    AnyItem,
    Compute,
    Embodied,
    Inference,
    Other,
    Project,
    Storage,
    Training,
    Transfer,
    Travel,
)


def estimate(project: Project) -> Bill:
    """The bill of a validated project (see ``energybill.load_project``)."""
    sites = site_contexts(project)
    items = Billed()
    for _, item in project.items():
        items.append(estimate_item(item, sites, items))
    return Bill.from_items(project.project.name, items)


class Billed(list[ItemBill]):
    """The bills of a project's items so far, its training items indexed by name as they come (an
    inference item looks its training item up by name, not by a scan: billing stays linear)."""

    def __init__(self) -> None:
        super().__init__()
        self.training: dict[str, ItemBill] = {}
        self._largest: tuple[ItemBill | None] | None = None  # cached until the next training item

    def append(self, bill: ItemBill) -> None:
        super().append(bill)
        if bill.kind == "training":
            self.training.setdefault(bill.name, bill)  # the first of a name, as a scan finds it
            self._largest = None

    def largest(self) -> ItemBill | None:
        """The most energy-hungry training item so far (the first of equals)."""
        if self._largest is None:
            found = max(self.training.values(), key=lambda bill: bill.energy_kwh or 0.0, default=None)
            self._largest = (found,)
        return self._largest[0]


def estimate_item(item: AnyItem, sites: dict[str, SiteContext], earlier: list[ItemBill]) -> ItemBill:
    """One item's bill; ``earlier`` are the bills before it (serving compares with training).
    Measured values from a calibration record (if the item names one) replace assumed ones."""
    from energybill.estimate.calibration import annotate, apply_calibration

    item, applied = apply_calibration(item)
    bill = _estimate_item(item, sites, earlier)
    return bill if applied is None else annotate(bill, applied)


@overload
def resolved(item: Training) -> Training: ...
@overload
def resolved(item: Inference) -> Inference: ...
@overload
def resolved(item: AnyItem) -> AnyItem: ...
def resolved(item: AnyItem) -> AnyItem:
    """``item`` with the values its bill uses: a calibration record's measurements, a catalog device's
    TDP. For tools that reuse an item's inputs outside the bill (sweep, plan)."""
    from energybill.estimate.calibration import apply_calibration

    item, _ = apply_calibration(item)
    if isinstance(item, Compute | Training | Inference) and item.device is not None:
        from energybill.estimate.devices import with_tdp  # imports the catalog

        item, _ = with_tdp(item)
    return item


def _estimate_item(item: AnyItem, sites: dict[str, SiteContext], earlier: list[ItemBill]) -> ItemBill:
    site = sites[item.site] if item.site is not None else None
    if isinstance(item, Compute | Training | Inference) and item.device is not None:
        from energybill.estimate.devices import with_catalog_device  # imports the catalog

        return with_catalog_device(item, lambda resolved: _estimate_item(resolved, sites, earlier))
    match item:
        case Storage():
            return estimate_storage(item, _needed(site))
        case Transfer():
            return estimate_transfer(item, _needed(site))
        case Compute():
            return estimate_compute(item, _needed(site))
        case Training():
            return estimate_training(item, _needed(site))
        case Inference():
            return estimate_inference(item, _needed(site), _reference(item, earlier))
        case Travel() if item.uses_catalog():
            from energybill.estimate.flights import estimate_flight  # imports the catalog

            return estimate_flight(item)
        case Travel():
            return estimate_travel(item)
        case Other():
            return estimate_other(item, site)
        case Embodied():
            from energybill.estimate.embodied import estimate_embodied

            return estimate_embodied(item)
    raise TypeError(f"no estimator for {type(item).__name__}")


def _needed(site: SiteContext | None) -> SiteContext:
    """The site of an item kind that always has one (``Item._site_given`` checked it at load)."""
    assert site is not None
    return site


def _reference(item: Inference, earlier: list[ItemBill]) -> ItemBill | None:
    """The training item to compare serving with: the named one, else the most energy-hungry."""
    if isinstance(earlier, Billed):
        if item.compare_with is not None:
            return earlier.training[item.compare_with]
        return earlier.largest()
    training = [bill for bill in earlier if bill.kind == "training"]
    if item.compare_with is not None:
        return next(bill for bill in training if bill.name == item.compare_with)
    return max(training, key=lambda bill: bill.energy_kwh or 0.0, default=None)
