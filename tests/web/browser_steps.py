"""The browser tests' pieces: launching Debian's Chromium, and the steps of a walk through
the app by keyboard (each a small function, so a walk can grow: review, export, ...).

A :class:`Walk` is one page at one viewport; every step takes it, checks what a user would
see, and leaves a numbered screenshot in :attr:`Walk.shots` (a temporary folder, printed;
``TJ_WALK_SHOTS=/some/folder`` keeps them there instead).

Example:
    >>> walk = Walk.start(browser, url, "desktop")  # doctest: +SKIP
    >>> choose_file_by_keyboard(walk, "interview.vtt", data); submit_by_keyboard(walk)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

__all__ = [
    "DESKTOP",
    "PHONE",
    "VIEWPORTS",
    "WAIT_MS",
    "Walk",
    "back_to_finding",
    "choose_file_by_keyboard",
    "export_by_keyboard",
    "focused",
    "follow_quote_by_keyboard",
    "launch",
    "open_upload",
    "outline_contrast",
    "review_by_keyboard",
    "scorecard_first",
    "shots_dir",
    "skip_to_main",
    "submit_and_watch_progress",
    "submit_by_keyboard",
    "tab_to",
]

CHROMIUM = shutil.which("chromium")
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
DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
MAX_TABS = 400  # a report page has a link per quote; more Tabs than this is a bug in itself

_SHOTS: Path | None = None
_WALKS = 0  # walks so far: their screenshots' prefix, so none overwrites another's


def shots_dir() -> Path:
    """Where the walk's screenshots go: ``TJ_WALK_SHOTS``, else one temporary folder per run
    (its path is printed once)."""
    global _SHOTS
    if _SHOTS is None:
        chosen = os.environ.get("TJ_WALK_SHOTS")
        _SHOTS = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="tj-walk-"))
        _SHOTS.mkdir(parents=True, exist_ok=True)
        print(f"\nbrowser walk screenshots: {_SHOTS}")
    return _SHOTS


def missing() -> str | None:
    """Why the browser tests can't run here, or None."""
    if CHROMIUM is None:
        return "no `chromium` on PATH (Debian: apt-get install chromium)"
    if sync_playwright is None:
        return "the playwright package is not installed (pip install playwright; no browser download needed)"
    return None


@contextmanager
def launch() -> Iterator[Browser]:
    """Headless Chromium (the system's; playwright never downloads one), or a skip."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    expect.set_options(timeout=10_000)  # a shared 2-core machine: more than the default 5 s
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, timeout=WAIT_MS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Walk:
    """One user's page at one viewport, and the screenshots of their steps."""

    context: BrowserContext
    page: Page
    base: str
    name: str
    shots: Path
    steps: int = 0
    errors: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, browser: Browser, base: str, name: str) -> Walk:
        context = browser.new_context(**VIEWPORTS[name])
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        global _WALKS
        _WALKS += 1
        walk = cls(context, page, base, f"{_WALKS:02d}-{name}", shots_dir())
        page.on("pageerror", lambda e: walk.errors.append(str(e)))
        page.on("console", lambda m: walk.errors.append(m.text) if m.type == "error" else None)
        return walk

    def shot(self, label: str) -> Path:
        self.steps += 1
        path = self.shots / f"{self.name}-{self.steps:02d}-{label}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()


def focused(page: Page) -> dict[str, Any]:
    """The focused element: its id, tag, classes and text (for assertions and messages)."""
    return page.evaluate(
        """() => { const e = document.activeElement;
            return { id: e.id, tag: e.tagName.toLowerCase(), cls: e.className || "",
                     text: (e.textContent || "").trim().slice(0, 80) }; }"""
    )


