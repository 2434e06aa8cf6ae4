"""Hostile values of the command-line options and environment of every command (not project files:
test_fuzz.py has those). Each case: exit code 2, one line on stderr naming the option and what is
allowed, no traceback; inputs left as they were; a password never printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.hostile.common import MINI_PROJECT, Snapshot, energybill, one_line_error, succeeded

LONG_NAME = "y" * 300  # past NAME_MAX: os.stat raised ENAMETOOLONG (a traceback)
PASSWORD_URL = "mysql://u:secret@h/db"

# (case, arguments ({f}: the mini project), what the line names)
OPTIONS = [
    # --relocate: a number is an intensity, checked once (it was one line per compute site)
    ("relocate-negative", ("bill", "{f}", "--relocate", "-1"), "--relocate"),
    ("relocate-huge", ("bill", "{f}", "--relocate", "1e308"), "--relocate"),
    ("relocate-overflow", ("bill", "{f}", "--relocate", "1e400"), "--relocate"),
    ("relocate-neg-inf", ("bill", "{f}", "--relocate", "-inf"), "--relocate"),
    ("compare-relocate-nan", ("compare", "{f}", "--relocate", "nan"), "--relocate"),
    ("relocate-unknown", ("bill", "{f}", "--relocate", "nowhere"), "relocate"),
    # subnormal numbers passed "> 0", then a product underflowed and a division by zero followed
    ("plan-subnormal-energy", ("plan", "--energy-kwh", "1e-320"), "--energy-kwh"),
    ("plan-subnormal-co2e", ("plan", "--co2e-kg", "1e-320"), "--co2e-kg"),
    ("plan-subnormal-tflops", ("plan", "--flops", "1e21", "--tflops", "1e-320"), "--tflops"),
    ("sweep-subnormal-latency", ("sweep", "--latency", "1e-320"), "--latency"),
    ("sweep-subnormal-volume", ("sweep", "--tokens-per-day", "1e-320"), "--tokens-per-day"),
    # comma lists: an empty element is a value left out, not skipped
    ("batch-empty-element", ("sweep", "--batch", "1,,2"), "--batch"),
    ("batch-only-comma", ("sweep", "--batch", ","), "--batch"),
    ("batch-trailing-comma", ("sweep", "--batch", "1,2,"), "--batch"),
    ("batch-empty", ("sweep", "--batch", ""), "--batch"),
    ("batch-whitespace", ("sweep", "--batch", " "), "--batch"),
    ("batch-zero", ("sweep", "--batch", "0"), "--batch"),
    ("batch-word", ("sweep", "--batch", "1;2"), "--batch"),
    ("latency-nan-in-list", ("sweep", "--latency", "0.05,nan"), "--latency"),
    ("watts-empty-element", ("sweep", "--watts", "300,,400"), "--watts"),
    ("watts-negative", ("sweep", "--watts", "-1"), "--watts"),
    ("bench-serve-batch-empty-element", ("bench", "serve", "--arch", "tiny", "--batch", "1,,2"), "--batch"),
    # bench's floats were FloatRange: nan and inf went through
    ("bench-train-watts-nan", ("bench", "train", "--arch", "tiny", "--watts", "nan"), "--watts"),
    ("bench-train-tdp-inf", ("bench", "train", "--arch", "tiny", "--cpu-tdp-w", "inf"), "--cpu-tdp-w"),
    ("bench-serve-peak-nan", ("bench", "serve", "--arch", "tiny", "--peak-tflops", "nan"), "--peak-tflops"),
    ("bench-serve-prefill-inf", ("bench", "serve", "--arch", "tiny", "--min-prefill-seconds", "inf"),
     "--min-prefill-seconds"),
    # integers past SQLite's: OverflowError from the driver
    ("runs-limit-huge-int", ("runs", "list", "--ledger", "{f}", "--limit", "9" * 23), "--limit"),
    ("runs-offset-huge-int", ("runs", "list", "--ledger", "{f}", "--offset", "9" * 23), "--offset"),
    ("catalog-limit-negative", ("catalog", "search", "a", "--limit", "-1"), "--limit"),
    ("catalog-limit-zero", ("catalog", "search", "a", "--limit", "0"), "--limit"),
    # file names no file can have: Path.exists() raised ENAMETOOLONG
    ("init-long-name", ("init", LONG_NAME), "file name too long"),
    ("bill-long-name", ("bill", LONG_NAME), "file name too long"),
    ("report-out-long-name", ("report", "{f}", "--out", LONG_NAME), "--out"),
    ("runs-ledger-long-name", ("runs", "list", "--ledger", LONG_NAME), "--ledger"),
    ("runs-project-long-name", ("runs", "list", "--project", LONG_NAME), "--project"),
    ("export-output-long-name", ("runs", "export", "--ledger", "{f}", "-o", LONG_NAME), "--output"),
    ("measure-ledger-long-name", ("measure", "--ledger", LONG_NAME, "--", "true"), "--ledger"),
    ("path-too-long", ("validate", "a/" * 2100), "file name too long"),
    # ledger URLs: another scheme was taken for a file name (and printed with its password)
    ("ledger-mysql-url", ("runs", "list", "--ledger", PASSWORD_URL), "unsupported ledger URL scheme"),
    ("ledger-http-url", ("runs", "list", "--ledger", "http://x"), "--ledger"),
    ("ledger-sqlite-url", ("runs", "export", "--ledger", "sqlite:///x.db"), "--ledger"),
    ("ledger-bad-ipv6", ("runs", "list", "--ledger", "postgres://u:secret@[::1"), "PostgreSQL URL"),
    (
        "prometheus-max-mb-nan",
        ("import", "prometheus", "--url", "http://x:1", "--start", "0", "--end", "9",
         "--max-response-mb", "nan"),
        "--max-response-mb",
    ),
    ("ledger-bad-port", ("runs", "show", "x", "--ledger", "postgresql://u:secret@h:99999/db"), "--ledger"),
    ("measure-ledger-mysql", ("measure", "--ledger", PASSWORD_URL, "--", "true"), "--ledger"),
    # already bounded: kept so that a regression shows
    ("seed-float", ("bill", "{f}", "--seed", "1.5"), "--seed"),
    ("format-unknown", ("bill", "{f}", "--format", "xml"), "--format"),
    ("scenario-unknown", ("bill", "{f}", "--scenario", "nope"), "scenarios.nope"),
    ("set-no-equals", ("bill", "{f}", "--set", "a"), "--set"),
    ("set-no-path", ("bill", "{f}", "--set", "=1"), "--set"),
    ("since-bad-date", ("runs", "list", "--ledger", "{f}", "--since", "2026-13-45"), "--since"),
    ("since-far-future", ("runs", "list", "--ledger", "{f}", "--since", "99999999999999"), "--since"),
    ("since-negative", ("runs", "list", "--ledger", "{f}", "--since", "-1"), "--since"),
    ("tag-no-equals", ("runs", "list", "--ledger", "{f}", "--tag", "noeq"), "--tag"),
    ("measure-interval-zero", ("measure", "--interval", "0", "--", "true"), "--interval"),
    ("plan-pue-nan", ("plan", "--flops", "1e21", "--pue", "nan"), "--pue"),
    # the live exporter's address is bound once before anything runs or is recorded
    ("measure-addr-unknown", ("measure", "--prometheus-port", "0", "--prometheus-addr", "nope.invalid", "--",
                              "true"), "--prometheus-port"),
    ("measure-addr-empty", ("measure", "--prometheus-port", "0", "--prometheus-addr", "", "--", "true"),
     "--prometheus-port"),
    ("measure-addr-bad-ip", ("measure", "--prometheus-port", "0", "--prometheus-addr", "999.1.1.1", "--",
                             "true"), "--prometheus-port"),
    # an MLflow import only reads: a URI that names no server and no existing store is refused (an
    # empty one made ./mlflow.db and printed MLflow's log lines)
    ("mlflow-empty-uri", ("import", "mlflow", "--tracking-uri", "", "--experiment", "e"), "--tracking-uri"),
    ("mlflow-blank-uri", ("import", "mlflow", "--tracking-uri", " ", "--experiment", "e"), "--tracking-uri"),
    ("mlflow-no-folder", ("import", "mlflow", "--tracking-uri", "file:///no/mlruns", "--experiment", "e"),
     "no such MLflow store"),
    ("mlflow-device", ("import", "mlflow", "--tracking-uri", "/dev/null", "--experiment", "e"),
     "no such MLflow store"),
    ("mlflow-long-uri", ("import", "mlflow", "--tracking-uri", LONG_NAME, "--experiment", "e"),
     "file name too long"),
    # bill and report --ledger: named, it must exist, and only as a file or a PostgreSQL URL
    ("bill-ledger-missing", ("bill", "{f}", "--ledger", "{f}.ledger.db"), "no such ledger"),
    ("report-ledger-other-scheme", ("report", "{f}", "--ledger", PASSWORD_URL), "unsupported ledger URL"),
    ("report-ledger-folder", ("report", "{f}", "--format", "json", "--ledger", "/"), "not a ledger file"),
    # a 100,000-character value is cut in the error line, not echoed whole
    ("long-scenario", ("bill", "{f}", "--scenario", "s" * 100_000), "characters left out"),
    ("long-set", ("bill", "{f}", "--set", "x" * 100_000 + "=1"), "--set"),
]


@pytest.mark.parametrize(("args", "needle"), [c[1:] for c in OPTIONS], ids=[c[0] for c in OPTIONS])
def test_a_hostile_option_is_one_line(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    file = tmp_path / "mini.toml"
    file.write_text(MINI_PROJECT, encoding="utf-8")
    before = Snapshot(file)
    result = energybill(*(a.format(f=file) for a in args), cwd=tmp_path)
    line = one_line_error(result, needle)
    assert "secret" not in line and "secret" not in result.stdout
    assert len(line) < 1000, len(line)
    before.assert_unchanged()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini.toml"]  # nothing created


# (case, environment, what the line names)
ENVIRONMENT = [
    ("ledger-env-other-scheme", {"ENERGYBILL_LEDGER": "ftp://u:secret@x/y"}, "$ENERGYBILL_LEDGER"),
    ("ledger-env-long-name", {"ENERGYBILL_LEDGER": LONG_NAME}, "$ENERGYBILL_LEDGER"),
    ("ledger-env-bad-url", {"ENERGYBILL_LEDGER": "postgresql://u:secret@h:abc/db"}, "$ENERGYBILL_LEDGER"),
    ("ledger-env-folder", {"ENERGYBILL_LEDGER": "/"}, "not a ledger file"),
]


@pytest.mark.parametrize(("env", "needle"), [c[1:] for c in ENVIRONMENT], ids=[c[0] for c in ENVIRONMENT])
def test_a_hostile_ledger_variable_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    line = one_line_error(energybill("runs", "list", cwd=tmp_path), needle)
    assert "secret" not in line


def test_a_huge_comma_list_is_refused_at_once(tmp_path: Path) -> None:
    """50,000 batch sizes ran past a minute; the list is capped."""
    one_line_error(energybill("sweep", "--batch", ",".join(["1"] * 50_000), timeout=20), "--batch", "at most")


def test_good_values_of_the_bounded_options_still_work(tmp_path: Path) -> None:
    file = tmp_path / "mini.toml"
    file.write_text(MINI_PROJECT, encoding="utf-8")
    succeeded(energybill("bill", str(file), "--relocate", "41.44"))
    succeeded(energybill("bill", str(file), "--relocate", "0"))
    assert "Inference economics sweep" in succeeded(
        energybill("sweep", "--batch", "1, 8", "--latency", "0.03,0.05", "--watts", "300,400")
    )


def test_a_dumb_terminal_without_colour_bills(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "mini.toml"
    file.write_text(MINI_PROJECT, encoding="utf-8")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in succeeded(energybill("bill", str(file)))


def test_a_port_in_use_is_one_line_and_nothing_is_recorded(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = energybill("measure", "--ledger", str(tmp_path / "l.db"), "--prometheus-port", port, "--",
                            "touch", str(tmp_path / "ran"), cwd=tmp_path)
    one_line_error(result, f"--prometheus-port {port}", "Address already in use")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the command did not run, no run recorded


def test_an_ascii_terminal_gets_escapes_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """LC_ALL=C with UTF-8 mode off: stdout is ASCII. The table's em dash and an Arabic name were a
    UnicodeEncodeError halfway through the output; they are written as escapes instead."""
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("PYTHONUTF8", "0")
    monkeypatch.delenv("PYTHONIOENCODING", raising=False)
    file = tmp_path / "ar.toml"
    file.write_text(MINI_PROJECT.replace('name = "Mini"', 'name = "نور"'), encoding="utf-8")
    assert "نور" in file.read_text(encoding="utf-8")
    out = succeeded(energybill("bill", str(file), cwd=tmp_path))
    assert "\\u0646\\u0648\\u0631" in out and "\\u2014" in out  # نور and the title's em dash
