"""Hostile servers and inputs for `energybill import` (issue 12 item 7, issue 16 faults).

Every case runs the real CLI as a subprocess against a fake Prometheus API on loopback
(tests/fakeprom.py) and asserts: exit code 2, one line on stderr, no traceback, and nothing
written to the ledger (no run, so none left ``running``).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.fakeprom import FakePrometheus, drip, send_json, serve

T0 = 1_795_669_200  # 2026-11-26T05:00:00Z
STEP_S = 15
STEPS = 240  # one hour


def _gpu(host: str, uuid: str) -> dict[str, str]:
    return {"__name__": "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "Hostname": host, "UUID": uuid, "gpu": "0"}


def _series() -> list[tuple[dict[str, str], list[tuple[float, str]]]]:
    # node-a: +1,000 mJ per 15 s step → 240 steps = 240,000 mJ = 240 J.
    # node-b: 200 W → 3,000,000 mJ per step → 720,000 J.
    a = [(float(T0 + STEP_S * k), str(1000 * k)) for k in range(STEPS + 1)]
    b = [(float(T0 + STEP_S * k), str(3_000_000 * k)) for k in range(STEPS + 1)]
    return [(_gpu("node-a", "GPU-a"), a), (_gpu("node-b", "GPU-b"), b)]


@pytest.fixture
def prom() -> Iterator[FakePrometheus]:
    with serve(_series()) as server:
        yield server


def _import(url: str, ledger: Path, *extra: str, start: str = str(T0),
            end: str = str(T0 + STEP_S * STEPS)) -> subprocess.CompletedProcess[str]:
    return run_cli("import", "prometheus", "--url", url, "--start", start, "--end", end,
                   "--ledger", str(ledger), *extra)


def _one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _no_run(ledger: Path) -> None:
    """Nothing recorded: no ledger, or one without runs (so no run is left `running`)."""
    if ledger.exists():
        with sqlite3.connect(ledger) as conn:
            assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def _html(handler: http.server.BaseHTTPRequestHandler) -> bool:
    page = b"<!doctype html><html><body><form action=/login>Sign in</form></body></html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(page)))
    handler.end_headers()
    handler.wfile.write(page)
    return True


def test_the_baseline_import_works(prom: FakePrometheus, tmp_path: Path) -> None:
    done = _import(prom.url, tmp_path / "r.db")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "r.db") as conn:
        [(energy_j, status)] = conn.execute("SELECT energy_j, status FROM runs").fetchall()
    assert energy_j == pytest.approx(240.0 + 720_000.0) and status == "completed"


def test_an_html_login_page_is_one_line(prom: FakePrometheus, tmp_path: Path) -> None:
    prom.override = _html
    _one_line_error(_import(prom.url, tmp_path / "r.db"), "text/html", "not JSON", "login page")
    _no_run(tmp_path / "r.db")


@pytest.mark.parametrize("body", [
    {"status": "success", "data": {"resultType": "vector", "result": []}},
    {"status": "success", "data": {"resultType": "matrix", "result": {"a": 1}}},
    {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": "x", "values": []}]}},
    {"status": "success", "data": {"resultType": "matrix",
                                   "result": [{"metric": {"a": "b"}, "values": [[1, 2, 3]]}]}},
    {"status": "success", "data": {"resultType": "matrix",
                                   "result": [{"metric": {"a": "b"}, "values": [[T0, {"v": 1}]]}]}},
    ["not", "an", "object"],
    {"status": "success"},
], ids=["vector", "result-object", "metric-string", "triple", "value-object", "list", "no-data"])
def test_a_query_answer_of_the_wrong_shape_is_one_line(prom: FakePrometheus, tmp_path: Path,
                                                       body: object) -> None:
    def wrong(handler: http.server.BaseHTTPRequestHandler) -> bool:
        if "/api/v1/query" not in handler.path:
            return False
        send_json(handler, 200, body)
        return True

    prom.override = wrong
    _one_line_error(_import(prom.url, tmp_path / "r.db"), prom.url)
    _no_run(tmp_path / "r.db")


@pytest.mark.parametrize("data", [{"a": 1}, [{"a": 1}], ["x"]], ids=["object", "number-label", "string"])
def test_a_series_list_of_the_wrong_shape_is_one_line(prom: FakePrometheus, tmp_path: Path,
                                                      data: object) -> None:
    def wrong(handler: http.server.BaseHTTPRequestHandler) -> bool:
        send_json(handler, 200, {"status": "success", "data": data})
        return True

    prom.override = wrong
    _one_line_error(_import(prom.url, tmp_path / "r.db"), "not what Prometheus' HTTP API returns")
    _no_run(tmp_path / "r.db")


def test_a_bad_label_name_from_the_server_is_one_line(prom: FakePrometheus, tmp_path: Path) -> None:
    prom.series = [({"__name__": "m", "bad label": "x"}, [(float(T0), "1")])]
    _one_line_error(_import(prom.url, tmp_path / "r.db"), "not a Prometheus label name")


def test_nan_inf_and_negative_samples_are_skipped_and_counted(tmp_path: Path) -> None:
    series = _series()
    a_labels, a = series[0]
    # Three samples between regular ones that no energy counter can give: if counted, "+Inf"
    # would make the run infinite and "-5" would add 5 + 4,000 mJ after it.
    bad = [(float(T0 + 7), "NaN"), (float(T0 + 22), "+Inf"), (float(T0 + 37), "-5"), (float(T0 + 52), "-Inf")]
    series[0] = (a_labels, sorted(a + bad))
    ledger = tmp_path / "r.db"
    with serve(series) as prom:
        done = _import(prom.url, ledger)
    assert done.returncode == 0, done.stderr
    assert "skipped 4 sample(s)" in done.stderr and "3 not finite (NaN/Inf), 1 negative" in done.stderr
    with sqlite3.connect(ledger) as conn:
        [(energy_j, notes)] = conn.execute("SELECT energy_j, notes FROM runs").fetchall()
    assert energy_j == pytest.approx(240.0 + 720_000.0)  # as if the bad samples were not there
    assert "skipped 4 sample(s)" in notes


def test_bare_nan_tokens_in_the_json_are_skipped_too(prom: FakePrometheus, tmp_path: Path) -> None:
    def bare_nan(handler: http.server.BaseHTTPRequestHandler) -> bool:
        if "/api/v1/query" not in handler.path or "GPU-a" not in handler.path:
            return False
        values = ", ".join(f'[{T0 + STEP_S * k}, "{1000 * k}"]' for k in range(STEPS + 1))
        labels = json.dumps(_gpu("node-a", "GPU-a"))
        body = (f'{{"status": "success", "data": {{"resultType": "matrix", "result": [{{"metric": '
                f'{labels}, "values": [[{T0 + 1}, NaN], {values}]}}]}}}}').encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    prom.override = bare_nan
    done = _import(prom.url, tmp_path / "r.db")
    assert done.returncode == 0, done.stderr
    assert "1 not finite" in done.stderr


def test_a_dripping_server_meets_the_overall_deadline(prom: FakePrometheus, tmp_path: Path) -> None:
    prom.override = lambda handler: (drip(handler, every_s=0.5, limit_s=30), True)[1]
    began = time.monotonic()
    done = _import(prom.url, tmp_path / "r.db", "--timeout", "3")
    took = time.monotonic() - began
    _one_line_error(done, "deadline of 3 s", "--timeout")
    assert took < 15, f"the import took {took:.1f} s with a 3 s deadline"
    _no_run(tmp_path / "r.db")


def test_a_server_that_never_answers_meets_the_deadline(prom: FakePrometheus, tmp_path: Path) -> None:
    prom.override = lambda handler: (time.sleep(20), True)[1]
    began = time.monotonic()
    done = _import(prom.url, tmp_path / "r.db", "--timeout", "2")
    assert time.monotonic() - began < 14
    _one_line_error(done, "deadline")


@pytest.mark.parametrize(("start", "end", "needle"), [
    (str(T0), "inf", "--end"),
    (str(T0), "nan", "--end"),
    ("-inf", str(T0), "--start"),
    (str(T0), "1e300", "--end"),
    ("-1", str(T0), "--start"),
    (str(T0), str(T0), "--end must be after --start"),
    (str(T0 + 10), str(T0), "--end must be after --start"),
    (str(T0), str(T0 + 401 * 86_400), "at most 400"),
    ("2026-13-40T00:00:00Z", str(T0), "ISO 8601"),
])
def test_start_and_end_must_be_a_finite_sane_window(prom: FakePrometheus, tmp_path: Path, start: str,
                                                    end: str, needle: str) -> None:
    began = time.monotonic()
    done = _import(prom.url, tmp_path / "r.db", start=start, end=end)
    _one_line_error(done, needle)
    assert time.monotonic() - began < 20 and prom.queries == 0
    _no_run(tmp_path / "r.db")


def test_an_answer_over_the_size_cap_is_refused(prom: FakePrometheus, tmp_path: Path) -> None:
    # One series' hour: ~241 samples × ~25 bytes ≈ 6 KB + labels; the cap below is 1 KiB.
    _one_line_error(_import(prom.url, tmp_path / "r.db", "--max-response-mb", "0.001"),
                    "MiB", "--max-response-mb")
    _no_run(tmp_path / "r.db")


def test_an_endless_body_without_length_is_cut_at_the_cap(prom: FakePrometheus, tmp_path: Path) -> None:
    def endless(handler: http.server.BaseHTTPRequestHandler) -> bool:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Connection", "close")
        handler.end_headers()
        with contextlib.suppress(OSError):
            handler.wfile.write(b'{"status": "success", "data": [' + b'{"a": "b"}, ' * 2_000_000)
        return True

    prom.override = endless
    _one_line_error(_import(prom.url, tmp_path / "r.db", "--max-response-mb", "1"), "more than 1 MiB")


def test_a_redirect_to_another_host_is_refused(prom: FakePrometheus, tmp_path: Path) -> None:
    port = prom.server_address[1]

    def elsewhere(handler: http.server.BaseHTTPRequestHandler) -> bool:
        handler.send_response(302)
        handler.send_header("Location", f"http://localhost:{port}/api/v1/series?stolen=1")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    prom.override = elsewhere
    _one_line_error(_import(prom.url, tmp_path / "r.db"), "redirected to another host", "refused")


def test_a_redirect_on_the_same_host_is_followed(prom: FakePrometheus, tmp_path: Path) -> None:
    def moved(handler: http.server.BaseHTTPRequestHandler) -> bool:
        if not handler.path.startswith("/old"):
            return False
        handler.send_response(308)
        handler.send_header("Location", handler.path[len("/old"):])
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    prom.override = moved
    done = _import(prom.url + "/old", tmp_path / "r.db")
    assert done.returncode == 0, done.stderr


def test_a_redirect_loop_is_one_line(prom: FakePrometheus, tmp_path: Path) -> None:
    def loop(handler: http.server.BaseHTTPRequestHandler) -> bool:
        handler.send_response(302)
        handler.send_header("Location", handler.path)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    prom.override = loop
    _one_line_error(_import(prom.url, tmp_path / "r.db"), "redirects")


def test_a_refused_query_gives_prometheus_reason_on_one_line(prom: FakePrometheus, tmp_path: Path) -> None:
    def refuse(handler: http.server.BaseHTTPRequestHandler) -> bool:
        send_json(handler, 400, {"status": "error", "errorType": "bad_data",
                                 "error": "parse error\n\x1b[31mred\x1b[0m at char 5"})
        return True

    prom.override = refuse
    done = _import(prom.url, tmp_path / "r.db")
    _one_line_error(done, "refused (HTTP 400)", "parse error")
    assert "\x1b" not in done.stderr  # the server's escape sequences never reach the terminal


def test_a_failure_after_some_series_records_nothing(prom: FakePrometheus, tmp_path: Path) -> None:
    def fail_late(handler: http.server.BaseHTTPRequestHandler) -> bool:
        if "GPU-b" not in urllib_unquote(handler.path):
            return False
        return _html(handler)

    prom.override = fail_late
    ledger = tmp_path / "r.db"
    _one_line_error(_import(ledger=ledger, url=prom.url), "not JSON")
    _no_run(ledger)


def urllib_unquote(path: str) -> str:
    import urllib.parse

    return urllib.parse.unquote_plus(path)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/", "http://", "http://127.0.0.1:99999",
                                 "not a url"])
def test_a_url_that_is_not_http_is_one_line(tmp_path: Path, url: str) -> None:
    _one_line_error(_import(url, tmp_path / "r.db"))
    _no_run(tmp_path / "r.db")


def test_a_long_job_is_read_in_chunks_under_the_points_cap(tmp_path: Path) -> None:
    # One day at 5 s = 17,281 samples: more than the 11,000 points a query may return, so an
    # import that asked for the whole day at once would be refused (422) by the fake server.
    # 300 W → 1,500,000 mJ per 5 s step; 17,280 steps → 25,920,000 J (= 300 W × 86,400 s).
    samples = [(float(T0 + 5 * k), str(1_500_000 * k)) for k in range(17_281)]
    ledger = tmp_path / "r.db"
    with serve([(_gpu("node-c", "GPU-c"), samples)]) as prom:
        done = _import(prom.url, ledger, end=str(T0 + 86_400))
        queries = prom.queries
    assert done.returncode == 0, done.stderr
    assert queries >= 2
    with sqlite3.connect(ledger) as conn:
        [energy_j] = conn.execute("SELECT energy_j FROM runs").fetchone()
    assert energy_j == pytest.approx(300 * 86_400)


# -- SLURM: sacct answers that are not Slurm's documented JSON, and sacct itself failing ---------------
def _slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str | bytes, *extra: str,
           exit_code: int = 0, stderr: str = "", sleep_s: float = 0.0,
           job_ids: str = "1001") -> subprocess.CompletedProcess[str]:
    from tests.slurm_fixtures import install_shim, path_with

    folder = tmp_path / "bin"
    install_shim(folder, body, exit_code, stderr, sleep_s)
    monkeypatch.setenv("PATH", path_with(folder))
    return run_cli("import", "slurm", "--job", job_ids, "--gpu-watts", "400",
                   "--ledger", str(tmp_path / "r.db"), *extra)


def _good_job(job_id: int = 1001) -> dict[str, object]:
    from tests.slurm_fixtures import T0, job, step, tres

    return job(job_id, "ok", "gpu-[01-02]", "COMPLETED", T0, 3600, [tres("gres", "gpu", 8, 1001)],
               [step(job_id, "extern", ["gpu-01", "gpu-02"], T0, T0 + 3600, 1_000_000)])


def _broken(path: tuple[str | int, ...], value: object) -> str:
    """A valid answer of two jobs with one value replaced in the second (the first must not be written)."""
    from tests.slurm_fixtures import answer

    body: Any = answer([_good_job(1001), _good_job(1002)])
    target = body["jobs"][1]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(body)


@pytest.mark.parametrize(("path", "value", "needle"), [
    (("time", "elapsed"), "three hours", "jobs[1].time.elapsed"),
    (("time", "elapsed"), -5, "jobs[1].time.elapsed"),
    (("state",), {"reason": "None"}, "jobs[1].state.current"),
    (("state", "current"), "COMPLETED", "jobs[1].state.current"),
    (("job_id",), "1002; rm -rf /", "jobs[1].job_id"),
    (("steps", 0, "statistics", "energy", "consumed", "number"), -1.0, "jobs[1].steps[0]"),
    (("steps", 0, "nodes", "list"), "gpu-01", "jobs[1].steps[0].nodes"),
    (("tres", "allocated"), [{"count": 8}], "jobs[1].tres.allocated[0].type"),
    (("nodes",), "gpu-[01-", "not a hostlist"),
    (("nodes",), "gpu-[a-b]", "is not a range"),
    (("nodes",), "gpu-[0-99999999]", "more than 100,000 nodes"),
    (("nodes",), "r[0-9999]n[0-9999]", "more than 100,000 nodes"),
], ids=["elapsed-text", "elapsed-negative", "no-current", "current-string", "job-id-text",
        "energy-negative", "nodes-list-string", "tres-no-type", "hostlist-unbalanced", "hostlist-letters",
        "hostlist-huge", "hostlist-product"])
def test_a_sacct_answer_off_the_schema_is_one_line_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: tuple[str | int, ...], value: object,
        needle: str) -> None:
    done = _slurm(tmp_path, monkeypatch, _broken(path, value), job_ids="1001,1002")
    _one_line_error(done, needle)
    _no_run(tmp_path / "r.db")


@pytest.mark.parametrize(("body", "needle"), [
    ("<html>login</html>", "not JSON"),
    ("", "not JSON"),
    ('{"jobs": {"1001": {}}}', "jobs"),
    ('{"meta": {}}', "jobs"),
    ("[" * 100_000, "not JSON"),
    ('{"jobs": [{"job_id": 1001, "state": {"current": ["COMPLETED"]}, "time": {"elapsed": NaN}}]}',
     "jobs[0].time.elapsed"),
], ids=["html", "empty", "jobs-object", "no-jobs", "deep", "bare-nan"])
def test_sacct_output_that_is_not_its_json_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       body: str, needle: str) -> None:
    _one_line_error(_slurm(tmp_path, monkeypatch, body), needle)
    _no_run(tmp_path / "r.db")


def test_a_failing_sacct_is_one_line_with_its_message_made_safe(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    done = _slurm(tmp_path, monkeypatch, "", exit_code=1,
                  stderr="sacct: error: Problem talking to the database: \x1b[31mConnection refused\n")
    _one_line_error(done, "sacct failed (exit 1)", "Problem talking to the database")
    assert "\x1b" not in done.stderr


def test_a_hanging_sacct_meets_its_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    began = time.monotonic()
    done = _slurm(tmp_path, monkeypatch, "{}", "--sacct-timeout", "1", sleep_s=30)
    _one_line_error(done, "no answer within 1 s")
    assert time.monotonic() - began < 20


def test_sacct_missing_from_path_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    import sys

    done = subprocess.run([sys.executable, "-m", "energybill", "import", "slurm", "--job", "1",
                           "--gpu-watts", "400", "--ledger", str(tmp_path / "r.db")],
                          capture_output=True, text=True, timeout=60)
    _one_line_error(done, "sacct not found on PATH")


@pytest.mark.parametrize("ids", ["1;rm -rf ~", "--all", "abc", "", ",", "1,,x", "9" * 40])
def test_job_ids_that_are_not_ids_are_refused_before_sacct_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: str) -> None:
    from tests.slurm_fixtures import answer, calls

    done = _slurm(tmp_path, monkeypatch, json.dumps(answer([_good_job()])), job_ids=ids)
    _one_line_error(done, "--job")
    assert calls(tmp_path / "bin") == []


def test_only_unfinished_jobs_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.slurm_fixtures import answer

    pending = _good_job()
    pending["state"] = {"current": ["PENDING"], "reason": "Priority"}
    done = _slurm(tmp_path, monkeypatch, json.dumps(answer([pending])))
    _one_line_error(done, "no finished job", "1001 (PENDING)")
    _no_run(tmp_path / "r.db")
    pending["state"] = {"current": ["CANCELLED"], "reason": "None"}
    pending["time"] = {"elapsed": 0, "start": 0, "end": 0}
    pending["nodes"] = "None assigned"
    done = _slurm(tmp_path, monkeypatch, json.dumps(answer([pending])))
    _one_line_error(done, "no finished job", "1001 (CANCELLED, never started)")
    _no_run(tmp_path / "r.db")


# -- MLflow: stores that are not MLflow's, servers that are not there or answer HTML -----------------
def _mlflow(tmp_path: Path, uri: str) -> subprocess.CompletedProcess[str]:
    return run_cli("import", "mlflow", "--tracking-uri", uri, "--experiment", "x", "--ledger",
                   str(tmp_path / "r.db"))


def test_mlflow_sqlite_store_that_is_missing_is_not_created(tmp_path: Path) -> None:
    _one_line_error(_mlflow(tmp_path, f"sqlite:///{tmp_path / 'nope.db'}"), "no such MLflow store")
    assert not (tmp_path / "nope.db").exists()


def test_mlflow_refuses_another_applications_sqlite_file_untouched(tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    before = other.read_bytes()
    _one_line_error(_mlflow(tmp_path, f"sqlite:///{other}"), "not an MLflow tracking store")
    assert other.read_bytes() == before


def test_mlflow_store_of_garbage_bytes_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00\xff" * 5000)
    _one_line_error(_mlflow(tmp_path, f"sqlite:///{junk}"), "junk.db")


def test_mlflow_server_unreachable_is_one_line_in_bounded_time(tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    began = time.monotonic()
    _one_line_error(_mlflow(tmp_path, f"http://127.0.0.1:{port}"), "MLflow could not be read")
    assert time.monotonic() - began < 60


def test_mlflow_server_answering_a_login_page_is_one_line(prom: FakePrometheus, tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    prom.override = _html
    _one_line_error(_mlflow(tmp_path, prom.url), "MLflow could not be read")
    _no_run(tmp_path / "r.db")


def test_credentials_in_the_url_are_sent_never_printed_or_recorded(prom: FakePrometheus,
                                                                    tmp_path: Path) -> None:
    import base64

    seen: list[str] = []

    def capture(handler: http.server.BaseHTTPRequestHandler) -> bool:
        seen.append(handler.headers.get("Authorization", ""))
        return False

    prom.override = capture
    url = prom.url.replace("http://", "http://alice:s3cr%40t@")
    done = _import(url, tmp_path / "r.db")
    assert done.returncode == 0, done.stderr
    assert seen and set(seen) == {"Basic " + base64.b64encode(b"alice:s3cr@t").decode()}
    assert "s3cr" not in done.stdout + done.stderr
    assert b"s3cr" not in (tmp_path / "r.db").read_bytes()
    prom.override = _html
    failed = _import(url, tmp_path / "r2.db")
    _one_line_error(failed, "not JSON")
    assert "s3cr" not in failed.stderr and "alice" not in failed.stderr


def test_mlflow_credentials_are_not_printed(tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = _mlflow(tmp_path, f"http://bob:hunter2@127.0.0.1:{port}")
    _one_line_error(done, "MLflow could not be read")
    assert "hunter2" not in done.stderr
