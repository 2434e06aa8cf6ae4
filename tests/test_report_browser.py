"""The HTML report in a real headless browser (Debian's chromium, driven by Playwright).

`.ci/run` installs chromium; where it cannot be installed these tests skip and say why.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.report_helpers import NOOR, full_report, noor_report

from energybill.report.numbers import amount

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH: install Debian's `chromium` (.ci/run does) to run browser tests",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is in the test extra")
    with sync_api.sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary profile (--user-data-dir).
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def noor_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "noor.html"
    result = run_cli("report", str(NOOR), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


class Watched:
    """A page with its console errors, uncaught errors, dialogs and every request it made."""

    def __init__(self, browser: Any, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.context.on("request", lambda r: self.requests.append(r.url))

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri(), wait_until="load")
        return self.page


def test_noor_page_loads_offline_and_clean(browser: Any, noor_html: Path) -> None:
    watched = Watched(browser, viewport={"width": 1100, "height": 1400})
    page = watched.open(noor_html)
    assert watched.errors == []
    assert watched.requests == [noor_html.as_uri()]  # the page itself, nothing else
    assert page.evaluate("document.scripts.length") == 0
    pixels = _pixels(page.screenshot(full_page=False))
    assert pixels.std() > 0.1  # not blank: text, cards and two coloured donuts
    assert len({tuple(p) for p in pixels[::7, ::7, :3].reshape(-1, 3).round(2)}) > 50  # many colours
    watched.context.close()


def test_dom_numbers_equal_the_bill(browser: Any, noor_html: Path) -> None:
    watched = Watched(browser)
    page = watched.open(noor_html)
    bill = noor_report().bill
    for name, phase in bill.phases.items():
        row = page.locator(f'#bill tr.phase[data-phase="{name}"]')
        assert row.locator(".phase-name").inner_text() == name
        assert row.locator(".energy").inner_text() == amount(phase.energy_kwh)
        assert row.locator(".co2e").inner_text() == amount(phase.co2e_kg)
        assert float(row.get_attribute("data-energy-kwh")) == phase.energy_kwh
        assert float(row.get_attribute("data-co2e-kg")) == phase.co2e_kg
    assert page.locator("#bill tr.phase .phase-name").all_inner_texts() == list(bill.phases)
    assert page.locator("#total-energy .value").inner_text() == "58,993.9" == amount(bill.totals.energy_kwh)
    assert page.locator("#total-co2e .value").inner_text() == "36,371.1" == amount(bill.totals.co2e_kg)
    assert float(page.locator("#total-energy").get_attribute("data-energy-kwh")) == bill.totals.energy_kwh
    assert page.locator("#bill tfoot .energy").inner_text() == amount(bill.totals.energy_kwh)
    # Both donuts: one arc per phase with a non-zero value (flights use no electricity).
    assert page.locator("#chart-energy_kwh svg path").count() == 6
    assert page.locator("#chart-co2e_kg svg path").count() == 7
    watched.context.close()


def test_phone_width_has_no_sideways_scroll(browser: Any, noor_html: Path) -> None:
    watched = Watched(browser, viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    page = watched.open(noor_html)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The bill and the ranking fit without scrolling sideways inside their boxes either.
    for box in ("#phases .scroll", "#ranked .scroll"):
        assert page.evaluate(f"(e => e.scrollWidth <= e.clientWidth)(document.querySelector('{box}'))"), box
    assert page.locator("#chart-co2e_kg svg").bounding_box()["width"] <= 390
    watched.context.close()


def test_provenance_is_folded_on_screen_and_printed_in_full(browser: Any, noor_html: Path) -> None:
    watched = Watched(browser)
    page = watched.open(noor_html)
    first = page.locator("#provenance details").first
    assert first.locator("summary").inner_text().startswith("Noor 13B")
    assert not first.locator("table").is_visible()
    page.emulate_media(media="print")
    assert first.locator("table").is_visible()
    assert page.pdf().startswith(b"%PDF")
    watched.context.close()


HOSTILE = """
[project]
name = "<script>alert(1)</script>"
description = "<img src=x onerror=alert(2)> & co"

[sites."<b>s</b>"]
description = "</td><script>alert(3)</script>"
carbon_intensity_g_per_kwh = 100

[[other]]
name = "<script>alert(1)</script>"
description = "\\"><svg onload=alert(4)>"
phase = "<i>phase</i>"
site = "<b>s</b>"
energy_kwh = 10
"""


def test_user_strings_render_as_text(browser: Any, tmp_path: Path) -> None:
    project = tmp_path / "hostile.toml"
    project.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "hostile.html"
    result = run_cli("report", str(project), "--out", str(out))
    assert result.returncode == 0, result.stderr
    watched = Watched(browser)
    page = watched.open(out)
    assert watched.dialogs == [] and watched.errors == []
    assert watched.requests == [out.as_uri()]  # no <img src=x> was fetched
    counts = page.evaluate("['script', 'img', 'b', 'i'].map(t => document.getElementsByTagName(t).length)")
    assert counts == [0, 0, 0, 0]
    assert page.evaluate("document.querySelectorAll('svg[onload], [onerror]').length") == 0
    assert page.locator("#project-name").inner_text() == "<script>alert(1)</script>"
    assert page.locator("#project-description").inner_text() == "<img src=x onerror=alert(2)> & co"
    assert page.title() == "<script>alert(1)</script> — energy bill and carbon footprint"
    assert page.locator("#bill tr.item .item-name").inner_text() == "<script>alert(1)</script>"
    assert page.locator("#bill tr.phase .phase-name").inner_text() == "<i>phase</i>"
    site = page.locator('#sites tr[data-site="<b>s</b>"]')
    assert site.locator("strong").inner_text() == "<b>s</b>"
    assert site.locator(".desc").inner_text() == "</td><script>alert(3)</script>"
    assert '"><svg onload=alert(4)>' in page.locator("#ranked").inner_text()
    assert "<script>alert(1)</script>" in page.locator("#provenance summary").first.inner_text()
    watched.context.close()


def _pixels(png: bytes) -> Any:
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(png), format="png")


def test_optional_sections_in_the_browser(browser: Any, tmp_path: Path) -> None:
    from energybill.report.html import render

    out = tmp_path / "full.html"
    out.write_text(render(full_report()), encoding="utf-8")
    watched = Watched(browser)
    page = watched.open(out)
    assert watched.errors == [] and watched.requests == [out.as_uri()]
    for section in ("#scenarios", "#ranges", "#measured", "#recommendations"):
        assert page.locator(section).is_visible()
    france = page.locator('#scenarios tr[data-scenario="train in France"]')
    assert france.locator("td.num").all_inner_texts()[:2] == ["15,000.0", "-21,371.1"]
    whisker = page.locator("#ranges svg.whisker").first.bounding_box()
    assert whisker["width"] > 50 and whisker["height"] > 0
    assert "1.09×" in page.locator('#measured tr[data-measured="Noor 13B"]').inner_text()
    watched.context.close()
