"""The what-if side of ``energybill bill``: scenarios and overrides, Monte Carlo, recommendations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from energybill.core.bill import Bill
from energybill.whatif.recommend import Recommendation, recommendations
from energybill.whatif.uncertainty import Intervals


@dataclass(frozen=True)
class BillRun:
    """A bill with its optional intervals and its recommendations, ready to print."""

    bill: Bill
    label: str
    intervals: Intervals | None
    raw: dict[str, Any]  # the file with the overrides applied, for the recommendations
    file: str

    @property
    def advice(self) -> tuple[Recommendation, ...]:
        """The recommendations, worked out only for the formats that show them (not JSON)."""
        return tuple(recommendations(self.raw, self.file, self.bill))

    def json(self) -> dict[str, Any]:
        """DESIGN.md's JSON object; ``intervals`` only with --samples, ``scenario`` only with overrides."""
        data = self.bill.to_dict()
        if self.label != "base":
            data["scenario"] = self.label
        if self.intervals is not None:
            data["intervals"] = self.intervals.to_dict()
        return data

    def markdown(self) -> str:
        from energybill.report.whatif import intervals_markdown, recommendations_markdown

        parts = [f"\nScenario: {self.label}.\n"] if self.label != "base" else []
        if self.intervals is not None:
            parts.append(intervals_markdown(self.bill, self.intervals))
        parts.append(recommendations_markdown(self.advice))
        return "".join(parts)

    def print(self, console: Any) -> None:
        from energybill.report.whatif import print_intervals, print_recommendations

        if self.label != "base":
            console.print(f"[bold]Scenario[/bold]: {self.label}")
        if self.intervals is not None:
            print_intervals(self.bill, self.intervals, console)
        print_recommendations(self.advice, console)


def run_bill(
    file: Path,
    scenarios: tuple[str, ...] = (),
    sets: tuple[str, ...] = (),
    relocate: str | None = None,
    samples: int | None = None,
    seed: int | None = None,
) -> BillRun:
    """Load FILE, apply the overrides, bill it (and sample it), and work out the recommendations."""
    from energybill.estimate.engine import estimate
    from energybill.project.load import load_raw
    from energybill.project.overrides import cli_overrides
    from energybill.project.variants import variant

    raw = load_raw(file)
    overrides = cli_overrides(raw, str(file), scenarios, sets, relocate)
    chosen = variant(raw, str(file), overrides)
    intervals = None
    if samples is not None:
        from energybill.whatif.uncertainty import sample

        bill, intervals = sample(chosen.raw, str(file), samples, seed)
    else:
        bill = estimate(chosen.project)
    from energybill.reconcile.runs import attach_measurements

    bill = attach_measurements(bill, chosen.project, file)  # measured runs, if a ledger exists
    return BillRun(bill, chosen.label, intervals, chosen.raw, str(file))