_CONTRAST = """([element, background]) => {
    const channel = (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const luminance = (css) => {
        const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map((v) => channel(Number(v) / 255));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const style = getComputedStyle(document.querySelector(element));
    if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) === 0) return 0;
    let under = document.querySelector(background);
    let fill = getComputedStyle(under).backgroundColor;
    while (fill === "rgba(0, 0, 0, 0)" && under.parentElement) {
        under = under.parentElement;
        fill = getComputedStyle(under).backgroundColor;
    }
    const [hi, lo] = [luminance(style.outlineColor), luminance(fill)].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
}"""


def outline_contrast(page: Page, element: str, background: str) -> float:
    """The WCAG contrast ratio of ``element``'s outline against ``background``'s colour (the
    nearest non-transparent one); 0 when there is no outline."""
    return float(page.evaluate(_CONTRAST, [element, background]))


def tab_to(walk: Walk, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab) until the focused element matches ``selector``."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        if walk.page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        walk.page.keyboard.press(key)
    raise AssertionError(f"{MAX_TABS} presses of {key} never reached {selector}; focus is on {focused(walk.page)}")


def open_upload(walk: Walk) -> None:
    walk.page.goto(walk.base)
    expect(walk.page.locator("#upload-form")).to_be_visible()
    walk.shot("upload")


def skip_to_main(walk: Walk) -> None:
    """The first Tab shows the skip link; Enter moves focus to the main content."""
    page = walk.page
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    walk.shot("skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def choose_file_by_keyboard(walk: Walk, name: str, content: bytes) -> None:
    """Tab to the file input (its drop zone shows the focus), open the chooser with Space."""
    page = walk.page
    tab_to(walk, "#file")
    assert outline_contrast(page, "#drop", "#upload") >= 3, "the drop zone shows no clear focus ring"
    walk.shot("file-focused")
    chosen = None
    for attempt in range(3):  # Chromium on a loaded machine now and then lets a key press pass
        expect(page.locator("#file")).to_be_focused()
        try:
            with page.expect_file_chooser(timeout=WAIT_MS / 2) as chooser:
                page.keyboard.press("Space" if attempt % 2 == 0 else "Enter")
            chosen = chooser.value
            break
        except PlaywrightTimeout:
            continue
    assert chosen is not None, "neither Space nor Enter on the focused file input opened the file chooser"
    chosen.set_files(FilePayload(name=name, mimeType="text/plain", buffer=content))
    expect(page.locator("#chosen")).to_contain_text(name)


def submit_by_keyboard(walk: Walk) -> None:
    """Tab to Analyse, press Enter; the progress page reloads into the report."""
    page = walk.page
    tab_to(walk, "#upload-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#report", timeout=WAIT_MS)
    walk.shot("report")


def follow_quote_by_keyboard(walk: Walk, card: str) -> str:
    """Tab to the first quote of the card ``#criterion-<card>`` and press Enter: its turn is
    highlighted, focused and in view. Returns the turn's element id."""
    page = walk.page
    quote = page.locator(f"#criterion-{card} a.quote[data-turn]").first
    tab_to(walk, f"#criterion-{card} a.quote[data-turn]")
    words = quote.locator("q").inner_text()
    turn_id = f"turn-{quote.get_attribute('data-turn')}"
    page.keyboard.press("Enter")
    turn = page.locator(f"#{turn_id}")
    expect(turn).to_have_class(re.compile(r"(^|\s)current(\s|$)"))
    expect(turn).to_be_focused()
    expect(turn.locator("mark.hl")).to_have_text(words)
    expect(turn.locator("mark.hl")).to_be_in_viewport()
    for under in ("#transcript", f"#{turn_id}"):  # the outline sits on the pane, beside the turn
        assert outline_contrast(page, f"#{turn_id}", under) >= 3, f"the highlight's outline is faint on {under}"
    expect(page.locator("#back-to-finding")).to_be_visible()
    expect(page.locator("#back-to-finding")).to_be_in_viewport()  # the way back is always in view
    walk.shot(f"quote-{card}")
    return turn_id


def back_to_finding(walk: Walk, card: str) -> None:
    """From the highlighted turn, Tab once to "Back to …" and press Enter: focus is on the
    quote that was followed, and it is in view."""
    page = walk.page
    page.keyboard.press("Tab")
    expect(page.locator(".turn.current .back-inline")).to_be_focused()
    page.keyboard.press("Enter")
    quote = page.locator(f"#criterion-{card} a.quote[data-turn]").first
    expect(quote).to_be_focused()
    expect(quote).to_be_in_viewport()
    expect(page.locator("#back-to-finding")).to_be_hidden()
    walk.shot(f"back-{card}")


# -- the reviewer's half: progress, scorecard, review, export (issue 13's whole walk) ----


def submit_and_watch_progress(walk: Walk) -> None:
    """Tab to Analyse, press Enter: the job page says which part of the interview is being
    read, in minutes, and the time so far; then it becomes the report."""
    page = walk.page
    tab_to(walk, "#upload-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#job-message")).to_have_text(re.compile(r"^Reading part \d+ of \d+ \(minutes \d+–\d+\)…$"))
    expect(page.locator("#job-elapsed")).to_have_text(re.compile(r"^\d+ s$"))
    walk.shot("progress")
    page.wait_for_selector("#report", timeout=3 * WAIT_MS)
    walk.shot("report")


