"""Charts for slides, drawn with matplotlib (the ``plot`` extra; imported only here, lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from energybill.core.units import kg_to_tonnes, kwh_to_mwh
from energybill.report.data import ReportData
from energybill.report.escape.plot import label
from energybill.report.numbers import amount, signed
from energybill.report.svg import BASELINE_COLOR, change_color, colors

KINDS = ("phases", "items", "scenarios")


def plot(data: ReportData, kind: str, out: Path | BinaryIO, suffix: str | None = None) -> None:
    """Draw chart ``kind`` of ``data`` into ``out`` (a path, or a binary file with ``suffix``):
    .png, .svg or .pdf."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    draw = {"phases": _phases, "items": _items, "scenarios": _scenarios}[kind]
    figure = draw(plt, data)
    try:
        # A fixed date keeps the SVG and PDF files byte-identical from run to run.
        fmt = (suffix or Path(str(getattr(out, "name", out))).suffix).lower()
        figure.savefig(out, format=fmt.lstrip("."), dpi=150, bbox_inches="tight", metadata=_metadata(fmt))
    finally:
        plt.close(figure)


def _phases(plt: Any, data: ReportData) -> Any:
    """The talk's two pies: energy by phase and CO2e by phase, as donuts; each phase in its own
    colour, the same in every project (``svg.phase_color``)."""
    figure, axes = plt.subplots(1, 2, figsize=(11, 5.2))
    palette = colors([p.name for p in data.phases])
    for ax, key, title in (
        (axes[0], "energy_kwh", f"Energy by phase — {amount(kwh_to_mwh(data.energy_kwh), 2)} MWh"),
        (axes[1], "co2e_kg", f"CO2e by phase — {amount(kg_to_tonnes(data.co2e_kg), 2)} t"),
    ):
        shown = [p for p in data.phases if getattr(p, key) > 0]
        values = [getattr(p, key) for p in shown]
        ax.pie(
            values,
            colors=[palette[p.name] for p in shown],
            autopct=lambda pct: f"{amount(pct, 0)} %" if pct >= 3 else "",
            pctdistance=0.78,
            startangle=90,
            counterclock=False,
            wedgeprops={"width": 0.42, "edgecolor": "white"},
        )
        ax.set_title(title)
    # One legend for both donuts: small slices' labels would overlap around the ring.
    from matplotlib.patches import Patch

    handles = [Patch(color=palette[p.name], label=label(p.name)) for p in data.phases]
    figure.legend(handles=handles, loc="lower center", ncol=min(len(handles), 7), frameon=False)
    figure.suptitle(f"{label(data.project)} — energy bill and carbon footprint", fontweight="bold")
    return figure


def _items(plt: Any, data: ReportData) -> Any:
    """Items ranked by CO2e, largest at the top, coloured by phase (with a legend)."""
    rows = list(reversed(data.ranked))
    palette = colors([p.name for p in data.phases])
    figure, ax = plt.subplots(figsize=(10, 0.38 * len(rows) + 1.4))
    ax.barh([label(r.name) for r in rows], [r.co2e_kg for r in rows], color=[palette[r.phase] for r in rows])
    for index, row in enumerate(rows):
        ax.text(row.co2e_kg, index, f" {amount(row.co2e_kg, 0)}", va="center", fontsize=8)
    from matplotlib.patches import Patch

    shown = dict.fromkeys(r.phase for r in data.ranked)
    handles = [Patch(color=palette[p], label=label(p)) for p in shown]
    ax.legend(handles=handles, loc="lower right", frameon=False)
    ax.set_xlabel("kg CO2e")
    ax.set_title(f"{label(data.project)} — items ranked by CO2e")
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def _scenarios(plt: Any, data: ReportData) -> Any:
    """CO2e of the baseline and each scenario; colour says the sign of the change (green: less
    CO2e than the baseline, vermillion: more, grey: the baseline)."""
    from matplotlib.patches import Patch

    from energybill.report.errors import ReportError
    from energybill.report.svg import COSTLIER_COLOR, SAVING_COLOR

    if not data.scenarios:
        raise ReportError("--kind scenarios: the project file has no [scenarios.*] table")
    baseline = data.scenarios[0].co2e_kg
    rows = list(reversed(data.scenarios))
    figure, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.4))
    ax.barh(
        [label(s.name) for s in rows],
        [s.co2e_kg for s in rows],
        color=[change_color(s.co2e_kg, baseline) for s in rows[:-1]] + [BASELINE_COLOR],
    )
    for index, row in enumerate(rows):
        change = "" if index == len(rows) - 1 else f" ({signed(row.co2e_kg - baseline, 0)})"
        ax.text(row.co2e_kg, index, f" {amount(row.co2e_kg, 0)}{change}", va="center", fontsize=8)
    legend = (("baseline", BASELINE_COLOR), ("less CO2e", SAVING_COLOR), ("more CO2e", COSTLIER_COLOR))
    ax.legend(handles=[Patch(color=c, label=text) for text, c in legend], loc="lower right", frameon=False)
    ax.set_xlabel("kg CO2e")
    ax.set_title(f"{label(data.project)} — scenarios (baseline at the top)")
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def _metadata(suffix: str) -> dict[str, Any]:
    if suffix == ".svg":
        return {"Date": None}
    if suffix == ".pdf":
        return {"CreationDate": None}
    return {}
