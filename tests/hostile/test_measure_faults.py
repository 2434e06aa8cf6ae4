"""``energybill measure -- CMD`` under faults, as a shell would run CMD: real processes, real SQLite.

- exit codes as ``sh`` gives them (127 not found, 126 cannot run, the command's own, 128 + N
  for signal N), and the ledger records the code the meter exits with;
- the command in its own process group; SIGINT and SIGTERM reach the whole group
  (grandchildren too); ``kill -9`` of the meter takes the command and its children with it;
- a ledger that cannot be written (no room: ``RLIMIT_FSIZE``, which binds root too; a folder; a
  file that is not a ledger) is one warning line and never costs the command's exit code;
- the library's context manager leaves no sampler thread behind on any error path.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.fakehw import PowerProfile

import energybill
from energybill.ledger.store import Ledger

PY = sys.executable


def measure(ledger: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return run_cli("measure", "--interval", "0.2", "--ledger", str(ledger), "--", *command)


def start_measure(ledger: Path, *command: str) -> subprocess.Popen[str]:
    args = [PY, "-m", "energybill", "measure", "--interval", "0.2", "--ledger", str(ledger), "--", *command]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def gone(pid: int, within_s: float = 10.0) -> bool:
    """The process has ended (a zombie waiting for a reaper counts as ended)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def no_traceback(done: subprocess.CompletedProcess[str] | tuple[str, str]) -> None:
    err = done.stderr if isinstance(done, subprocess.CompletedProcess) else done[1]
    assert "Traceback" not in err, err


def one_run(ledger: Path) -> tuple[str, int | None]:
    (run,) = Ledger(ledger).runs()
    return run.status, run.exit_code


# -- exit codes ------------------------------------------------------------------------------------
def test_not_found_is_127_and_recorded_as_127(tmp_path: Path) -> None:
    done = measure(tmp_path / "r.db", "no-such-command-xyz", "--flag")
    assert done.returncode == 127
    assert done.stderr.strip() == "cannot run 'no-such-command-xyz': No such file or directory"
    assert one_run(tmp_path / "r.db") == ("failed", 127)


def test_a_file_that_is_not_executable_is_126(tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)  # no x bit: execve refuses it, for root too
    done = measure(tmp_path / "r.db", str(script))
    assert done.returncode == 126, done.stderr
    assert done.stderr.strip() == f"cannot run '{script}': Permission denied"
    assert one_run(tmp_path / "r.db") == ("failed", 126)


def test_a_folder_as_command_is_126(tmp_path: Path) -> None:
    done = measure(tmp_path / "r.db", str(tmp_path))
    assert done.returncode == 126 and len(done.stderr.strip().splitlines()) == 1
    no_traceback(done)


def test_an_empty_command_name_is_127(tmp_path: Path) -> None:
    done = measure(tmp_path / "r.db", "")
    assert done.returncode == 127 and done.stderr.strip() == "cannot run '': command not found"
    assert one_run(tmp_path / "r.db") == ("failed", 127)


@pytest.mark.parametrize("option", [("--interval", "nan"), ("--interval", "inf"), ("--interval", "1e300"),
                                    ("--interval", "0"), ("--cpu-tdp-w", "nan"), ("--cpu-tdp-w", "inf"),
                                    ("--cpu-tdp-w", "-5"), ("--tag", "novalue")])
def test_a_bad_option_is_one_line_and_nothing_runs(tmp_path: Path, option: tuple[str, str]) -> None:
    flag = tmp_path / "ran"
    done = run_cli("measure", "--ledger", str(tmp_path / "r.db"), *option, "--", "touch", str(flag))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert option[0] in done.stderr and "Traceback" not in done.stderr
    assert not flag.exists() and not (tmp_path / "r.db").exists()


@pytest.mark.parametrize("code", [0, 1, 3, 125, 255])
def test_the_commands_own_code(tmp_path: Path, code: int) -> None:
    done = measure(tmp_path / "r.db", "sh", "-c", f"exit {code}")
    assert done.returncode == code
    assert one_run(tmp_path / "r.db") == ("completed" if code == 0 else "failed", code)


@pytest.mark.parametrize(("sig", "code"),
                         [(signal.SIGTERM, 143), (signal.SIGKILL, 137), (signal.SIGINT, 130)])
