"""The job page in headless Chromium, with a fake model slow enough to watch: the reader's
words (parts, minutes, elapsed, an estimate), a bar that moves before the run ends, the
operator's counts folded away, then the report. Desktop and phone."""

from __future__ import annotations

import contextlib
import re

import pytest

from transcript_judge.chunking import ChunkingSettings
from transcript_judge.planning import AnalysisSettings

from .conftest import MakeApp, serving
from .support import INTERVIEW, slow, vtt
from .test_browser import SCREENSHOTS, _watch, browser, pytestmark  # noqa: F401  (the fixture and mark)

with contextlib.suppress(ImportError):  # without playwright, the browser fixture skips
    from playwright.sync_api import Browser, FilePayload, expect

CALL_S = 1.5  # the fake's answer takes this long: slow enough to see the parts go by




@pytest.mark.parametrize(("size", "viewport"), [("desktop", (1366, 900)), ("phone", (390, 844))])
def test_the_job_page_reads_in_parts_then_becomes_the_report(
    browser: Browser,  # noqa: F811  (test_browser's fixture)
    make_app: MakeApp, size: str, viewport: tuple[int, int]
) -> None:
    one_at_a_time = AnalysisSettings(chunking=ChunkingSettings(chunk_tokens=300, overlap_tokens=40), concurrency=1)
    app = make_app(llm_factory=lambda: slow(CALL_S), analysis=one_at_a_time)
    with serving(app) as url:
        width, height = viewport
        context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=size == "phone")
        page = context.new_page()
        seen = _watch(page)
        page.goto(url)
        upload = FilePayload(name="interview.vtt", mimeType="text/vtt", buffer=vtt(INTERVIEW, seconds_per_turn=120))
        page.set_input_files("#file", files=[upload])
        page.get_by_role("button", name="Analyse").click()
        message = page.locator("#job-message")
        expect(message).to_have_text(re.compile(r"^Reading part 1 of 3 \(minutes 0–10\)…$"), timeout=10_000)
        expect(page.locator("#job-left")).to_have_text("estimating…")
        expect(page.locator("#job-elapsed")).to_have_text(re.compile(r"^\d+ s$"))
        expect(page.locator("#job-parts li").first).to_have_text("Part 1 · minutes 0–10 · reading…")
        details = page.locator("#job-details")
        expect(details.locator("#job-counts")).to_be_hidden()  # the operator's counts are folded away
        expect(page.locator("#job-progress")).not_to_contain_text("chunk")  # the reader part says "part"
        expect(page.locator("#job-read")).to_have_text("1 of 3 parts read", timeout=10_000)
        bar = page.locator("#job-bar")
        assert float(bar.get_attribute("value") or 0) > 0  # it moved before the run ended
        expect(page.locator("#job-left")).to_have_text(re.compile(r"left$|^almost done$"))
        page.screenshot(path=str(SCREENSHOTS / f"progress-{size}.png"), full_page=True)
        details.locator("summary").click()
        expect(details.locator("#job-counts")).to_contain_text("model call(s)")
        page.wait_for_selector("#report", timeout=20_000)  # the page reloads into the report
        width_now = page.evaluate("document.documentElement.scrollWidth")
        context.close()
    assert width_now <= width
    assert seen == {"dialogs": [], "errors": [], "console": []}
