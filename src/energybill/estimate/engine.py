"""Bill a whole project: each item through its kind's function, then phases and totals."""

from __future__ import annotations

from typing import overload

from energybill.core.bill import Bill, ItemBill
from energybill.estimate.compute import estimate_compute
from energybill.estimate.disclosure import disclose
from energybill.estimate.inference import Serving, estimate_inference
from energybill.estimate.other import estimate_other
from energybill.estimate.site import SiteContext, site_contexts
from energybill.estimate.storage import estimate_storage
from energybill.estimate.training import estimate_training
from energybill.estimate.transfer import estimate_transfer
from energybill.estimate.travel import estimate_travel
from energybill.project.model import (
    AnyItem,
    Api,
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
    pairs = project.items()
    bills: list[ItemBill | None] = [None] * len(pairs)
    # serving last: it compares itself with items of any kind (compare_with), billed before it
    for serving in (False, True):
        for index, (_, item) in enumerate(pairs):
            if isinstance(item, Inference) == serving:
                bills[index] = estimate_item(item, sites, items)
                items.append(bills[index])
    return Bill.from_items(project.project.name, [bill for bill in bills if bill is not None])


class Billed(list[ItemBill]):
    """The bills of a project's items so far, its training items indexed by name as they come (an
    inference item looks its training item up by name, not by a scan: billing stays linear)."""

    def __init__(self) -> None:
        super().__init__()
        self.training: dict[str, ItemBill] = {}
        self.by_name: dict[str, ItemBill] = {}  # every item (the latest of a name: a sampled bill
        # replaces the point bill it was pre-filled with)
        self._largest: tuple[ItemBill | None] | None = None  # cached until the next training item

    def append(self, bill: ItemBill | None) -> None:
        assert bill is not None
        super().append(bill)
        self.by_name[bill.name] = bill
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
    from energybill.estimate.defaults import with_defaults

    item, applied = apply_calibration(item)
    estimated = with_defaults(_estimate_item(item, sites, earlier), item)
    bill = disclose(item, estimated, sites.get(item.site or ""))
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
    if isinstance(item, Compute | Training) and item.device is not None:
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
        case Inference() if item.device is not None:
            from energybill.estimate.devices import with_default_host  # imports the catalog

            reference = _reference(item, earlier)
            return with_default_host(
                item, lambda it: estimate_inference(it, _needed(site), reference, serving_of(it))
            )
        case Inference():
            return estimate_inference(item, _needed(site), _reference(item, earlier), serving_of(item))
        case Api():
            from energybill.estimate.api import estimate_api  # imports EcoLogits

            return estimate_api(item)
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


def _reference(item: Inference, earlier: list[ItemBill]) -> tuple[ItemBill, ...]:
    """The items to compare serving with: the named ones (any kind with energy), else the most
    energy-hungry training item; () when none is billed (yet)."""
    names = item.compared
    if isinstance(earlier, Billed):
        if names:
            found = tuple(earlier.by_name[n] for n in names if n in earlier.by_name)
            return found if len(found) == len(names) else ()
        largest = earlier.largest()
        return () if largest is None else (largest,)
    if names:
        by_name = {bill.name: bill for bill in earlier}
        return tuple(by_name[n] for n in names) if all(n in by_name for n in names) else ()
    training = [bill for bill in earlier if bill.kind == "training"]
    largest = max(training, key=lambda bill: bill.energy_kwh or 0.0, default=None)
    return () if largest is None else (largest,)


def serving_of(item: Inference) -> Serving:
    """The catalog facts an inference item names: its device (TDP, peak FLOP/s), its model."""
    device = model = None
    if item.device is not None:
        from energybill.estimate.devices import serving_device  # imports the catalog

        device = serving_device(item.device)
    if item.model is not None:
        from energybill.catalog.models import model_info

        model = model_info(item.model)
    return Serving(device, model)
