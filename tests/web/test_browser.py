"""End to end in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

The server runs uvicorn in a thread on 127.0.0.1 (a free port), with the model replaced
by the scripted fake. Screenshots of the report page go to a temporary folder;
``TJ_SCREENSHOTS=docs/screenshots`` refreshes the copies the docs show.
Skipped, with the reason, where Chromium or the playwright package is missing; no
browser is ever downloaded.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser_steps import (
    WAIT_MS,
    Walk,
    back_to_finding,
    choose_file_by_keyboard,
    follow_quote_by_keyboard,
    launch,
    open_upload,
    skip_to_main,
    submit_by_keyboard,
    tab_to,
)
from .conftest import MakeApp, serving
from .support import INTERVIEW, plain, scripted, vtt
from .test_security import PAYLOADS

with contextlib.suppress(ImportError):  # the tests skip without it (see browser_steps.launch)
    from playwright.sync_api import Browser, FilePayload, Page, expect

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("TJ_SCREENSHOTS") or tempfile.mkdtemp(prefix="tj-screenshots-"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch() as b:
        yield b


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


# -- keyboard only, and the way back from the transcript (issue 13) -----------------------


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_keyboard_only_upload_report_quote_and_back(browser: Browser, make_app: MakeApp, viewport: str) -> None:
    """Tab, Enter and Space only: skip link, choose a file, submit, follow a quote, come back."""
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, viewport)
        open_upload(walk)
        skip_to_main(walk)
        choose_file_by_keyboard(walk, "interview_tom_alvarez.vtt", vtt(INTERVIEW))
        submit_by_keyboard(walk)
        follow_quote_by_keyboard(walk, "systems_thinking")
        back_to_finding(walk, "systems_thinking")
        follow_quote_by_keyboard(walk, "failure_diagnosis")  # a second trip, from where focus is
        walk.page.keyboard.press("Escape")  # Escape in the transcript goes back too
        expect(walk.page.locator("#criterion-failure_diagnosis a.quote").first).to_be_focused()
        walk.close()
    assert walk.errors == [], walk.errors


def test_on_a_phone_the_way_back_stays_in_view(browser: Browser, make_app: MakeApp) -> None:
    """A tap on a quote jumps thousands of pixels down to the transcript: the "Back to …" bar
    stays on screen while the reader scrolls there, and the phone's Back returns too."""
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, "phone")
        page = walk.page
        page.goto(url)
        page.set_input_files("#file", files=[FilePayload(name="i.vtt", mimeType="text/plain", buffer=vtt(INTERVIEW))])
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_selector("#report", timeout=WAIT_MS)
        quote = page.locator("#criterion-systems_thinking a.quote").first
        quote.tap()
        bar = page.locator("#back-to-finding")
        expect(bar).to_be_in_viewport()
        expect(bar).to_contain_text("Back to")
        walk.shot("tapped-quote")
        page.mouse.wheel(0, 300)  # the reader scrolls on through the transcript
        page.evaluate("window.scrollBy(0, 300)")
        expect(bar).to_be_in_viewport()
        walk.shot("scrolled-on")
        bar.tap()
        expect(quote).to_be_focused()
        expect(quote).to_be_in_viewport()
        walk.shot("tapped-back")
        quote.tap()
        page.go_back()  # the phone's own Back
        expect(quote).to_be_focused()
        expect(quote).to_be_in_viewport()
        assert "/analyses/" in page.url  # still on the report, not the page before it
        walk.close()
    assert walk.errors == [], walk.errors


def test_cited_turns_link_back_to_their_findings(browser: Browser, make_app: MakeApp) -> None:
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, "desktop")
        page = walk.page
        page.goto(url)
        page.set_input_files("#file", files=[FilePayload(name="i.vtt", mimeType="text/plain", buffer=vtt(INTERVIEW))])
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_selector("#report", timeout=WAIT_MS)
        turn = page.locator("#criterion-systems_thinking a.quote").first.get_attribute("data-turn")
        badge = page.locator(f"#turn-{turn} a.cite-badge[data-criterion=systems_thinking]")
        expect(badge).to_have_attribute("href", "#criterion-systems_thinking")
        expect(badge).to_contain_text("strength:")  # said to a screen reader, shown by colour and place
        uncited = page.locator(".turn:not(.cited) .cite-badge")
        expect(uncited).to_have_count(0)
        assert page.locator(".turn.cited").count() >= 5  # the scripted fake quotes a turn per criterion
        badge.click()
        expect(page.locator(f"#criterion-systems_thinking a.quote[data-turn='{turn}']")).to_be_focused()
        walk.close()
    assert walk.errors == [], walk.errors


