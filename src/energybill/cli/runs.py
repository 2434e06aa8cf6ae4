"""``energybill runs list|show|export``: the measured runs of a ledger."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from energybill.cli.ledger_help import LEDGER_HELP
from energybill.cli.options import LIMIT, OFFSET, file_path
from energybill.report.numbers import amount

if TYPE_CHECKING:
    from rich.console import Console, JustifyMethod

    from energybill.ledger.store import Ledger

    _FloatParam = click.ParamType[float]  # typed by its value in click's stubs
else:
    _FloatParam = click.ParamType  # not subscriptable at run time before click 8.2

LEDGER = click.option("--ledger", metavar="FILE|URL", help=LEDGER_HELP)
PROJECT = click.option("--project", "project_file", type=file_path(),
                       help="Project file whose ledger (<project>.ledger.db beside it) to read.")

PAGE = 50  # runs per page of `runs list`
STATUSES = ("running", "completed", "failed", "interrupted")  # ledger.store.STATUSES (no sqlite at --help)
_AGO_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class _When(_FloatParam):
    """A time: unix seconds, ISO 8601 (UTC if no offset), or an age such as 90m, 12h, 7d (ago)."""

    name = "when"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        import math
        import re
        import time

        text = str(value).strip()
        ago = re.fullmatch(r"([0-9]{1,7}(?:\.[0-9]+)?)([smhdw])", text)
        try:
            if ago:
                return time.time() - float(ago.group(1)) * _AGO_S[ago.group(2)]
            if re.fullmatch(r"[0-9]{1,12}(?:\.[0-9]+)?", text):
                unix_s = float(text)
            else:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
                unix_s = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
        except (ValueError, OverflowError, OSError):
            unix_s = math.nan
        if not math.isfinite(unix_s):
            self.fail(f"{text[:40]!r}: give unix seconds, ISO 8601 (2026-11-20T08:00:00Z) or an age "
                      "such as 90m, 12h, 7d", param, ctx)
        return unix_s


def _tag_pairs(pairs: tuple[str, ...]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair[:60]!r}: give KEY=VALUE, e.g. experiment=lr-sweep",
                                     param_hint="--tag")
        out[key.strip()] = value
    return out or None


def _tags_text(tags: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags.items())

CSV_COLUMNS = ("id", "name", "project", "item", "site", "status", "exit_code", "host", "started_utc",
               "duration_s", "energy_j", "energy_kwh", "peak_power_w", "average_power_w",
               "gpu_j", "cpu_j", "dram_j", "ram_j", "methods", "command")


@click.group()
def runs() -> None:
    """The measured runs recorded by `energybill measure` and `energybill.track(..., ledger=)`.

    \b
    Examples:
        energybill runs list --project noor.toml
        energybill runs show 3f2a9c --ledger runs.db
        energybill runs export --project noor.toml > runs.csv
        energybill runs export --format json --project noor.toml > runs.json
    """


def _ledger(ledger: str | None, project_file: Path | None) -> Ledger:
    from energybill.ledger.paths import resolve
    from energybill.ledger.store import Ledger

    return Ledger(resolve(ledger, project_file), create=False)


@runs.command("list")
@LEDGER
@PROJECT
@click.option("--item", help="Only the runs of this project item.")
@click.option("--project-name", help="Only the runs of this project (its [project].name).")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE",
              help="Only runs with this tag (repeat: all of them), e.g. --tag experiment=lr-sweep.")
@click.option("--user", help="Only the runs of this user (login name of the process that recorded it).")
@click.option("--host", help="Only the runs recorded on this host.")
@click.option("--status", type=click.Choice(STATUSES), help="Only runs in this state.")
@click.option("--since", type=_When(), metavar="WHEN",
              help="Only runs started at or after WHEN: unix seconds, ISO 8601 (UTC if no offset), "
              "or a time ago such as 90m, 12h, 7d.")
@click.option("--until", type=_When(), metavar="WHEN", help="Only runs started before WHEN (same forms).")
@click.option("--limit", type=LIMIT, default=PAGE, show_default=True,
              help="Show at most this many runs.")
@click.option("--offset", type=OFFSET, default=0, show_default=True,
              help="Skip this many runs first (oldest first).")
@click.option("--all", "show_all", is_flag=True, help="Show every run (no --limit).")
def list_runs(ledger: str | None, project_file: Path | None, item: str | None, project_name: str | None,
              tags: tuple[str, ...], user: str | None, host: str | None, status: str | None,
              since: float | None, until: float | None, limit: int, offset: int, show_all: bool) -> None:
    """List runs, oldest first: status, duration, energy, tags, and the method behind each figure.

    A page at a time (--limit, --offset): a ledger may hold 100,000 runs. Filters (all must
    match): --item, --project-name, --tag, --user, --host, --status, --since, --until.

    \b
    Examples:
        energybill runs list --ledger postgresql://me@db.lab/energy --tag experiment=lr-sweep
        energybill runs list --project noor.toml --user ana --since 7d --status failed
    """
    from rich.table import Table

    from energybill.ledger.store import RunFilter

    where = RunFilter(project=project_name, item=item, tags=_tag_pairs(tags), user=user, host=host,
                      status=status, since_unix=since, until_unix=until)
    store = _ledger(ledger, project_file)
    rows = store.runs(limit=None if show_all else limit, offset=offset, where=where)
    methods = store.methods_by_run([row.id for row in rows])  # one query, not one per run
    from energybill.report.escape.terminal import markup as escape

    run_tags = store.tags_for([row.id for row in rows])
    table = Table(title=f"Runs in {escape(store.path)}", title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("Id", "left"), ("Name", "left"), ("Item", "left"), ("Status", "left"), ("Started (UTC)", "left"),
        ("Duration (s)", "right"), ("Energy (Wh)", "right"), ("Avg W", "right"), ("Methods", "left"),
        ("Tags", "left"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)
    for row in rows:
        # every string of a run is a user's or a remote one: escaped (a name "[/oops]" crashed Rich)
        table.add_row(escape(row.id), escape(row.name), escape(row.item or ""), escape(row.status),
                      _utc(row.started_unix), f"{row.duration_s:,.1f}", _wh(row.energy_j),
                      _avg(row.energy_j, row.duration_s),
                      escape(", ".join(sorted(methods[row.id])) or "no device"),
                      escape(_tags_text(run_tags[row.id])))
    console = _console()
    console.print(table)
    more = 0 if show_all else store.count(where=where) - offset - len(rows)
    if more > 0:
        console.print(f"{more:,} more — use --limit/--offset or --all", markup=False, highlight=False)


@runs.command()
@click.argument("run_id")
@LEDGER
@PROJECT
@click.option("--json", "as_json", is_flag=True, help="Print the run, its devices and samples as JSON.")
def show(run_id: str, ledger: str | None, project_file: Path | None, as_json: bool) -> None:
    """Show one run (an id or a unique prefix): devices, methods, sources, samples, notes."""
    store = _ledger(ledger, project_file)
    row = store.run(run_id)
    devices = store.devices(row.id)
    if as_json:
        import json
        from dataclasses import asdict

        samples = store.samples(row.id)
        click.echo(json.dumps({"run": asdict(row), "tags": store.tags(row.id), "devices": devices,
                               "samples": samples}, indent=2))
        return
    from energybill.report.escape.terminal import markup as escape
    from energybill.report.escape.terminal import plain

    console = _console()
    console.print(f"[bold]{escape(row.name)}[/bold]  {escape(row.id)}  [bold]{escape(row.status)}[/bold]"
                  + (f" (exit code {row.exit_code})" if row.exit_code is not None else ""))
    for label, value in (("project / item", f"{row.project or '—'} / {row.item or '—'}"),
                         ("site", row.site or "—"), ("command", row.command or "—"),
                         ("host / pid", f"{row.host} / {row.pid}"), ("user", row.user_name or "—"),
                         ("tags", _tags_text(store.tags(row.id)) or "—"),
                         ("started", _utc(row.started_unix)),
                         ("duration", f"{row.duration_s:,.2f} s"), ("energy", f"{_wh(row.energy_j)} Wh"),
                         ("average power", f"{_avg(row.energy_j, row.duration_s)} W"),
                         ("peak power", _watts(row.peak_power_w)),
                         ("samples", f"{store.sample_count(row.id)} every {row.interval_s:g} s")):
        console.print(f"  {label:<15} {plain(value)}", markup=False, highlight=False)
    for d in devices:
        device = f"{d['label']} [{d['component']}, {d['method']}]"
        console.print(plain(f"  • {device}: {amount(d['energy_j'], 1)} J — {d['source']}"),
                      markup=False, highlight=False)
    for note in filter(None, row.notes.split("\n")):
        console.print(f"  note: {plain(note)}", markup=False, highlight=False)


@runs.command()
@LEDGER
@PROJECT
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="csv: one row per run; json: the same fields per run, with its devices.  [default: csv]")
@click.option("--csv", "as_csv", is_flag=True, help="Same as --format csv (kept for scripts).")
@click.option("-o", "--output", type=file_path(dir_okay=False), default=None,
              help="Write here (written whole, then renamed into place).  [default: stdout]")
def export(ledger: str | None, project_file: Path | None, fmt: str | None, as_csv: bool,
           output: Path | None) -> None:
    """Export every run: energy per component, methods, status, times (UTC).

    CSV text cells that a spreadsheet would run as a formula (=, +, -, @, tab) are prefixed with '.

    \b
    Examples:
        energybill runs export --project noor.toml > runs.csv
        energybill runs export --format json --ledger runs.db -o runs.json
    """
    from energybill.core.files import refuse_inputs, write_output

    if as_csv and fmt == "json":
        raise click.BadParameter("--csv and --format json contradict each other: give one",
                                 param_hint="--csv")
    store = _ledger(ledger, project_file)
    inputs: list[tuple[str, str | Path]] = [("ledger", store.path)]
    if project_file is not None:
        inputs.append(("project file", project_file))
    if output is not None:  # before the ledger is read: -o onto the ledger truncated it
        refuse_inputs(output, inputs, "-o")
    rows = store.runs()
    devices = store.devices_for([row.id for row in rows])  # one connection, not one per run
    text = _json(rows, devices) if fmt == "json" else _csv(rows, devices)
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
    else:
        write_output(output, text, inputs, "-o", "the export")


def _csv(rows: list[Any], devices: dict[str, list[dict[str, Any]]]) -> str:
    from energybill.report.escape import csv as csv_escape

    lines = [csv_escape.row(CSV_COLUMNS)]
    for row in rows:
        values = _csv_row(row, devices[row.id])
        lines.append(csv_escape.row(values[column] for column in CSV_COLUMNS))
    return "".join(lines)


def _json(rows: list[Any], devices: dict[str, list[dict[str, Any]]]) -> str:
    """The CSV's fields of each run (numbers as numbers, missing ones null), with its devices."""
    from energybill.core.jsontext import dumps

    runs_out = [{**_csv_row(row, devices[row.id]), "devices": devices[row.id]} for row in rows]
    return dumps({"runs": runs_out}) + "\n"


