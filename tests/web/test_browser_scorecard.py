"""The scorecard in a real browser (#13): at 1366×900 and 390×844 the first screen shows the
red flags shown; a scorecard line leads to its card; the legend and a card's definition open;
a failed run shows no verdicts. Screenshots go to the browser tests' temporary folder."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from transcript_judge.llm.fake import FakeLLM

from .browser_steps import VIEWPORTS, launch
from .conftest import MakeApp, serving
from .support import INTERVIEW, scripted, vtt
from .test_browser import SCREENSHOTS, _upload_and_wait, _watch
from .test_scorecard import _unusable

with contextlib.suppress(ImportError):  # the tests skip without it (see browser_steps.launch)
    from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launch() as b:
        yield b


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_the_first_screen_is_the_scorecard_and_its_lines_lead_to_the_cards(
    chromium: Browser, make_app: MakeApp, size: str
) -> None:
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        context = chromium.new_context(**VIEWPORTS[size])
        width = VIEWPORTS[size]["viewport"]["width"]
        page = context.new_page()
        seen = _watch(page)
        _upload_and_wait(page, url, "phone-screen_2026-11-21.vtt", vtt(INTERVIEW), drop=False)
        flag = page.locator("#scorecard .score-flags a").first
        expect(flag).to_have_text("Model obsession")
        expect(flag).to_be_in_viewport()  # a red flag shown, on the first screen
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"scorecard-{size}.png"))
        flag.click()
        card = page.locator("#criterion-model_obsession")
        expect(card).to_be_in_viewport()
        card.locator("details.criterion-more summary").click()
        expect(card.locator("details.criterion-more")).to_contain_text("Does not count (near misses)")
        page.locator("#legend summary").click()
        expect(page.locator("#legend dl")).to_contain_text("probed, not shown")
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width, f"the page is {width_now}px wide at {width}px"
        context.close()
    assert seen == {"dialogs": [], "errors": [], "console": []}


def test_a_failed_run_shows_no_verdicts(chromium: Browser, make_app: MakeApp) -> None:
    with serving(make_app(llm_factory=lambda: FakeLLM(_unusable))) as url:
        context = chromium.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        _upload_and_wait(page, url, "interview.vtt", vtt(INTERVIEW), drop=False)
        expect(page.locator(".report-head .state")).to_have_text("Failed")
        expect(page.locator("#failed")).to_be_in_viewport()
        assert page.locator(".card").count() == 0
        raw = page.locator("#failed details.raw").first
        expect(raw.locator("code")).not_to_be_visible()  # the raw error is behind "details"
        raw.locator("summary").click()
        expect(raw.locator("code")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "failed-run.png"))
        context.close()
