"""Where a ledger lives: a SQLite file (the embedded default) or a PostgreSQL server (by URL).

Both give ``connect(write)``: one transaction on a connection whose ``execute`` takes the SQL of
``ledger/sql.py`` with ``?`` marks. The differences stay here:

- SQLite: a short-lived connection per transaction (process- and fork-safe); reads open the file
  read-only (``mode=ro`` URI) and never create, migrate or switch a file to WAL; writes first make
  sure the file is an energybill ledger (or empty) before touching it. A locked file is waited for
  ``busy_timeout`` then reported as "locked by another process".
- PostgreSQL (psycopg 3, the ``postgres`` extra, imported only for a ``postgresql://`` URL): one
  connection per process, kept and re-made when it breaks; connecting gives up after
  ``CONNECT_TIMEOUT_S``. A lost connection raises ``LedgerUnavailable`` (the store spools the
  write); every other failure is one ``LedgerError`` line naming host and database, never the
  password.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from energybill.core.errors import EnergybillError
from energybill.ledger import sql
from energybill.ledger.paths import display

LOCK_WAIT_ENV = "ENERGYBILL_LOCK_WAIT_S"  # overrides both waits below (seconds)
BUSY_TIMEOUT_MS = 60_000      # a writer waits this long for another writer's transaction
READ_BUSY_TIMEOUT_MS = 15_000  # a read waits less: it only waits for a writer to switch WAL files
CONNECT_TIMEOUT_S = 5          # libpq's connect_timeout (per address tried)
STATEMENT_TIMEOUT_MS = 60_000  # PostgreSQL: no statement (lock waits included) runs longer
URL_SCHEMES = ("postgresql://", "postgres://")
_PG_LOCK_KEY = 0x656E6267  # "enbg": pg_advisory_xact_lock key that serialises migrations


class LedgerError(EnergybillError):
    """A ledger that cannot be opened or a run that is not in it."""


class LedgerUnavailable(LedgerError):
    """The ledger's server cannot be reached now (a write may be spooled and sent later)."""


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """``postgresql://user@host:port/db``: the URL without its password or query (which may hold one)."""
    return display(url)


class Row(tuple[Any, ...]):
    """A PostgreSQL row that reads like ``sqlite3.Row``: by index, by column name, and ``dict(row)``."""

    __slots__ = ()
    names: tuple[str, ...] = ()
    positions: dict[str, int] = {}  # noqa: RUF012 (set per column list, in the subclass)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.positions[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> tuple[str, ...]:
        return self.names


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    index = {n: i for i, n in enumerate(names)}
    return type("Row", (Row,), {"__slots__": (), "names": names, "positions": index})


def _row_factory(cursor: Any) -> Any:
    description = cursor.description
    if description is None:
        return tuple
    cls = _row_class(tuple(d.name for d in description))
    return cls


@lru_cache(maxsize=512)
def _pg_sql(statement: str) -> str:
    # psycopg's marks are %s, and a literal % must be doubled; none of our statements holds a '?'
    # inside a string literal.
    return statement.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """A psycopg connection that takes ``?`` marks and returns ``Row``s (sqlite3's interface)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, statement: str, args: Sequence[Any] = ()) -> Any:
        return self.conn.execute(_pg_sql(statement), tuple(args))

    def executemany(self, statement: str, rows: Any) -> None:
        rows = list(rows)
        if rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(_pg_sql(statement), rows)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self.conn.info.transaction_status != TransactionStatus.IDLE)


# -- SQLite ---------------------------------------------------------------------------------------
_PREPARED: set[tuple[str, int, int]] = set()  # files this process has made current (path, device, inode)


def _key(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:
        return (str(path), -1, -1)  # not created yet: never counts as prepared
    return (str(path.resolve()), info.st_dev, info.st_ino)


def writable(path: Path) -> bool:
    """Whether we may write the file: its mode allows it (root too: a chmod a-w ledger is meant
    read-only) and the OS agrees."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return os.access(path.parent if str(path.parent) else Path("."), os.W_OK)
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(path, os.W_OK)


