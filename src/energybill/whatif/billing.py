"""What the what-if layer bills through: variants of one project file, each validated and billed
once (``energybill.pipeline.Pipeline`` is the implementation)."""

from __future__ import annotations

from typing import Any, Protocol

from energybill.core.bill import Bill
from energybill.estimate.site import SiteContext
from energybill.project.overrides import Overrides
from energybill.project.variants import Variant


class Billing(Protocol):
    """Variants of a project file (``layers`` of overrides applied in order) and their bills."""

    raw: dict[str, Any]
    file: str

    def scenario(self, name: str) -> Overrides: ...

    def variant(self, *layers: Overrides) -> Variant: ...

    def bill(self, *layers: Overrides) -> Bill: ...

    def sites(self, *layers: Overrides) -> dict[str, SiteContext]: ...
