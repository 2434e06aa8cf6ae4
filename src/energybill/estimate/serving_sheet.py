"""What the steps of a serving estimate share: the sheet its numbers and their provenance are put
on, the catalog facts an item names, and helpers that work on numbers and on sampled arrays alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from energybill.core.bill import Provenance
from energybill.core.provenance import Source, project

KAPLAN = (
    "Kaplan et al. 2020, Scaling Laws for Neural Language Models, Table 1 (forward pass ≈ 2N FLOP per token)"
)
MEASURED = Source("measured", "measured: given in the project file as a measurement")


@dataclass(frozen=True)
class ServingDevice:
    """A catalog device as serving uses it: TDP, dense BF16 peak (None if unknown), their sources."""

    label: str
    tdp_w: float
    tdp_source: Source
    peak_flops: float | None
    peak_source: Source | None


@dataclass(frozen=True)
class Serving:
    """What an item names in the catalog: its device and its model (parameter counts)."""

    device: ServingDevice | None = None
    model: Any = None  # catalog.models.ModelInfo (not imported here: the catalog loads lazily)


@dataclass
class Sheet:
    """The item's numbers and their provenance, filled step by step."""

    details: dict[str, float | str]
    records: list[Provenance]

    def put(
        self, key: str, value: Any, formula_text: str, inputs: dict[str, Any], sources: tuple[Source, ...]
    ) -> Any:
        self.details[key] = value
        self.records.append(Provenance(f"details.{key}", formula_text, inputs, sources))
        return value

    def given(self, key: str, value: Any) -> Any:
        """A value the project file gives, as it gives it."""
        return self.put(key, value, "given", {key: value}, (project(),))

    def product(self, key: str, left: tuple[str, Any], right: tuple[str, Any]) -> Any:
        """``key = left × right`` of two values from the project file (a volume and its rate)."""
        (a, x), (b, y) = left, right
        return self.put(key, x * y, f"{a} × {b}", {a: x, b: y}, (project(),))


def largest(value: Any) -> Any:
    return value.max() if hasattr(value, "max") else value


def given_or(value: Any, default: float) -> Any:
    """``value`` unless it is None: not ``value or default``, which fails on sampled arrays."""
    return default if value is None else value


def inverse(value: float) -> float:
    """``1 / value``, infinite for a zero-carbon grid; works on numpy arrays too (sampling)."""
    try:
        return 1.0 / value
    except ZeroDivisionError:
        return float("inf")
