"""``energybill measure -- CMD``: run a command, measure its energy, record it in the ledger."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from energybill.cli.ledger_help import LEDGER_HELP
from energybill.cli.live import check_exporter, prometheus_options, start_exporter
from energybill.cli.options import Finite, file_path
from energybill.core.errors import EnergybillError, Problem, ProjectError
from energybill.ledger.paths import display

if TYPE_CHECKING:
    from energybill.core.records import Measurement
    from energybill.measure.api import Run


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--project", "project_file", type=file_path(),
              help="Project file the run belongs to; the ledger defaults to <project>.ledger.db beside it.")
@click.option("--item", help="Name of the project item this run measures (a new name bills it on its own).")
@click.option("--site", help="Site the run used (PUE, carbon intensity); default: the item's site.")
@click.option("--name", help="Name of the run.  [default: the item, else the command]")
@click.option("--interval", "interval_s", type=Finite(min=0.01, max=3600), default=1.0, show_default=True,
              help="Seconds between samples and ledger checkpoints (0.01 to 3600).")
@click.option("--ledger", metavar="FILE|URL", help=LEDGER_HELP)
@click.option("--cpu-tdp-w", type=Finite(min=0, min_open=True, max=10_000),
              help="CPU TDP in watts for the modelled fallback (no RAPL), up to 10,000.  [default: 85]")
@click.option("--powercap-root", type=file_path(), default="/sys/class/powercap",
              show_default=True, help="Where to find RAPL zones.")
@click.option("--tag", "tag_texts", multiple=True, metavar="KEY=VALUE",
              help="A lineage tag of the run, repeatable: experiment=NAME, sweep=NAME, parent=RUN_ID, "
              "model=NAME or any key=value. Project items select runs by tag (run_tags) and the bill "
              "shows the development share (runs tagged experiment or sweep, and failed runs).")
@prometheus_options
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def measure(project_file: Path | None, item: str | None, site: str | None, name: str | None,
            interval_s: float, ledger: str | None, cpu_tdp_w: float | None, powercap_root: Path,
            tag_texts: tuple[str, ...], command: tuple[str, ...]) -> None:
    """Run COMMAND, measure the energy it used, record the run and exit with its exit code.

    GPUs are read from NVML's energy counter, CPU packages and DRAM from RAPL; where no sensor
    is readable, CPU and RAM are modelled from the process tree's utilisation and labelled so.
    The command runs as a shell would run it: in its own process group, which gets the signals
    sent to the meter (Ctrl-C, SIGTERM, ...; grandchildren too) and dies with the meter, even on
    kill -9. Exit code: the command's; 127 not found, 126 not executable, 128+N when signal N
    ended it; the ledger records the same. A checkpoint is written every interval: a killed run
    stays in the ledger, marked interrupted. A ledger that cannot be written (full disk,
    read-only) is one warning line: the command runs and its exit code is kept.

    \b
    Examples:
        energybill measure -- python train.py --epochs 3
        energybill measure --project noor.toml --item "Noor 13B" -- torchrun train.py
        energybill measure --interval 5 --ledger runs.db --cpu-tdp-w 280 -- ./bench.sh
        energybill measure --tag experiment=ablation-3 --tag model=noor-1b -- python train.py
        energybill runs list --project noor.toml
    """
    from energybill.ledger.paths import resolve

    if item is not None and project_file is None:
        raise EnergybillError("--item needs --project FILE (the project the item belongs to)")
    context = _project_context(project_file, item, site)
    run_name = name or item or Path(command[0]).name
    options: dict[str, Any] = {"cpu_tdp_w": cpu_tdp_w, "powercap_root": powercap_root,
                               "tags": parse_tags(tag_texts)}
    code = _run(command, run_name, interval_s, resolve(ledger, project_file), context, options)
    sys.exit(code)


def parse_tags(texts: tuple[str, ...]) -> dict[str, str]:
    """``--tag key=value`` options as a mapping; one line naming the option for a malformed one."""
    from energybill.measure.sink import RUN_COLUMNS

    tags: dict[str, str] = {}
    for text in texts:
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"{text!r}: give KEY=VALUE (e.g. experiment=ablation-3)",
                                     param_hint="--tag")
        if key in RUN_COLUMNS:
            raise click.BadParameter(f"{key!r} is a field of the run (project, item, site, command)",
                                     param_hint="--tag")
        tags[key] = value
    return tags


def _project_context(project_file: Path | None, item: str | None, site: str | None) -> dict[str, Any]:
    """Project name, item, site, and the site's PUE and intensity for the summary's CO2e."""
    if project_file is None:
        return {"project": None, "item": None, "site": site, "intensity": None, "pue": 1.0}
    from energybill.project.load import load_project

    project = load_project(project_file)
    if site is None and item is not None:
        site = next((i.site for _, i in project.items() if i.name == item), None)
    if site is not None and site not in project.sites:
        allowed = ", ".join(project.sites) or "none"
        problem = Problem("sites", f"no site '{site}' (--site); sites: {allowed}")
        raise ProjectError(str(project_file), [problem])
    found = project.sites.get(site) if site else None
    return {"project": project.project.name, "item": item, "site": site,
            "intensity": found.carbon_intensity_g_per_kwh if found else None,
            "pue": found.pue if found else 1.0}


def _run(command: tuple[str, ...], name: str, interval_s: float, ledger: Path | str,
         context: dict[str, Any], options: dict[str, Any]) -> int:
    """Run the command under the meter; its exit code as a shell gives it, whatever the ledger does."""
    import shlex

    from energybill.measure.child import CannotRun, Child, Watchdog

    check_exporter()  # a bad --prometheus-port/--prometheus-addr before anything is recorded
    watchdog = Watchdog()  # forked before any thread exists
    tags = {"project": context["project"], "item": context["item"], "site": context["site"],
            "command": shlex.join(command)}
    child = Child(command)
    run, recorded = _enter(name, interval_s, ledger, tags, options)
    exporter = start_exporter(run)  # --prometheus-port: live counters while the command runs
    try:
        # the command names its group to the watchdog before exec; the meter again here (harmless twice)
        watchdog.arm(child.spawn(in_group=watchdog.arm))
    except CannotRun as exc:
        watchdog.disarm()
        _finish(run, "failed", exc.code, ledger, recorded)
        if exporter is not None:
            exporter.stop()
        click.echo(exc.message, err=True)  # one line, as every error of the CLI
        return exc.code
    run.meter.child_started()  # the first sample right at the command's start
    try:
        code = child.wait()
    finally:
        watchdog.disarm()
    result, recorded = _finish(run, "completed" if code == 0 else "failed", code, ledger, recorded)
    if exporter is not None:
        exporter.stop()
    from energybill.cli.runs import print_summary

    print_summary(result, run.run_id if recorded else None, ledger if recorded else None,
                  context["intensity"], context["pue"])
    return code


def _enter(name: str, interval_s: float, ledger: Path | str, tags: dict[str, str | None],
           options: dict[str, Any]) -> tuple[Run, bool]:
    """The run, begun in the ledger; a ledger that cannot be written is said in one line and the
    command is measured all the same (its exit code matters more than the record)."""
    from energybill.tracking import track

    def begun(where: Path | str | Literal[False]) -> Run:
        run = track(name, interval_s=interval_s, ledger=where, project=tags["project"],
                    item=tags["item"], site=tags["site"], command=tags["command"], **options)
        run.__enter__()
        return run

    try:
        return begun(ledger), True
    except Exception as exc:  # any ledger fault (full disk, read-only, not a ledger): never the child's
        _say(f"warning: cannot record in {display(ledger)}: {_reason(exc, ledger)}; "
             "measuring without recording")
    return begun(False), False


def _finish(run: Run, status: str, code: int, ledger: Path | str, recorded: bool) -> tuple[Measurement, bool]:
    """End the run and record it; a failed write is one warning line, never a lost exit code."""
    try:
        return run.finish(status, code), recorded
    except Exception as exc:  # the meter has stopped; only the ledger write failed
        _say(f"warning: the run could not be recorded in {display(ledger)}: {_reason(exc, ledger)}")
        assert run.result is not None
        return run.result, False


def _reason(exc: BaseException, ledger: Path | str) -> str:
    """The error in one line, without the ledger's path when it starts with it (said already)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = text.removeprefix(f"{display(ledger)}: ")
    return text[:300]


def _say(line: str) -> None:
    click.echo(f"energybill: {line}", err=True)
