"""The measured command as a shell would run it: its own process group, signals, exit codes.

``energybill measure -- CMD`` runs CMD as a job of its own:

- Exit codes as a shell gives them (POSIX ``sh``, "Exit Status"): 127 when the command is not
  found, 126 when it is found but cannot be run, the command's own code, 128 + N when signal N
  ended it.
- The command runs in its own process group (``setpgid``): SIGINT, SIGTERM, ... sent to the meter
  are passed on to the whole group, grandchildren included. On a terminal the group is made the
  foreground job (``tcsetpgrp``), so Ctrl-C reaches it directly and it may read the terminal.
- If the meter dies (even by ``kill -9``) the command dies too: the kernel sends the command
  SIGKILL when its parent goes (Linux ``prctl(PR_SET_PDEATHSIG)``), and a watchdog process,
  outside the measured tree, kills the rest of the group when the meter's end of a pipe closes
  without a word.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

NOT_FOUND = 127  # POSIX sh: command not found
CANNOT_RUN = 126  # POSIX sh: found but not executable
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class CannotRun(Exception):
    """The command never ran: ``code`` is the shell's (126 or 127), ``message`` one line."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def exit_code(returncode: int) -> int:
    """A ``Popen`` return code as a shell reports it: killed by signal N → 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def _pdeathsig() -> Callable[[], None] | None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)`` through ctypes, looked up before the fork; None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the meter died between fork and prctl: nobody would tell us
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


def _terminal() -> int | None:
    """stdin's descriptor when it is a terminal whose foreground job is the meter's, else None."""
    try:
        fd = sys.stdin.fileno()
        return fd if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp() else None
    except (OSError, ValueError, AttributeError):
        return None


def _hand_terminal(fd: int, pgid: int) -> None:
    """Make ``pgid`` the terminal's foreground job; SIGTTOU blocked, as a background caller gets it."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
    try:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, pgid)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Watchdog:
    """A process outside the measured tree that kills the command's group if the meter dies.

    Started by a double fork before any thread exists (the grandchild is re-parented to init,
    so it is no descendant the CPU model would bill). It reads a pipe: the group id, then
    ``done`` at a normal end. End of file without ``done`` means the meter died: SIGKILL to the
    group.
    """

    def __init__(self) -> None:
        read_fd, self._fd = os.pipe()
        middle = os.fork()
        if middle == 0:  # pragma: no cover - runs in the forked processes
            try:
                os.setsid()  # out of the meter's session: a hang-up or group kill spares it
                if os.fork() == 0:
                    _watch(read_fd, self._fd)
            finally:
                os._exit(0)
        os.waitpid(middle, 0)
        os.close(read_fd)
        self._armed = False

    def arm(self, pgid: int) -> None:
        """Name the group to kill if the meter dies; safe in a forked child before exec (one write)."""
        self._send(f"{pgid}\n")
        self._armed = True

    def disarm(self) -> None:
        """The meter ends normally: the watchdog leaves the group alone and exits."""
        if self._fd >= 0:
            self._send("done\n")
            os.close(self._fd)
            self._fd = -1

    def _send(self, text: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self._fd, text.encode())


def _watch(read_fd: int, write_fd: int) -> None:  # pragma: no cover - runs in the forked watchdog
    os.close(write_fd)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    keep = sorted({0, 1, 2, read_fd})
    os.closerange(3, read_fd)
    os.closerange(read_fd + 1, max(keep[-1] + 1, 65536))
    buffer = b""
    while chunk := os.read(read_fd, 64):
        buffer += chunk
    lines = buffer.decode(errors="replace").split()
    if "done" in lines:
        return
    groups = [int(line) for line in lines if line.isdigit()]
    for pgid in groups:
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)


class Child:
    """The running command: spawn, forward signals to its group, wait, give back the terminal."""

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.process: subprocess.Popen[bytes] | None = None
        self._terminal = _terminal()
        self._pdeath = _pdeathsig()  # looked up now, before the meter's window opens
        self._previous: dict[int, Any] = {}
        self._held: list[int] = []  # signals that came before the command's group existed

    def spawn(self, in_group: Callable[[int], None] | None = None) -> int:
        """Start the command in its own process group; returns its pid (= the group id).

        ``in_group(pgid)`` runs in the command's process once its group exists, before exec (the
        watchdog is told the group there: told by the meter after ``spawn`` returns, a meter killed
        in between would leave the command's children running)."""
        pdeath = self._pdeath
        terminal = self._terminal

        def setup() -> None:  # in the child, after setpgid, before exec
            if pdeath is not None:
                pdeath()
            if terminal is not None:
                _hand_terminal(terminal, os.getpgrp())
            if in_group is not None:
                in_group(os.getpgrp())

        if not self.command[0]:  # sh: an empty command name is not found (exec would say EACCES)
            raise CannotRun(NOT_FOUND, "cannot run '': command not found")
        # Handlers first: a signal that comes while the command starts (it may already be printing)
        # is held and forwarded once its group exists, instead of killing the meter alone.
        self._forward_signals()
        try:
            self.process = subprocess.Popen(self.command, process_group=0, preexec_fn=setup)
        except FileNotFoundError as exc:
            self._restore()
            raise CannotRun(NOT_FOUND, f"cannot run {self.command[0]!r}: {exc.strerror}") from None
        except OSError as exc:  # EACCES (not executable, a folder), ENOEXEC (no #! line), ...
            self._restore()
            raise CannotRun(CANNOT_RUN, f"cannot run {self.command[0]!r}: {exc.strerror}") from None
        if terminal is not None:  # both sides set it, as shells do: whichever runs first wins the race
            _hand_terminal(terminal, self.process.pid)
        for signum in self._held:
            self._send(signum)
        self._held.clear()
        return self.process.pid

    def wait(self) -> int:
        """Wait for the command (a Ctrl-Z stops the meter with it); its exit code as a shell gives it."""
        assert self.process is not None
        pid = self.process.pid
        try:
            while True:
                flags = os.WUNTRACED if self._terminal is not None else 0
                _, status = os.waitpid(pid, flags)
                if os.WIFSTOPPED(status):
                    self._suspend(pid)
                    continue
                self.process.returncode = os.waitstatus_to_exitcode(status)
                return exit_code(self.process.returncode)
        finally:
            self._restore()
            if self._terminal is not None:
                _hand_terminal(self._terminal, os.getpgrp())

    def _suspend(self, pgid: int) -> None:
        """The job was stopped (Ctrl-Z): take the terminal back, stop too; on ``fg`` resume it."""
        assert self._terminal is not None
        _hand_terminal(self._terminal, os.getpgrp())
        os.kill(os.getpid(), signal.SIGSTOP)
        _hand_terminal(self._terminal, pgid)
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGCONT)

    def _forward_signals(self) -> None:
        def forward(signum: int, _frame: FrameType | None) -> None:
            if self.process is None:
                self._held.append(signum)  # the command is starting: sent once its group exists
            else:
                self._send(signum)

        for sig_name in FORWARDED:
            signum = getattr(signal, sig_name, None)
            if signum is not None:
                self._previous[signum] = signal.signal(signum, forward)

    def _send(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(OSError):  # the group is gone already
            os.killpg(self.process.pid, signum)

    def _restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
        held, self._held = self._held, []
        for signum in held:  # the command never started: the meter takes the signal itself
            os.kill(os.getpid(), signum)