def _csv_row(row: Any, devices: list[dict[str, Any]]) -> dict[str, Any]:
    from energybill.core.units import j_to_kwh

    by_component: dict[str, float] = {}
    for d in devices:
        by_component[d["component"]] = by_component.get(d["component"], 0.0) + d["energy_j"]
    out = {k: getattr(row, k) for k in ("id", "name", "project", "item", "site", "status", "exit_code",
                                        "host", "duration_s", "energy_j", "peak_power_w", "command")}
    out["started_utc"] = _utc(row.started_unix)
    out["energy_kwh"] = None if row.energy_j is None else j_to_kwh(row.energy_j)
    has_energy = row.energy_j is not None and row.duration_s > 0
    out["average_power_w"] = row.energy_j / row.duration_s if has_energy else None
    for component in ("gpu", "cpu", "dram", "ram"):
        out[f"{component}_j"] = by_component.get(component)  # empty, not 0, where nothing was read
    out["methods"] = ";".join(f"{d['device_id']}={d['method']}" for d in devices)
    return out


def print_summary(result: Any, run_id: str | None, ledger: Path | str | None, intensity: float | None,
                  pue: float) -> None:
    """The closing lines of `energybill measure`, on stderr (stdout belongs to the command)."""
    from rich.console import Console

    from energybill.report.escape.terminal import markup as escape
    from energybill.report.escape.terminal import plain

    console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 120)
    shown = result.name if len(result.name) <= 200 else result.name[:200] + "…"  # the ledger keeps it whole
    name = escape(shown)
    shown_id = run_id or "(not recorded)"
    console.print(f"[bold]energybill[/bold]: run {shown_id} '{name}' — {result.duration_s:,.2f} s, "
                  f"{_wh(result.energy_j)} Wh, average {_avg(result.energy_j, result.duration_s)} W, "
                  f"peak {_watts(result.peak_power_w)}", markup=True)
    if result.devices and not result.measured:
        console.print("  some figures are modelled, not measured (no readable sensor): see the notes",
                      markup=False)
    for d in result.devices:
        label = f"{d.device.label} [{d.device.component}, {d.device.method}]"
        console.print(f"  {plain(label)}: {amount(d.energy_j, 1)} J", markup=False)
    if not result.devices:
        console.print("  no device could be read: no energy figure (not zero)", markup=False)
    if intensity is not None and result.energy_kwh is not None:
        console.print(f"  CO2e at the site: {amount(result.co2e_kg(intensity, pue) * 1000, 2)} g "
                      f"(PUE {pue:g}, {intensity:g} g/kWh)", markup=False)
    for note in result.notes:
        console.print(f"  note: {plain(note)}", markup=False)
    from energybill.ledger.paths import display

    where = f"recorded in {display(ledger)}" if ledger is not None else "not recorded (see the warning above)"
    console.print(f"  {where}", markup=False)


def _wh(energy_j: float | None) -> str:
    from energybill.core.units import j_to_wh

    return amount(None if energy_j is None else j_to_wh(energy_j), 3)


def _avg(energy_j: float | None, duration_s: float) -> str:
    return amount(None if energy_j is None or duration_s <= 0 else energy_j / duration_s, 1)


def _watts(power_w: float | None) -> str:
    return "—" if power_w is None else f"{amount(power_w, 1)} W"


def _utc(unix_s: float | None) -> str:
    return "" if unix_s is None else datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _console() -> Console:
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=140)
