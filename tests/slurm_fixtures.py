"""``sacct --json`` answers that follow Slurm's documented schema (data_parser v0.0.40, Slurm 23.11),
and a ``sacct`` shim put on PATH by the tests: it prints a given answer and logs its arguments.

Only the fields energybill reads are filled, plus a few others as Slurm writes them, so that a
parser that required every field, or broke on unknown ones, would fail here.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

T0 = 1_795_669_200  # 2026-11-26T05:00:00Z


def no_val(number: float | None) -> dict[str, Any]:
    """Slurm's optional number (``V0040Uint64NoVal``)."""
    return {"set": number is not None, "infinite": False, "number": number or 0}


def tres(kind: str, name: str, count: float, tres_id: int = 1) -> dict[str, Any]:
    return {"type": kind, "name": name, "id": tres_id, "count": count}


def step(job_id: int, name: str, nodes: list[str], start: int, end: int, energy_j: float | None,
         state: str = "COMPLETED") -> dict[str, Any]:
    return {
        "time": {"elapsed": end - start, "end": no_val(end), "start": no_val(start), "suspended": 0,
                 "system": {"seconds": 1, "microseconds": 0}, "total": {"seconds": 2, "microseconds": 0},
                 "user": {"seconds": 1, "microseconds": 0}},
        "exit_code": {"status": ["SUCCESS"], "return_code": no_val(0)},
        "nodes": {"count": len(nodes), "range": ",".join(nodes), "list": nodes},
        "tasks": {"count": len(nodes)},
        "pid": "",
        "CPU": {"requested_frequency": {"min": no_val(0), "max": no_val(0)}, "governor": ""},
        "kill_request_user": "",
        "state": [state],
        "statistics": {"CPU": {"actual_frequency": 0}, "energy": {"consumed": no_val(energy_j)}},
        "step": {"id": f"{job_id}.{name}", "name": name},
        "task": {"distribution": "Block"},
        "tres": {"requested": {"max": [], "min": [], "average": [], "total": []},
                 "consumed": {"max": [], "min": [], "average": [],
                              "total": [tres("energy", "", energy_j or 0, 3)]},
                 "allocated": [tres("cpu", "", 8 * len(nodes))]},
    }


def job(job_id: int, name: str, nodes: str, state: str, start: int, elapsed: int, gres: list[dict[str, Any]],
        steps: list[dict[str, Any]], array_job: int = 0, task: int | None = None) -> dict[str, Any]:
    return {
        "account": "llm", "allocation_nodes": len(steps[0]["nodes"]["list"]) if steps else 0,
        "array": {"job_id": array_job, "limits": {"max": {"running": {"tasks": 0}}},
                  "task_id": no_val(task), "task": "" if task is None else str(task)},
        "association": {"account": "llm", "cluster": "noor", "partition": "gpu", "user": "amina"},
        "cluster": "noor",
        "derived_exit_code": {"status": ["SUCCESS"], "return_code": no_val(0)},
        "time": {"elapsed": elapsed, "eligible": start - 60, "end": start + elapsed, "start": start,
                 "submission": start - 120, "suspended": 0, "limit": no_val(1440)},
        "exit_code": {"status": ["SUCCESS"], "return_code": no_val(0)},
        "flags": ["CLEAR_SCHEDULING"], "group": "llm",
        "job_id": job_id, "name": name, "nodes": nodes, "partition": "gpu", "priority": no_val(1000),
        "qos": "normal",
        "state": {"current": [state], "reason": "None"},
        "steps": steps,
        "tres": {"allocated": [tres("cpu", "", 64), tres("mem", "", 512000, 2), tres("node", "", 2, 4),
                               tres("billing", "", 64, 5), *gres],
                 "requested": [tres("cpu", "", 64), *gres]},
        "user": "amina", "working_directory": "/home/amina",
    }


def answer(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "jobs": jobs,
        "meta": {"plugin": {"type": "openapi/slurmdbd", "name": "Slurm OpenAPI slurmdbd",
                            "data_parser": "data_parser/v0.0.40",
                            "accounting_storage": "accounting_storage/slurmdbd"},
                 "client": {"source": "/dev/pts/0", "user": "amina", "group": "llm"},
                 "command": ["sacct", "--json"],
                 "slurm": {"version": {"major": "23", "micro": "6", "minor": "11"}, "release": "23.11.6",
                           "cluster": "noor"}},
        "errors": [], "warnings": [],
    }


def install_shim(folder: Path, body: str | bytes, exit_code: int = 0, stderr: str = "",
                 sleep_s: float = 0.0) -> Path:
    """A ``sacct`` in ``folder`` that prints ``body``, writes ``stderr``, exits ``exit_code`` and appends
    its arguments (one JSON list per call) to ``folder/sacct.calls``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "sacct.out"
    data.write_bytes(body if isinstance(body, bytes) else body.encode())
    script = folder / "sacct"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys, time\n"
        f"time.sleep({sleep_s})\n"
        f"open({str(folder / 'sacct.calls')!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"sys.stdout.buffer.write(open({str(data)!r}, 'rb').read())\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({exit_code})\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def calls(folder: Path) -> list[list[str]]:
    path = folder / "sacct.calls"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def path_with(folder: Path) -> str:
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
