"""A small HTTP client for JSON APIs on someone else's server, bounded in time and size.

An import talks to a server we do not control (Prometheus, often behind a proxy): it may answer a
login page, an endless or enormous body, or drip a byte every few seconds. So:

- one overall deadline for the whole import (every request shares it); a watchdog shuts the
  socket down when it passes, so that a dripping server cannot stretch a read past it;
- a cap on the size of each answer (its ``Content-Length`` and the bytes actually read);
- redirects followed only to the same scheme, host and port (a redirect elsewhere could carry
  the query, and its labels, to a host nobody named), at most ``MAX_REDIRECTS`` of them;
- an answer that is not JSON named as such in one line, with no remote text echoed verbatim.

One keep-alive connection is reused between requests (thousands of chunk queries per import).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from energybill.core.errors import EnergybillError

MAX_REDIRECTS = 3
REQUEST_TIMEOUT_S = 60.0  # one request's idle limit, within the overall deadline
_READ_BYTES = 1 << 16


class HttpJsonError(EnergybillError):
    """The server cannot be reached, answers too late, too much, elsewhere or not in JSON."""


def redact(text: str, url: str) -> str:
    """``text`` with ``url``'s password (and ``user:password@``) taken out: for error lines."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.password:
        text = text.replace(f"{parts.username}:{parts.password}@", "").replace(parts.password, "***")
    return text.replace(f"{parts.username}@", "") if parts.username else text


def printable(text: str, limit: int = 160) -> str:
    """Remote text made safe for one terminal line: controls escaped, length bounded."""
    out = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[:limit])
    return out + ("…" if len(text) > limit else "")


