"""Re-bill a project (by default the Noor example) with calibration records, and show the difference.

    python bench/rebill_noor.py --set "Noor 1.3B=out/train-noor-1.3b.json" \\
        --set "Noor 13B serving (prospective)=out/serve-noor-13b.json" --write out/noor-calibrated.toml

Each ``--set "ITEM NAME=RECORD"`` adds ``calibration = "RECORD"`` (absolute) to that item of a copy
of the project file. Prints a Markdown table, assumed against calibrated, for docs/practice.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from energybill.core.bill import Bill
from energybill.estimate.engine import estimate
from energybill.project.load import load_project

ROOT = Path(__file__).resolve().parent.parent


def calibrated_text(text: str, settings: dict[str, Path]) -> str:
    """The project file with a ``calibration`` line after each named item's ``name`` line."""
    for name, record in settings.items():
        pattern = re.compile(rf'^name\s*=\s*"{re.escape(name)}".*$', re.MULTILINE)
        found = pattern.search(text)
        if found is None:
            raise SystemExit(f"rebill_noor: no item named '{name}' in the project file")
        line = f'calibration = "{record.resolve()}"'
        text = text[: found.end()] + "\n" + line + text[found.end() :]
    return text


def table(before: Bill, after: Bill) -> str:
    """Markdown: each billed or calibrated item, then the serving economics and the totals."""
    out = [
        "| item | assumed kWh | calibrated kWh | change | assumed t CO2e | calibrated t CO2e |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for old, new in zip(before.items, after.items, strict=True):
        if old.energy_kwh is None or new.energy_kwh is None:
            continue
        mark = " (calibrated)" if "calibration" in new.details else ""
        out.append(
            f"| {old.name}{mark} | {old.energy_kwh:,.0f} | {new.energy_kwh:,.0f} | "
            f"{_change(old.energy_kwh, new.energy_kwh)} | {old.co2e_kg / 1000:,.2f} | "
            f"{new.co2e_kg / 1000:,.2f} |"
        )
    out.append(
        f"| **total** | {before.totals.energy_kwh:,.0f} | {after.totals.energy_kwh:,.0f} | "
        f"{_change(before.totals.energy_kwh, after.totals.energy_kwh)} | "
        f"{before.totals.co2e_kg / 1000:,.2f} | {after.totals.co2e_kg / 1000:,.2f} |"
    )
    out += ["", "| serving item | quantity | assumed | calibrated |", "|---|---|--:|--:|"]
    for old, new in zip(before.items, after.items, strict=True):
        if old.kind != "inference":
            continue
        for key in ("joules_per_token", "tokens_per_hour", "tokens_to_match_training", "co2e_kg_per_day"):
            if key in old.details and key in new.details:
                out.append(
                    f"| {old.name} | {key} | {float(old.details[key]):,.4g} | "
                    f"{float(new.details[key]):,.4g} |"
                )
    return "\n".join(out) + "\n"


def _change(old: float, new: float) -> str:
    return f"{(new - old) / old:+.1%}" if old else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT / "examples" / "noor.toml")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="ITEM=RECORD")
    parser.add_argument("--write", type=Path, default=None, help="where to write the calibrated copy")
    args = parser.parse_args(argv)
    settings = {}
    for pair in args.settings:
        name, sep, record = pair.rpartition("=")
        if not sep or not name:
            parser.error(f"--set wants 'ITEM NAME=RECORD', got '{pair}'")
        settings[name] = Path(record)
    target = args.write or Path(args.project).with_name(Path(args.project).stem + "-calibrated.toml")
    target.write_text(calibrated_text(args.project.read_text(encoding="utf-8"), settings), encoding="utf-8")
    before, after = estimate(load_project(args.project)), estimate(load_project(target))
    sys.stdout.write(f"calibrated project: {target}\n\n" + table(before, after))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
