"""A fake Prometheus query API on loopback, for the import's fault tests (no Prometheus binary needed).

It answers ``/api/v1/series`` (every series it holds) and ``/api/v1/query`` for a range selector
``{label="value",…}[Ns]`` at a time T with the samples in (T − N, T], as Prometheus 3 does; more
than 11,000 points of one series in one query is refused with Prometheus' own status (422), so a
client that does not chunk fails here as it would there. A test may replace any answer with
``override``: an HTML page, a wrong shape, a redirect, a dripping or an enormous body.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MAX_POINTS = 11_000
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
_RANGE = re.compile(r"^\{(.*)\}\[(\d+)s\]$")

Samples = list[tuple[float, str]]
Override = Callable[[http.server.BaseHTTPRequestHandler], bool]  # True: answered, skip the normal answer


class FakePrometheus(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, series: list[tuple[dict[str, str], Samples]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.series = series
        self.override: Override | None = None
        self.queries = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def send_json(handler: http.server.BaseHTTPRequestHandler, status: int, body: object) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakePrometheus
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.server.override is not None and self.server.override(self):
            return
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/api/v1/series":
            send_json(self, 200, {"status": "success", "data": [labels for labels, _ in self.server.series]})
        elif url.path == "/api/v1/query":
            self.server.queries += 1
            self._query(params["query"], float(params["time"]))
        else:
            send_json(self, 404, {"status": "error", "error": "not found"})

    def _query(self, query: str, at_s: float) -> None:
        match = _RANGE.match(query)
        if match is None:
            send_json(self, 400, {"status": "error", "errorType": "bad_data", "error": f"fake: {query}"})
            return
        wanted = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _MATCHER.findall(match[1])}
        window = float(match[2])
        result = []
        for labels, samples in self.server.series:
            if all(labels.get(k) == v for k, v in wanted.items()):
                values = [[t, v] for t, v in samples if at_s - window < t <= at_s]
                if len(values) > MAX_POINTS:
                    send_json(self, 422, {"status": "error", "errorType": "execution", "error":
                                          "exceeded maximum resolution of 11,000 points per timeseries"})
                    return
                result.append({"metric": labels, "values": values})
        send_json(self, 200, {"status": "success", "data": {"resultType": "matrix", "result": result}})

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(series: list[tuple[dict[str, str], Samples]]) -> Iterator[FakePrometheus]:
    server = FakePrometheus(series)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def drip(handler: http.server.BaseHTTPRequestHandler, every_s: float = 1.0, limit_s: float = 30.0) -> None:
    """A valid start of a JSON answer, then one byte every ``every_s`` seconds."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    end = time.monotonic() + limit_s
    try:
        handler.wfile.write(b'{"status": "success", "data": ')
        handler.wfile.flush()
        while time.monotonic() < end:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(every_s)
    except OSError:
        pass  # the client gave up: what the test wants
