"""Values an item leaves out that change its figures: each one a stated default of the bill.

Defaults with a source of their own are stated where they are used (a site's PUE, a catalog
device's host power, a flight's cabin, a serving item's tokens per word, embodied utilisation);
this module states the plain ones (a count of 1, a flag) in one record per item, so that
"Defaults used" lists every assumption (issue 14: no default is silent).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import Source, default
from energybill.project.model import AnyItem, Compute, Inference, Storage, Training, Transfer, Travel

# kind → field → why the default is what it is (the text "Defaults used" shows, after the value)
_WHY: dict[type, dict[str, str]] = {
    Storage: {
        "pue_included": "the W/TB factor is the drives' IT power, so the site's PUE is applied",
    },
    Transfer: {
        "copies": "the data is moved once",
        "pue_included": "published kWh/TB factors are network-wide, so no site PUE is applied",
    },
    Inference: {
        "batch_size": "one request at a time",
        "devices": "one device serves",
    },
    Travel: {
        "round_trip": "one way",
        "travelers": "one traveller",
        "trips": "one trip",
    },
}

NO_HOST = (
    "host power 0 W per device: none given and watts_per_device is not a catalog accelerator's "
    "(a GPU server's host adds about 0.82 × the GPUs' power at full load, NVIDIA DGX H100); "
    "set host_watts_per_device"
)


Assumed = tuple[str, float | str, Source]  # field, value, the default's source


def defaults_of(item: AnyItem) -> list[Assumed]:
    """The plain defaults ``item`` relies on (fields it leaves out), with their sources."""
    given = item.model_fields_set
    out: list[Assumed] = []
    for field, why in _WHY.get(type(item), {}).items():
        if field in given or not _applies(item, field):
            continue
        value: Any = getattr(item, field)
        shown = str(value).lower() if isinstance(value, bool) else f"{value:g}"
        number = None if isinstance(value, bool) else float(value)
        source = default(f"{item.kind}.{field} = {shown}: {why}; set {field}", number)
        out.append((field, shown if number is None else number, source))
    powered = isinstance(item, Compute | Training | Inference)
    whole_node = getattr(item, "power_boundary", None) in ("node", "comprehensive")  # W covers the host
    host_given = "host_watts_per_device" in given or whole_node
    if powered and getattr(item, "device", None) is None and not host_given:
        out.append(("host_watts_per_device", 0.0, default(NO_HOST, 0.0, "W")))
    return out


def _applies(item: AnyItem, field: str) -> bool:
    """Whether a left-out field is used at all (a batch size goes with seconds_per_token; a
    travel item that gives its CO2e directly counts no trips)."""
    if isinstance(item, Inference) and field == "batch_size":
        return item.seconds_per_token is not None
    if isinstance(item, Travel):
        return item.co2e_kg is None
    return True


def with_defaults(bill: ItemBill, item: AnyItem) -> ItemBill:
    """``bill`` with a record of the plain defaults its item relies on (unchanged if none)."""
    assumed = defaults_of(item)
    if not assumed:
        return bill
    inputs = {field: value for field, value, _ in assumed}
    sources = tuple(source for _, _, source in assumed)
    record = Provenance("defaults", "values the project file leaves out", inputs, sources)
    return replace(bill, provenance=(*bill.provenance, record))