def test_a_command_ended_by_a_signal_is_128_plus_n(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    done = measure(tmp_path / "r.db", PY, "-c", f"import os; os.kill(os.getpid(), {int(sig)})")
    assert done.returncode == code == 128 + sig
    assert one_run(tmp_path / "r.db") == ("failed", code)


# -- process group and signals --------------------------------------------------------------------
def test_the_command_runs_in_its_own_process_group(tmp_path: Path) -> None:
    done = measure(tmp_path / "r.db", PY, "-c", "import os; print(os.getpid(), os.getpgrp(), os.getppid())")
    assert done.returncode == 0, done.stderr
    pid, pgid, meter = (int(x) for x in done.stdout.split())
    assert pgid == pid  # a group of its own, led by the command
    assert os.getpgid(0) != pgid and meter != pid


GRANDCHILD = """
import subprocess, sys, time
sleeper = subprocess.Popen(["sleep", "30"])
print(sleeper.pid, flush=True)
time.sleep(30)
"""


def test_sigint_reaches_the_grandchildren(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    proc = start_measure(ledger, PY, "-c", GRANDCHILD)
    assert proc.stdout is not None
    grandchild = int(proc.stdout.readline())
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130  # python's answer to SIGINT: killed by it (128 + 2)
    assert gone(grandchild), "the grandchild survived SIGINT"
    assert one_run(ledger) == ("failed", 130)
    assert "energybill/" not in err  # the command's own KeyboardInterrupt only, none of the meter's


def test_sigterm_reaches_a_shells_background_jobs(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    proc = start_measure(ledger, "sh", "-c", "sleep 30 & echo $!; sleep 30 & echo $!; wait")
    assert proc.stdout is not None
    sleepers = [int(proc.stdout.readline()), int(proc.stdout.readline())]
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert all(gone(pid) for pid in sleepers), "a background job survived SIGTERM"
    assert one_run(ledger) == ("failed", 143)


def test_kill_9_of_the_meter_takes_the_command_and_its_children(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    proc = start_measure(ledger, "sh", "-c", "echo $$; sleep 30 & echo $!; sleep 30 & echo $!; wait")
    assert proc.stdout is not None
    pids = [int(proc.stdout.readline()) for _ in range(3)]  # the shell, two background sleeps
    proc.kill()
    proc.wait(timeout=10)
    assert all(gone(pid) for pid in pids), "the command outlived its meter"
    assert one_run(ledger)[0] == "interrupted"


# -- a ledger that cannot be written --------------------------------------------------------------
def _no_file_writes() -> None:  # in the meter's process before exec: every file write fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_no_room_for_the_ledger_at_all_keeps_the_exit_code(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    args = [PY, "-m", "energybill", "measure", "--ledger", str(ledger), "--", "sh", "-c", "echo ran; exit 3"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, preexec_fn=_no_file_writes)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "ran\n"
    warnings = [line for line in done.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and str(ledger) in warnings[0] and "measuring without recording" in warnings[0]
    assert "not recorded" in done.stderr
    no_traceback(done)


def test_a_disk_that_fills_mid_run_keeps_the_exit_code_and_the_checkpoints(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    flag = tmp_path / "go"
    wait_then_exit = (f"import os, sys, time\nwhile not os.path.exists({str(flag)!r}): time.sleep(0.02)\n"
                      "sys.exit(4)")
    proc = start_measure(ledger, PY, "-c", wait_then_exit)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for two checkpoints
            try:
                with sqlite3.connect(ledger) as conn:
                    if conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0] >= 2:
                        break
            except sqlite3.Error:
                pass
            time.sleep(0.05)
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (0, 0))  # the meter's disk is now full
        time.sleep(0.5)  # a few refused checkpoints
        flag.write_text("")
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 4, err
    warnings = [line for line in err.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "could not be recorded" in warnings[0], err
    no_traceback((out, err))
    (run,) = Ledger(ledger).runs()  # kept what was checkpointed before the disk filled
    assert run.status == "interrupted" and run.energy_j is not None and run.duration_s > 0


def test_a_folder_as_ledger_keeps_the_exit_code(tmp_path: Path) -> None:
    done = measure(tmp_path, "sh", "-c", "exit 5")
    assert done.returncode == 5
    assert sum("warning:" in line for line in done.stderr.splitlines()) == 1
    no_traceback(done)


def test_a_file_that_is_not_a_ledger_is_left_alone_and_the_exit_code_kept(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_bytes(b"my notes, not a database\n" * 100)
    before = other.read_bytes()
    done = measure(other, "sh", "-c", "exit 6")
    assert done.returncode == 6
    assert sum("warning:" in line for line in done.stderr.splitlines()) == 1
    assert other.read_bytes() == before
    no_traceback(done)


# -- the library's context manager ----------------------------------------------------------------
def _samplers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "energybill-sampler" and t.is_alive()]


def test_a_ledger_that_cannot_be_opened_leaves_no_sampler_thread(tmp_path: Path) -> None:
    before = len(_samplers())
    run = energybill.track("x", ledger=tmp_path, backends=[PowerProfile([5.0] * 100)], interval_s=0.01)
    with pytest.raises(Exception), run:  # noqa: B017 - whatever the ledger raises
        pass
    assert len(_samplers()) == before
    assert not run.meter.started


def test_a_ledger_lost_mid_run_keeps_the_blocks_own_exception(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    before = len(_samplers())
    run = energybill.track("x", ledger=ledger, backends=[PowerProfile([5.0] * 100)], interval_s=30.0)
    lost = pytest.warns(RuntimeWarning, match="could not be recorded")
    with lost, pytest.raises(KeyError, match="mine"), run:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
        ledger.mkdir()  # the ledger is now a folder: the final write fails
        raise KeyError("mine")
    assert len(_samplers()) == before


def test_a_ledger_lost_mid_run_without_an_exception_raises_after_stopping(tmp_path: Path) -> None:
    ledger = tmp_path / "r.db"
    before = len(_samplers())
    run = energybill.track("x", ledger=ledger, backends=[PowerProfile([5.0] * 100)], interval_s=30.0)
    with pytest.raises(Exception), run:  # noqa: B017 - the ledger's own error
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
        ledger.mkdir()
    assert len(_samplers()) == before
    assert run.result is not None and run.result.energy_j is not None  # measured, only not recorded


# -- on a terminal --------------------------------------------------------------------------------
def _on_a_terminal(ledger: Path, command: list[str], send: list[tuple[str, bytes]]) -> tuple[int, str]:
    """Run ``energybill measure -- command`` on a new pseudo-terminal (its controlling terminal, the
    meter the foreground job, as in a shell); on each ``expected`` text seen, type ``keys``."""
    import pty
    import select

    args = [PY, "-m", "energybill", "measure", "--ledger", str(ledger), "--", *command]
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child execs at once
        os.execvp(PY, args)
    seen, pending = b"", list(send)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the terminal closed: the meter has gone
                    chunk = b""
                if not chunk:
                    _, status = os.waitpid(pid, 0)
                    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")
                seen += chunk
            if pending and pending[0][0].encode() in seen:
                os.write(fd, pending.pop(0)[1])
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        return -1, seen.decode(errors="replace")
    finally:
        os.close(fd)


def test_the_command_owns_the_terminal_it_reads(tmp_path: Path) -> None:
    # in its own process group, the command must still be the terminal's foreground job: a read
    # from a background group would stop it (SIGTTIN) and the meter would wait forever
    code, seen = _on_a_terminal(tmp_path / "r.db", ["sh", "-c", "echo ready; read x; echo got:$x"],
                                [("ready", b"hello\n")])
    assert code == 0, seen
    assert "got:hello" in seen
    assert one_run(tmp_path / "r.db") == ("completed", 0)


def test_ctrl_c_on_the_terminal_ends_the_command_once(tmp_path: Path) -> None:
    code, seen = _on_a_terminal(tmp_path / "r.db", ["sh", "-c", "echo ready; sleep 30"], [("ready", b"\x03")])
    assert code == 130, seen  # sh killed by SIGINT: 128 + 2
    assert one_run(tmp_path / "r.db") == ("failed", 130)
    assert "Traceback" not in seen


HELD_SIGNAL = """
import os, signal, subprocess, sys
from energybill.measure import child
real = subprocess.Popen
def starting(*args, **kwargs):  # SIGTERM reaches the meter while the command starts
    os.kill(os.getpid(), signal.SIGTERM)
    return real(*args, **kwargs)
child.subprocess.Popen = starting
command = child.Child([sys.executable, "-c", "import time; time.sleep(30)"])
command.spawn()
print(command.wait())
"""


def test_a_signal_while_the_command_starts_is_held_and_forwarded() -> None:
    """The race CI can hit (the command prints before the meter's handlers exist): a SIGTERM that
    comes while the command starts is forwarded to it once its group exists, not the meter's death
    (the meter would die with -15 and leave the command running)."""
    done = subprocess.run([PY, "-c", HELD_SIGNAL], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.stdout.strip() == "143"  # the command got SIGTERM: 128 + 15


UNARMED = """
import os, signal, sys, time
from pathlib import Path
from energybill.cli.main import main
from energybill.measure import child
flag, ledger = Path(sys.argv[1]), sys.argv[2]
spawn = child.Child.spawn
def spawn_then_die(self, *args, **kwargs):  # the meter is killed as spawn returns, before it arms
    spawn(self, *args, **kwargs)
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline:  # the command's child has started
        time.sleep(0.02)
    os.kill(os.getpid(), signal.SIGKILL)
child.Child.spawn = spawn_then_die
# (the sleeper holds none of our pipes: the test sees the meter end, not the sleeper)
sys.argv = ["energybill", "measure", "--ledger", ledger, "--",
            "sh", "-c", f"sleep 30 >/dev/null 2>&1 & echo $! > {flag}.tmp && mv {flag}.tmp {flag}; wait"]
main()
"""


def test_a_meter_killed_as_the_command_starts_still_takes_its_children(tmp_path: Path) -> None:
    """The race a loaded machine can hit (the command forks before the meter, descheduled after
    starting it, has told the watchdog its group): the command names its group to the watchdog
    itself before exec, so a ``kill -9`` of the meter at any moment after that takes the children."""
    flag = tmp_path / "sleeper"
    done = subprocess.run([PY, "-c", UNARMED, str(flag), str(tmp_path / "r.db")], capture_output=True,
                          text=True, timeout=90)
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr)
    sleeper = int(flag.read_text())
    try:
        assert gone(sleeper), "the command's child outlived a meter killed before it armed the watchdog"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(sleeper, signal.SIGKILL)