def test_a_file_dropped_outside_the_zone_stays_in_the_app(browser: Browser, make_app: MakeApp) -> None:
    """On the upload page a drop anywhere chooses the file; elsewhere it is refused, never opened."""
    drop = """([target]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["WEBVTT"], "near-miss.vtt", { type: "text/vtt" }));
        const at = document.querySelector(target);
        at.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        const event = new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
        at.dispatchEvent(event);
        return event.defaultPrevented;
    }"""
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, "desktop")
        page = walk.page
        page.goto(url)
        assert page.evaluate(drop, ["footer"]) is True  # the browser would have opened it
        expect(page.locator("#chosen")).to_contain_text("near-miss.vtt")
        page.goto(f"{url}analyses/none")  # any other page: here the 404 page
        assert page.evaluate(drop, ["main"]) is True
        assert page.url.endswith("/analyses/none")
        walk.close()
    assert walk.errors == [] or all("404" in e for e in walk.errors), walk.errors


def test_delete_asks_on_screen_where_the_user_is(browser: Browser, make_app: MakeApp) -> None:
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, "phone")
        page = walk.page
        seen = _watch(page)
        _upload_and_wait(page, url, "interview_tom_alvarez.vtt", vtt(INTERVIEW), drop=False)
        page.goto(f"{url}#history")
        delete = page.locator("#history button.danger").first
        delete.focus()
        page.keyboard.press("Enter")
        dialog = page.locator("dialog.confirm")
        expect(dialog).to_be_visible()
        expect(dialog).to_be_in_viewport(ratio=1)
        expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
        walk.shot("delete-confirm")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        expect(delete).to_be_focused()
        expect(page.locator("#history tbody tr")).to_have_count(1)
        page.keyboard.press("Enter")
        tab_to(walk, "dialog.confirm button.danger", backwards=True)
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_contain_text("Deleted analysis")
        walk.close()
    assert seen["dialogs"] == [], "a native confirm() is placed by the browser, not where the user is"


def test_a_refused_upload_shows_the_form_again_with_the_choices(browser: Browser, make_app: MakeApp) -> None:
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, "desktop")
        page = walk.page
        page.goto(url)
        page.fill("input[name=candidate]", "Tom Alvarez")
        page.check("input[name=redact]")
        page.locator("details.advanced summary").click()
        page.select_option("select[name=input_format]", "webvtt")
        page.set_input_files("#file", files=[FilePayload(name="empty.vtt", mimeType="text/plain", buffer=b"")])
        page.get_by_role("button", name="Analyse").click()
        error = page.locator("#upload-error")
        expect(error).to_contain_text("empty.vtt is empty")
        expect(error).to_have_attribute("role", "alert")
        expect(error).to_be_focused()
        expect(error).to_contain_text("choose the file again")
        expect(page.locator("input[name=candidate]")).to_have_value("Tom Alvarez")
        expect(page.locator("input[name=redact]")).to_be_checked()
        expect(page.locator("input[name=redact_names]")).not_to_be_checked()
        expect(page.locator("select[name=input_format]")).to_have_value("webvtt")
        walk.shot("upload-refused")
        # and it is a working form: the same page takes the next try
        page.set_input_files("#file", files=[FilePayload(name="i.vtt", mimeType="text/plain", buffer=vtt(INTERVIEW))])
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_selector("#report", timeout=WAIT_MS)
        walk.close()
    assert walk.errors == [] or all("400" in e for e in walk.errors), walk.errors


def test_a_file_over_the_limit_is_refused_before_sending(browser: Browser, make_app: MakeApp) -> None:
    with serving(make_app(max_upload_bytes=1024)) as url:
        walk = Walk.start(browser, url, "desktop")
        page = walk.page
        page.goto(url)
        page.fill("input[name=candidate]", "Tom Alvarez")
        big = FilePayload(name="big.vtt", mimeType="text/plain", buffer=b"x" * 3000)
        page.set_input_files("#file", files=[big])
        page.get_by_role("button", name="Analyse").click()
        error = page.locator("#upload-error")
        expect(error).to_be_focused()
        expect(error).to_contain_text("big.vtt is 3 KB; this server accepts up to 1 KB.")
        assert page.url == url  # nothing was sent: the form and its choices are as they were
        expect(page.locator("input[name=candidate]")).to_have_value("Tom Alvarez")
        walk.close()
    assert walk.errors == [], walk.errors


def test_back_after_wandering_still_finds_the_quote(browser: Browser, make_app: MakeApp) -> None:
    """Quote, "back to the report" (a plain link: a history entry of its own), the back
    button, another quote, the back button: each return lands on the quote just followed."""
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, "desktop")
        page = walk.page
        _upload_and_wait(page, url, "i.vtt", vtt(INTERVIEW), drop=False)
        first = page.locator("#criterion-systems_thinking a.quote").first
        second = page.locator("#criterion-failure_diagnosis a.quote").first
        back = page.locator("#back-to-finding")
        first.click()
        page.locator("#transcript-bar a.back").click()
        expect(back).to_be_visible()  # a plain link moves on; it isn't taken as the way back
        expect(first).not_to_be_focused()
        back.click()
        expect(first).to_be_focused()
        second.click()
        back.click()
        expect(second).to_be_focused()
        expect(back).to_be_hidden()
        second.click()
        page.go_back()
        expect(second).to_be_focused()
        walk.close()
    assert walk.errors == [], walk.errors
