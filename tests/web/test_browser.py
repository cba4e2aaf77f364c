"""End to end in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

The server runs uvicorn in a thread on 127.0.0.1 (a free port), with the model replaced
by the scripted fake. Screenshots of the report page go to a temporary folder;
``TJ_SCREENSHOTS=docs/screenshots`` refreshes the copies the docs show.
Skipped, with the reason, where Chromium or the playwright package is missing; no
browser is ever downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import MakeApp, serving
from .support import INTERVIEW, plain, scripted, vtt
from .test_security import PAYLOADS

try:
    from playwright.sync_api import Browser, FilePayload, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
SCREENSHOTS = Path(os.environ.get("TJ_SCREENSHOTS") or tempfile.mkdtemp(prefix="tj-screenshots-"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
WAIT_MS = 20_000


def _missing() -> str | None:
    if CHROMIUM is None:
        return "no `chromium` on PATH (Debian: apt-get install chromium)"
    if sync_playwright is None:
        return "the playwright package is not installed (pip install playwright; no browser download needed)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, timeout=WAIT_MS)
        try:
            yield b
        finally:
            b.close()


def _watch(page: Page) -> dict[str, list[str]]:
    """Collect what would betray script running or a policy violation."""
    seen: dict[str, list[str]] = {"dialogs": [], "errors": [], "console": []}

    def on_dialog(dialog: Any) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    return seen


def _drop_file(page: Page, name: str, content: bytes) -> None:
    """Drag and drop a file onto the drop zone, as a user would."""
    page.evaluate(
        """([name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, { type: "text/vtt" }));
            const zone = document.getElementById("drop");
            zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }""",
        [name, content.decode()],
    )


def _upload_and_wait(page: Page, url: str, name: str, content: bytes, *, drop: bool) -> None:
    page.goto(url)
    if drop:
        _drop_file(page, name, content)
    else:
        page.set_input_files("#file", files=[FilePayload(name=name, mimeType="text/plain", buffer=content)])
    expect(page.locator("#chosen")).to_contain_text(name)
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector("#report", timeout=WAIT_MS)  # the progress page reloads into the report


def test_upload_watch_and_click_a_quote(browser: Browser, make_app: MakeApp) -> None:
    app = make_app(llm_factory=lambda: scripted())
    with serving(app) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page = context.new_page()
        seen = _watch(page)
        _upload_and_wait(page, url, "interview_tom_alvarez.vtt", vtt(INTERVIEW), drop=True)
        expect(page.locator(".report-head .state")).to_have_text("Done")

        quote = page.locator("#criterion-systems_thinking a.quote").first
        words = quote.locator("q").inner_text()
        turn_id = "turn-" + (quote.get_attribute("data-turn") or "")
        quote.click()
        turn = page.locator(f"#{turn_id}")
        mark = turn.locator("mark.hl")
        expect(turn).to_have_class(re.compile(r"(^|\s)current(\s|$)"))
        expect(mark).to_have_text(words)
        expect(mark).to_be_in_viewport()
        expect(quote).to_be_in_viewport()  # side by side: the report stayed where it was
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report.png"))

        # a second quote moves the highlight: one mark at a time
        other = page.locator("#criterion-failure_diagnosis a.quote").first
        other.click()
        expect(page.locator("mark.hl")).to_have_count(1)
        expect(page.locator("mark.hl")).to_have_text(other.locator("q").inner_text())

        # the same report on a phone: one column, the page scrolls to the turn
        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        mobile = phone.new_page()
        mobile.goto(page.url.split("#")[0])
        mobile.locator("#criterion-systems_thinking a.quote").first.click()
        expect(mobile.locator(f"#{turn_id} mark.hl")).to_be_in_viewport()
        mobile.screenshot(path=str(SCREENSHOTS / "report-phone.png"))
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px phone"
        phone.close()
        context.close()
    assert seen == {"dialogs": [], "errors": [], "console": []}


def test_transcript_markup_never_runs(browser: Browser, make_app: MakeApp) -> None:
    app = make_app(llm_factory=lambda: scripted())
    with serving(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        seen = _watch(page)
        _upload_and_wait(page, url, "payload.txt", plain(PAYLOADS), drop=False)
        quote = page.locator("#criterion-systems_thinking a.quote").first
        quote.click()
        expect(page.locator("mark.hl")).to_contain_text('<img src=x onerror="window.__pwned=2">')
        expect(page.locator("#transcript")).to_contain_text("<script>window.__pwned=1</script>")
        expect(page.locator("#transcript")).to_contain_text('<svg onload="window.__pwned=3">')
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#transcript img, #transcript svg, #transcript iframe, #report script").count() == 0
        context.close()
    assert seen == {"dialogs": [], "errors": [], "console": []}  # not even a blocked inline script


def test_a_partial_run_says_what_was_not_judged(browser: Browser, make_app: MakeApp) -> None:
    app = make_app(llm_factory=lambda: scripted(fail_turns={5}))
    with serving(app) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        _upload_and_wait(page, url, "interview_tom_alvarez.vtt", vtt(INTERVIEW), drop=False)
        box = page.locator("#partial")
        expect(box).to_be_visible()
        expect(box).to_contain_text("1 of 3 chunk(s) could not be judged")
        expect(box).to_contain_text("turns 4–9")
        expect(box.get_by_role("button", name="Retry the failed chunks")).to_be_visible()
        expect(page.locator(".report-head .state")).to_have_text("Partial")
        expect(page.locator("#turn-5 .tag")).to_have_text("not judged")
        page.screenshot(path=str(SCREENSHOTS / "report-partial.png"))
        context.close()