def scorecard_first(walk: Walk) -> str:
    """The report opens on the scorecard (its first line in view); Tab to the first line's
    link and Enter: its card is in view. Returns the card's criterion id."""
    page = walk.page
    scorecard = page.locator("#scorecard")
    expect(scorecard).to_be_in_viewport()
    walk.shot("scorecard")
    tab_to(walk, '#scorecard a[href^="#criterion-"]')
    criterion = (page.evaluate("document.activeElement.getAttribute('href')") or "").removeprefix("#criterion-")
    page.keyboard.press("Enter")
    expect(page.locator(f"#criterion-{criterion}")).to_be_in_viewport()
    walk.shot(f"card-{criterion}")
    return criterion


def review_by_keyboard(walk: Walk, card: str, verdict: str, note: str) -> None:
    """Open the card's review (Enter on its summary), pick ``verdict`` with the arrow keys,
    type a note, save with Enter: the page comes back to the card, with the review on it."""
    page = walk.page
    box = page.locator(f"#criterion-{card} details.review-box")
    tab_to(walk, f"#criterion-{card} details.review-box > summary")
    page.keyboard.press("Enter")
    expect(box).to_have_attribute("open", "")
    tab_to(walk, f"#criterion-{card} input[name=verdict]")
    for _ in range(8):  # a radio group: arrows move the choice (and check it)
        if page.evaluate("document.activeElement.value") == verdict:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator(f"#criterion-{card} input[name=verdict][value={verdict}]")).to_be_checked()
    tab_to(walk, f"#criterion-{card} textarea[name=note]")
    page.keyboard.type(note)
    walk.shot(f"review-form-{card}")
    tab_to(walk, f"#criterion-{card} .review-buttons button[type=submit]")
    page.keyboard.press("Enter")
    saved = page.locator(f"#criterion-{card} .review-saved")
    expect(saved).to_contain_text(note)
    expect(saved).to_be_in_viewport()
    walk.shot(f"review-saved-{card}")


def export_by_keyboard(walk: Walk, into: Path) -> Path:
    """In the report's export form, tick "use the model's verdict where a finding wasn't
    reviewed" (Space), Tab to the button, Enter: a zip downloads. Returns its path."""
    page = walk.page
    tab_to(walk, "#review-export input[name=accept_unreviewed]")
    page.keyboard.press("Space")
    expect(page.locator("#review-export input[name=accept_unreviewed]")).to_be_checked()
    tab_to(walk, "#review-export button[type=submit]")
    walk.shot("export")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    path = into / download.value.suggested_filename
    download.value.save_as(path)
    return path
