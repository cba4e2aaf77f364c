"""The review in a real browser (headless Chromium, as in ``test_browser.py``): by keyboard
only, with JavaScript off, on a desktop and a phone viewport; screenshots to a temp folder."""

from __future__ import annotations

import contextlib
import re

import httpx
import pytest

from .conftest import MakeApp, serving
from .support import INTERVIEW, vtt
from .test_browser import SCREENSHOTS, WAIT_MS, _watch, browser  # noqa: F401  (browser: the fixture)

with contextlib.suppress(ImportError):  # without it the `browser` fixture skips, saying why
    from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


def _analysis(url: str) -> str:
    """An analysis uploaded through the API (keyword baseline), finished; its id."""
    with httpx.Client(base_url=url, timeout=WAIT_MS / 1000) as http:
        aid = str(http.post("/api/analyses", files={"file": ("tom.vtt", vtt(INTERVIEW))}).json()["id"])
        for _ in range(400):
            if http.get(f"/api/analyses/{aid}").json()["state"] == "done":
                return aid
            http.get("/api/rubrics")  # a round trip instead of a sleep
    raise AssertionError("the analysis did not finish")


@pytest.mark.parametrize(
    ("viewport", "name", "script"),
    [({"width": 1366, "height": 900}, "desktop", False), ({"width": 390, "height": 844}, "phone", True)],
)
def test_review_a_finding_by_keyboard(
    browser: Browser,  # noqa: F811
    make_app: MakeApp,
    viewport: dict[str, int],
    name: str,
    script: bool,
) -> None:
    with serving(make_app()) as served:
        url = served.rstrip("/")
        aid = _analysis(url)
        context = browser.new_context(viewport=viewport, java_script_enabled=script)
        page = context.new_page()
        seen = _watch(page)
        page.goto(f"{url}/analyses/{aid}")
        card = page.locator("#criterion-systems_thinking")
        summary = card.locator("summary", has_text="Review this finding")
        summary.focus()  # from here on, only keys
        page.keyboard.press("Enter")
        agree = card.get_by_role("radio", name=re.compile(r"^Agree: "))
        expect(agree).to_be_visible()
        page.keyboard.press("Tab")  # into the radio group
        expect(card.get_by_role("radio").first).to_be_focused()
        choices = card.get_by_role("radio")
        assert choices.count() == 4
        target = next(i for i in range(4) if (choices.nth(i).get_attribute("value") or "") == "not_probed")
        for _ in range(target):
            page.keyboard.press("ArrowDown")  # arrows move and select within the group
        expect(choices.nth(target)).to_be_checked()
        page.keyboard.press("Tab")
        note = card.get_by_label("Note")
        expect(note).to_be_focused()
        page.keyboard.type("Never asked about failures.")
        page.keyboard.press("Tab")
        reviewer = card.get_by_label("Reviewer")
        expect(reviewer).to_be_focused()
        page.keyboard.press("Control+A")
        page.keyboard.type("Kim Keyboard")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        card.screenshot(path=str(SCREENSHOTS / f"review-form-{name}.png"))
        page.keyboard.press("Enter")  # submits the form
        page.wait_for_url(re.compile(rf"/analyses/{aid}#criterion-systems_thinking$"), timeout=WAIT_MS)
        saved = page.locator("#criterion-systems_thinking .review-saved")
        expect(saved).to_contain_text("disagrees: would say not probed")
        expect(saved).to_contain_text("Kim Keyboard")
        expect(saved).to_contain_text("Never asked about failures.")
        expect(saved).to_be_in_viewport()

        overall = page.get_by_role("textbox", name=re.compile(r"^Overall note"))
        overall.focus()
        page.keyboard.type("Second round on systems design.")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # past the reviewer's name, to the button
        expect(page.get_by_role("button", name="Save the overall note")).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"#review-overall$"), timeout=WAIT_MS)
        expect(page.locator("#review-overall")).to_contain_text("Second round on systems design.")
        with page.expect_download() as download:  # the review goes out with the report
            page.get_by_role("navigation", name="Downloads").get_by_role("link", name="Markdown").click()
        text = download.value.path().read_text(encoding="utf-8")
        assert "## Reviewer's review" in text and "**disagrees: not probed**" in text and "Kim Keyboard" in text
        assert "**Overall note** (Kim Keyboard," in text
        page.goto(f"{url}/analyses/{aid}#criterion-systems_thinking")
        card.screenshot(path=str(SCREENSHOTS / f"review-card-{name}.png"))
        page.locator("#review-overall").screenshot(path=str(SCREENSHOTS / f"review-overall-{name}.png"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the page is {width}px wide on a {viewport['width']}px screen"
        context.close()
    assert seen == {"dialogs": [], "errors": [], "console": []}
