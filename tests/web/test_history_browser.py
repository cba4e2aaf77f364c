"""The history in headless Chromium: times in the browser's time zone (UTC without
script), the operator's columns shown by a checkbox without a reload, and a phone-wide
layout. Screenshots go to the same temporary folder as tests/web/test_browser.py's."""

from __future__ import annotations

import contextlib
import re

from .conftest import MakeApp, serving
from .support import INTERVIEW, scripted, vtt
from .test_browser import SCREENSHOTS, _watch, browser, pytestmark  # noqa: F401  (the fixture and mark)

with contextlib.suppress(ImportError):  # without playwright, the browser fixture skips
    from playwright.sync_api import Browser, FilePayload, expect


def _upload(page, url: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.set_input_files("#file", files=[FilePayload(name=name, mimeType="text/vtt", buffer=vtt(INTERVIEW))])
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector("#report", timeout=20_000)


def test_history_shows_local_times_groups_reruns_and_toggles_operator_columns(
    browser: Browser,  # noqa: F811  (test_browser's fixture)
    make_app: MakeApp
) -> None:
    app = make_app(llm_factory=lambda: scripted())
    with serving(app) as base:
        url = base.rstrip("/")
        desk = browser.new_context(viewport={"width": 1366, "height": 900}, timezone_id="Asia/Kolkata")
        page = desk.new_page()
        seen = _watch(page)
        for _ in range(2):
            _upload(page, url + "/", "h01.vtt")
        page.goto(url + "/history")
        started = page.locator("tr.latest time.local").first
        expect(started).to_have_class(re.compile("localised"))
        utc = started.get_attribute("title") or ""
        assert utc.endswith("UTC") and started.inner_text() != utc  # UTC+5:30 is not the UTC text
        expect(page.locator("tr.rerun")).to_have_count(1)
        expect(page.locator("tr.latest td.interview")).to_contain_text("2 runs of this transcript")
        model = page.locator("tr.latest td.op").first
        expect(model).to_be_hidden()
        page.get_by_label("Details for whoever runs the tool").check()  # no reload: CSS follows the box
        expect(model).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "history-ops.png"), full_page=True)
        page.get_by_label("Candidate or file name").fill("nobody")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#history-empty")).to_have_text("No analyses match this search.")
        desk.close()

        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        mobile = phone.new_page()
        mobile.goto(url + "/history")
        expect(mobile.locator("tr.latest td.who")).to_contain_text("Tom Alvarez")
        mobile.screenshot(path=str(SCREENSHOTS / "history-phone.png"), full_page=True)
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the history is {width}px wide on a 390px phone"
        phone.close()

        plain = browser.new_context(java_script_enabled=False)
        bare = plain.new_page()
        bare.goto(url + "/history?q=h01&ops=1")
        expect(bare.locator("tr.latest time.local")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
        expect(bare.locator("tr.latest td.op").first).to_be_visible()  # ops=1 from the form, no script
        plain.close()
    assert seen == {"dialogs": [], "errors": [], "console": []}
