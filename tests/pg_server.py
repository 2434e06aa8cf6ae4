"""A real PostgreSQL server for the tests: Debian's ``postgresql`` binaries, ``initdb`` in a
temporary folder, listening on loopback only at a free port, password authentication.

PostgreSQL refuses to run as root: as root the server runs as the ``postgres`` user (Debian's
package creates it) in a folder given to that user. Where no ``initdb`` is found (no package) or
psycopg is missing, ``find_server`` says why and the tests skip with that reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

USER = "energybill"
PASSWORD = "pw-Zq8x-secret"  # the tests check that it never appears in any output


def binaries() -> tuple[str, str] | str:
    """(initdb, pg_ctl), or why they cannot be used."""
    for folder in [os.path.dirname(shutil.which("initdb") or ""),
                   *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        initdb, pg_ctl = os.path.join(folder, "initdb"), os.path.join(folder, "pg_ctl")
        if folder and os.access(initdb, os.X_OK) and os.access(pg_ctl, os.X_OK):
            return initdb, pg_ctl
    return "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One server (a data folder and a port); ``stop``/``start`` for the outage tests."""

    def __init__(self, initdb: str, pg_ctl: str) -> None:
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="energybill-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.run_as: str | None = None
        if os.geteuid() == 0:
            self.run_as = "postgres"
            try:
                entry = pwd.getpwnam(self.run_as)
            except KeyError as exc:
                raise RuntimeError("running as root and no 'postgres' user to run the server as") from exc
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.run_as:
            os.chown(pwfile, pwd.getpwnam(self.run_as).pw_uid, -1)
        self._call([self.initdb, "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                    "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
        pwfile.unlink()
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\nmax_connections = 200\n"
                       "fsync = off\nshared_buffers = 32MB\n")
        self.start()

    def _call(self, args: list[str], timeout: float = 120) -> None:
        if self.run_as:
            args = ["runuser", "-u", self.run_as, "--", *args]
        subprocess.run(args, check=True, capture_output=True, timeout=timeout, cwd=self.root)

    def start(self) -> None:
        self._call([self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                    "start"])

    def stop(self) -> None:
        self._call([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh database on this server; returns its URL."""
        import psycopg

        name = f"ledger_{time.time_ns()}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def server() -> Iterator[PgServer]:
    found = binaries()
    if isinstance(found, str):
        raise RuntimeError(found)
    pg = PgServer(*found)
    try:
        yield pg
    finally:
        pg.close()