@dataclass
class JsonClient:
    """GETs JSON from one base URL; every request shares one deadline (``time.monotonic``)."""

    base_url: str
    deadline_s: float  # overall seconds allowed, from construction
    max_response_bytes: int
    service: str = "the server"  # named in errors: "cannot reach Prometheus"
    _deadline: float = field(init=False)
    _parts: urllib.parse.SplitResult = field(init=False)
    _conn: http.client.HTTPConnection | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.deadline_s) and self.deadline_s > 0):
            raise HttpJsonError(f"the import's deadline must be a positive number of seconds, "
                                f"got {self.deadline_s}")
        self._deadline = time.monotonic() + self.deadline_s
        parts = urllib.parse.urlsplit(self.base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            shown = printable(urllib.parse.urlunsplit(parts._replace(netloc=parts.hostname or "")))
            raise HttpJsonError(f"{shown or 'the URL'}: not an http(s) URL (e.g. http://prometheus:9090)")
        try:
            parts.port  # noqa: B018 - raises ValueError on a port out of range
        except ValueError:
            host = printable(parts.hostname or "")
            raise HttpJsonError(f"{host}: the port is not a number 1-65535") from None
        self._parts = parts

    @property
    def url(self) -> str:
        """The base URL as printed and recorded: without any user name or password in it."""
        host = self._parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if self._parts.port is not None:
            netloc += f":{self._parts.port}"
        return urllib.parse.urlunsplit((self._parts.scheme, netloc, self._parts.path, "", "")).rstrip("/")

    def _auth(self) -> dict[str, str]:
        """HTTP basic auth from ``http://user:password@host`` (sent, never printed)."""
        if self._parts.username is None:
            return {}
        import base64

        user = urllib.parse.unquote(self._parts.username)
        password = urllib.parse.unquote(self._parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def remaining_s(self) -> float:
        return self._deadline - time.monotonic()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, path: str, params: dict[str, str]) -> tuple[int, object]:
        """``(HTTP status, parsed JSON)`` of ``GET base/path?params``; raises HttpJsonError otherwise."""
        target = self._parts.path.rstrip("/") + path + "?" + urllib.parse.urlencode(params)
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, body = self._request(target)
            if status in (301, 302, 303, 307, 308):
                target = self._same_host(headers.get("location") or "")
                continue
            return status, self._decode(status, headers, body)
        raise HttpJsonError(f"{self.url}: more than {MAX_REDIRECTS} redirects")

    # -- one request ---------------------------------------------------------------------------
    def _request(self, target: str) -> tuple[int, dict[str, str], bytes]:
        for attempt in (0, 1):  # a kept-alive connection the server closed is re-opened once
            remaining = self.remaining_s()
            if remaining <= 0:
                raise self._late()
            conn = self._connection(min(remaining, REQUEST_TIMEOUT_S))
            fired = threading.Event()
            watchdog = threading.Timer(remaining, _shut, (conn, fired))
            watchdog.daemon = True
            watchdog.start()
            try:
                conn.request("GET", target, headers={"Accept": "application/json",
                                                     "Accept-Encoding": "identity", **self._auth()})
                response = conn.getresponse()
                headers = {k.lower(): v for k, v in response.getheaders()}
                body = self._read(response, headers)
                if fired.is_set():
                    raise self._late()
                declared = headers.get("content-length", "")
                if declared.isdigit() and len(body) != int(declared):
                    self.close()
                    raise HttpJsonError(f"{self.url}: an incomplete answer ({len(body):,} of "
                                        f"{int(declared):,} bytes)")
                if headers.get("connection", "").lower() == "close":
                    self.close()
                return response.status, headers, body
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if fired.is_set():
                    raise self._late() from None
                if attempt == 1:
                    raise HttpJsonError(f"{self.url}: the server closed the connection ({exc})") from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if fired.is_set() or self.remaining_s() <= 0:
                    raise self._late() from None
                reason = printable(str(exc) or type(exc).__name__)
                raise HttpJsonError(f"{self.url}: cannot reach {self.service} ({reason})") from None
            finally:
                watchdog.cancel()
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, timeout_s: float) -> http.client.HTTPConnection:
        if self._conn is None:
            https = self._parts.scheme == "https"
            kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
            self._conn = kind(self._parts.hostname or "", self._parts.port, timeout=timeout_s)
        else:
            self._conn.timeout = timeout_s
            if self._conn.sock is not None:
                self._conn.sock.settimeout(timeout_s)
        return self._conn

    def _read(self, response: http.client.HTTPResponse, headers: dict[str, str]) -> bytes:
        cap = self.max_response_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            self.close()
            raise self._too_big(int(declared))
        body = bytearray()
        while chunk := response.read1(_READ_BYTES):
            body += chunk
            if len(body) > cap:
                self.close()
                raise self._too_big(len(body))
            if self.remaining_s() <= 0:
                self.close()
                raise self._late()
        body += response.read()  # b'': marks the response done, so the connection can be reused
        return bytes(body)

    def _same_host(self, location: str) -> str:
        here = self._parts
        there = urllib.parse.urlsplit(urllib.parse.urljoin(urllib.parse.urlunsplit(here), location))
        if (there.scheme, there.hostname, there.port) != (here.scheme, here.hostname, here.port):
            where = f"{there.scheme}://{there.hostname}" + (f":{there.port}" if there.port else "")
            raise HttpJsonError(f"{self.url}: redirected to another host ({printable(where)}): refused "
                                "(give the URL the server redirects to, if you trust it)")
        return urllib.parse.urlunsplit(("", "", there.path or "/", there.query, ""))

    def _decode(self, status: int, headers: dict[str, str], body: bytes) -> object:
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            return json.loads(body, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            what = f"a {kind} page" if kind else "something"
            hint = " (a login page or a proxy in the way?)" if "html" in kind else ""
            raise HttpJsonError(f"{self.url}: answered {what}, not JSON (HTTP {status}){hint}") from None

    def _late(self) -> HttpJsonError:
        self.close()
        return HttpJsonError(f"{self.url}: no complete answer within the import's deadline of "
                             f"{self.deadline_s:g} s (--timeout)")

    def _too_big(self, size: int) -> HttpJsonError:
        return HttpJsonError(f"{self.url}: an answer of more than {self.max_response_bytes / 2**20:g} MiB "
                             f"({size:,} bytes so far): refused (--max-response-mb)")


def _no_constant(name: str) -> float:
    """Bare NaN/Infinity are not JSON: a value is then NaN, so that it is skipped and counted."""
    return math.nan


def _shut(conn: http.client.HTTPConnection, fired: threading.Event) -> None:
    """The deadline passed mid-request: unblock the read (the request then fails as late)."""
    fired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