class SqliteBackend:
    """One SQLite ledger file."""

    kind = "sqlite"

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        self.label = str(path)
        self.create = create  # a read of a missing file makes an empty ledger (the library's default)
        # Writes reuse one connection per process: closing the last connection to a WAL file
        # checkpoints and fsyncs it (19 ms), which a connection per checkpoint paid every time.
        self._writer: sqlite3.Connection | None = None
        self._writer_at: tuple[int, tuple[str, int, int]] = (-1, ("", -1, -1))  # (pid, file key)
        self._lock = threading.RLock()  # the sampler thread and the caller share the connection

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def connect(self, write: bool) -> Iterator[Any]:
        if write:
            with self._lock, self._write_transaction() as conn:
                yield conn
            return
        conn = self._open_read()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            raise self._error(exc, write) from None
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._writer_connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            self._forget_writer()
            raise self._error(exc, True) from None
        except BaseException:
            _rollback(conn)
            raise

    def _writer_connection(self) -> sqlite3.Connection:
        """This process's write connection, made again if the file was replaced or we forked."""
        at = (os.getpid(), _key(self.path))
        if self._writer is not None and self._writer_at == at and at[1] in _PREPARED:
            if not writable(self.path):
                raise LedgerError(f"{self.label}: the ledger is read-only: cannot record into it "
                                  "(make it writable, or give another --ledger)")
            return self._writer
        self._forget_writer()
        conn = self._open_write()
        self._writer, self._writer_at = conn, (os.getpid(), _key(self.path))
        return conn

    def close(self) -> None:
        with self._lock:
            self._forget_writer()

    def __del__(self) -> None:
        # A sqlite3 connection is in a reference cycle with its own statement cache: unclosed, it
        # lives until a cyclic collection, whose close then checkpoints the WAL into the file at
        # an arbitrary later moment. Closed with its last user instead.
        with suppress(Exception):
            self._forget_writer()

    def _forget_writer(self) -> None:
        conn, self._writer = self._writer, None
        if conn is not None and self._writer_at[0] == os.getpid():
            with suppress(sqlite3.Error):
                conn.close()

    # -- opening ----------------------------------------------------------------------------------
    def _connect(self, uri: str | None, timeout_ms: int) -> sqlite3.Connection:
        timeout_ms = _lock_wait_ms(timeout_ms)
        try:
            if uri is None:  # a write connection, shared by the threads of this process (under a lock)
                conn = sqlite3.connect(self.path, timeout=timeout_ms / 1000, isolation_level=None,
                                       check_same_thread=False)
            else:
                conn = sqlite3.connect(uri, timeout=timeout_ms / 1000, isolation_level=None, uri=True)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        except sqlite3.Error as exc:
            raise self._error(exc, uri is None) from None
        return conn

    def execute_ops(self, ops: Sequence[tuple[str, list[Any], bool]]) -> None:
        """Run the statements in one write transaction."""
        with self.connect(write=True) as conn:
            for statement, args, many in ops:
                if many:
                    conn.executemany(statement, [tuple(a) for a in args])
                else:
                    conn.execute(statement, tuple(args))

    def _open_read(self) -> sqlite3.Connection:
        if self.create and not self.path.exists():
            self._open_write().close()
        if not self.path.exists():
            raise LedgerError(f"{self.label}: no such ledger (record a run with `energybill measure` first)")
        if self.path.is_dir() or not self.path.is_file():
            raise LedgerError(f"{self.label}: not a ledger file (a folder or a special file)")
        conn = self._ro_connection()
        try:
            version = self._check_version(conn)
            if version is not None and version < sql.SCHEMA_VERSION and writable(self.path):
                conn.close()
                self._open_write().close()  # an older energybill ledger: migrated once (ours to change)
                conn = self._ro_connection()
                version = self._check_version(conn)
        except BaseException:
            conn.close()
            raise
        if version is None:
            conn.close()
            raise LedgerError(f"{self.label}: not an energybill ledger (no energybill tables); "
                              "left untouched")
        if version < sql.SCHEMA_VERSION:
            conn.close()
            raise LedgerError(f"{self.label}: ledger schema {version} is older than this energybill's "
                              f"({sql.SCHEMA_VERSION}) and the file is read-only: open it once with write "
                              "access to upgrade it")
        return conn

    def _ro_connection(self) -> sqlite3.Connection:
        uri = "file:" + quote(str(self.path.resolve())) + "?mode=ro"
        conn = self._connect(uri, READ_BUSY_TIMEOUT_MS)
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.OperationalError as exc:
            conn.close()
            if "readonly" not in str(exc) or writable(self.path.parent):
                raise self._error(exc, False) from None
            # A WAL ledger in a folder nobody may write: no -shm can be made, and no writer can
            # be changing it, so it is read as an immutable file.
            return self._connect(uri + "&immutable=1", READ_BUSY_TIMEOUT_MS)
        except sqlite3.Error as exc:
            conn.close()
            raise self._error(exc, False) from None
        return conn

    def _open_write(self) -> sqlite3.Connection:
        if self.path.exists() and not self.path.is_file():
            raise LedgerError(f"{self.label}: not a ledger file (a folder or a special file)")
        if self.path.exists() and not writable(self.path):
            raise LedgerError(f"{self.label}: the ledger is read-only: cannot record into it "
                              "(make it writable, or give another --ledger)")
        if _key(self.path) in _PREPARED:
            conn = self._connect(None, BUSY_TIMEOUT_MS)
            conn.execute("PRAGMA synchronous = NORMAL")  # per connection: WAL, durable across a kill
            return conn
        if not self.path.exists():
            self._create_whole()
        if self.path.exists() and self.path.stat().st_size > 0:
            self._version_ro_or_refuse()  # never touch a file that is not ours
        conn = self._connect(None, BUSY_TIMEOUT_MS)
        try:
            self._make_current(conn)
        except sqlite3.Error as exc:
            _rollback(conn)
            conn.close()
            raise self._error(exc, True) from None
        except BaseException:
            _rollback(conn)
            conn.close()
            raise
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable across a killed process
        _PREPARED.add(_key(self.path))
        return conn

    def _create_whole(self) -> None:
        """Make a new ledger under a temporary name beside it and link it into place, so that a
        reader (`runs list` as `measure` starts) never sees a file without its tables. Where that
        cannot be done (no hard links, a folder we may not write), the caller makes it in place."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.new")
        try:
            with closing(sqlite3.connect(tmp, isolation_level=None)) as conn:
                self._make_current(conn)
            os.link(tmp, self.path)  # fails if another process made it first: theirs is used
        except (OSError, sqlite3.Error, LedgerError):
            pass
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                with suppress(OSError):
                    leftover.unlink()

    def _make_current(self, conn: sqlite3.Connection) -> None:
        """WAL (kept in the file's header), then the migrations the file lacks, in one write
        transaction; a SQLite file of another application (tables, no energybill meta) is refused."""
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        version = self._check_version(conn)
        if version is None and _tables(conn):
            raise LedgerError(f"{self.label}: not an energybill ledger (a SQLite file of another "
                              "application); left untouched")
        _apply_migrations(conn.execute, version)
        conn.execute("COMMIT")

    def _version_ro_or_refuse(self) -> None:
        """Refuse a SQLite file with tables but no energybill meta (an empty one is being created)."""
        conn = self._ro_connection()
        try:
            ours = self._check_version(conn) is not None or not _tables(conn)
        except sqlite3.Error as exc:
            raise self._error(exc, False) from None
        finally:
            conn.close()
        if not ours:
            raise LedgerError(f"{self.label}: not an energybill ledger (a SQLite file of another "
                              "application); left untouched")

    def _check_version(self, conn: sqlite3.Connection) -> int | None:
        """The file's schema version (None: no energybill meta table); raises for a newer or a
        garbled one."""
        try:
            has_meta = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
            if has_meta is None:
                return None
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.Error as exc:
            raise self._error(exc, False) from None
        if row is None:
            return None
        return _version(self.label, row[0])

    def _error(self, exc: sqlite3.Error, write: bool) -> LedgerError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            wait_s = _lock_wait_ms(BUSY_TIMEOUT_MS if write else READ_BUSY_TIMEOUT_MS) / 1000
            return LedgerError(f"{self.label}: the ledger is locked by another process "
                               f"(waited {wait_s:g} s); try again when it has finished")
        if "readonly" in text or "read-only" in text:
            return LedgerError(f"{self.label}: the ledger is read-only: cannot record into it "
                               "(make it writable, or give another --ledger)")
        if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text
                                                         or "corrupt" in text):
            return LedgerError(f"{self.label}: not an energybill ledger, or a damaged one ({text})")
        if "unable to open" in text:
            return LedgerError(f"{self.label}: cannot open the ledger ({text})")
        return LedgerError(f"{self.label}: ledger error ({_one_line(text)})")


def _lock_wait_ms(default_ms: int) -> int:
    """How long to wait for a locked file: ``$ENERGYBILL_LOCK_WAIT_S`` if set (0.1-3600 s)."""
    try:
        wait_s = float(os.environ.get(LOCK_WAIT_ENV, ""))
    except ValueError:
        return default_ms
    return int(min(max(wait_s, 0.1), 3600.0) * 1000) if wait_s == wait_s else default_ms


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]


def _rollback(conn: Any) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except Exception:  # the connection is gone: nothing to roll back
        pass


def _version(label: str, value: Any) -> int:
    text = str(value)
    if not re.fullmatch(r"[0-9]{1,6}", text.strip()):
        raise LedgerError(f"{label}: the ledger's schema_version {_one_line(text)[:40]!r} is not a number: "
                          "a damaged ledger or not an energybill one")
    version = int(text)
    if version > sql.SCHEMA_VERSION:
        raise LedgerError(f"{label}: ledger schema {version} is newer than this energybill "
                          f"(schema {sql.SCHEMA_VERSION}); upgrade energybill")
    return version


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- PostgreSQL -----------------------------------------------------------------------------------
class PgBackend:
    """A ledger in a PostgreSQL database, by URL (``postgresql://user@host:port/db``)."""

    kind = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self.label = redact(url)
        self._conn: Any = None
        self._pid = -1
        self._lock = threading.RLock()  # the sampler thread and the caller share the connection
        self._password = urlsplit(url).password or ""

    def exists(self) -> bool:
        return True

    def _describe(self) -> str:
        parts = urlsplit(self.url)
        return f"host {parts.hostname or 'localhost'}, database {parts.path.lstrip('/') or '(default)'}"

    def _scrub(self, text: str) -> str:
        text = _one_line(text)
        if self._password:
            text = text.replace(self._password, "***")
        return text

    def _driver(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise LedgerError(f"{self.label}: a PostgreSQL ledger needs psycopg: "
                              "pip install 'energybill[postgres]'") from None
        return psycopg

    def _open(self) -> Any:
        if self._conn is not None and self._pid == os.getpid() and not self._conn.closed:
            return self._conn
        psycopg = self._driver()
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                   row_factory=_row_factory)
            conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        except psycopg.OperationalError as exc:
            raise self._connect_error(exc) from None
        except psycopg.Error as exc:
            raise LedgerError(f"{self.label}: cannot use the ledger ({self._describe()}): "
                              f"{self._scrub(str(exc))}") from None
        self._conn, self._pid = conn, os.getpid()
        try:
            self._migrate(PgConnection(conn))
        except BaseException:
            self._drop()
            raise
        return conn

    def _connect_error(self, exc: Exception) -> LedgerError:
        text = self._scrub(str(exc))
        lowered = text.lower()
        fatal = ("password" in lowered or "authentication" in lowered or "does not exist" in lowered
                 or "no password supplied" in lowered or "permission denied" in lowered)
        reason = text.split("failed:")[-1].strip() if "failed:" in text else text
        message = f"{self.label}: cannot connect to the ledger ({self._describe()}): {reason}"
        return LedgerError(message) if fatal else LedgerUnavailable(message)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._pid == os.getpid():
            with suppress(Exception):  # already broken
                conn.close()

    def _migrate(self, conn: PgConnection) -> None:
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (_PG_LOCK_KEY,))
            version = self._pg_version(conn)
            if version is None and conn.execute("SELECT to_regclass('runs')").fetchone()[0] is not None:
                raise LedgerError(f"{self.label}: the database has a 'runs' table that is not an "
                                  "energybill ledger's (no meta table); give another database")
            _apply_migrations(conn.execute, version)
            conn.execute("COMMIT")
        except BaseException as exc:
            _rollback(conn)
            psycopg = self._driver()
            if isinstance(exc, psycopg.Error):
                raise self._use_error(exc) from None
            raise

    def _pg_version(self, conn: PgConnection) -> int | None:
        if conn.execute("SELECT to_regclass('meta')").fetchone()[0] is None:
            return None
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return None if row is None else _version(self.label, row[0])

    def _use_error(self, exc: Exception) -> LedgerError:
        psycopg = self._driver()
        broken = self._conn is None or self._conn.closed or getattr(self._conn, "broken", False)
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) and broken:
            self._drop()
            return LedgerUnavailable(f"{self.label}: lost the ledger's server ({self._describe()}): "
                                     f"{self._scrub(str(exc))}")
        if isinstance(exc, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable):
            return LedgerError(f"{self.label}: the ledger is locked by another process "
                               f"(waited {STATEMENT_TIMEOUT_MS / 1000:g} s); try again later")
        return LedgerError(f"{self.label}: ledger error ({self._describe()}): {self._scrub(str(exc))}")

    @contextmanager
    def connect(self, write: bool) -> Iterator[Any]:
        """A write: one transaction. A read: each statement on its own (autocommit), which saves
        the BEGIN and COMMIT round trips; no read needs a snapshot across statements."""
        with self._lock:
            raw = self._open()
            conn = PgConnection(raw)
            psycopg = self._driver()
            try:
                if write:
                    conn.execute("BEGIN")
                yield conn
                if write:
                    conn.execute("COMMIT")
            except psycopg.Error as exc:
                _rollback(conn)
                raise self._use_error(exc) from None
            except BaseException:
                _rollback(conn)
                raise

    def execute_ops(self, ops: Sequence[tuple[str, list[Any], bool]]) -> None:
        """Run the statements in one transaction, pipelined: one round trip to the server, not one
        per statement."""
        with self._lock:
            raw = self._open()
            psycopg = self._driver()
            try:
                with raw.pipeline(), raw.cursor() as cursor:
                    cursor.execute("BEGIN")
                    for statement, args, many in ops:
                        if many:
                            if args:
                                cursor.executemany(_pg_sql(statement), [tuple(a) for a in args])
                        else:
                            cursor.execute(_pg_sql(statement), tuple(args))
                    cursor.execute("COMMIT")
            except psycopg.Error as exc:
                _rollback(PgConnection(raw))
                raise self._use_error(exc) from None


def open_backend(location: str | Path, create: bool = True) -> SqliteBackend | PgBackend:
    if is_url(location):
        return PgBackend(str(location))
    return SqliteBackend(Path(location), create)


def _apply_migrations(execute: Callable[..., Any], version: int | None) -> None:
    """Every migration step after ``version``, each followed by the schema version it leaves (one
    text for SQLite and PostgreSQL; the caller holds the transaction and, on PostgreSQL, the lock)."""
    for number, statements in sql.steps_from(version or 0):
        for statement in statements:
            execute(statement)
        execute(sql.SET_SCHEMA_VERSION, (str(number),))
