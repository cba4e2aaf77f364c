"""An automated accessibility check (axe-core, via axe-playwright-python) of every kind of
page, at a desktop (1366×900) and a phone (390×844) viewport, in headless Chromium.

A "serious" or "critical" violation fails the test; the others are printed (run with -s).
Skipped, with the reason, where Chromium, playwright or axe-playwright-python is missing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser_steps import WAIT_MS, Walk, launch, shots_dir
from .conftest import MakeApp, serving
from .support import INTERVIEW, scripted, vtt

with contextlib.suppress(ImportError):  # the tests skip without it (see browser_steps.launch)
    from playwright.sync_api import Browser, FilePayload, Page, expect
try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover - depends on the machine
    Axe = None  # type: ignore[assignment,misc]

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FAILING = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if Axe is None:
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[browser]')")
    with launch() as b:
        yield b


def _summary(violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        for v in violations
    ]


def check(page: Page, label: str) -> list[str]:
    """axe's violations on the page as it is now: the serious ones (returned), the rest printed."""
    results = Axe().run(page).response
    violations = results["violations"]
    bad = [v for v in violations if v.get("impact") in FAILING]
    minor = [v for v in violations if v.get("impact") not in FAILING]
    for line in _summary(minor):
        print(f"axe [{label}] {line}")
    return [f"[{label}] {line}" for line in _summary(bad)]


def _upload(page: Page, url: str, data: bytes, name: str, **fields: str) -> None:
    page.goto(url)
    for key, value in fields.items():
        page.fill(f"input[name={key}]", value)
    page.set_input_files("#file", files=[FilePayload(name=name, mimeType="text/plain", buffer=data)])
    page.get_by_role("button", name="Analyse").click()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_no_serious_accessibility_violations(browser: Browser, make_app: MakeApp, viewport: str) -> None:
    found: list[str] = []
    with serving(make_app(llm_factory=lambda: scripted())) as url:
        walk = Walk.start(browser, url, viewport)
        page = walk.page
        page.goto(url)
        found += check(page, "upload page, no history")
        # a report, with the transcript; then with a quote followed (highlight, the way back)
        _upload(page, url, vtt(INTERVIEW), "interview.vtt")
        page.wait_for_selector("#report", timeout=WAIT_MS)
        found += check(page, "report page")
        page.locator("a.quote[data-turn]").first.click()
        expect(page.locator("#back-to-finding")).to_be_visible()
        found += check(page, "report page, quote followed")
        walk.shot("a11y-report")
        # the upload page with history, and its delete confirmation
        page.goto(url)
        found += check(page, "upload page with history")
        page.goto(f"{url}history?ops=1")
        found += check(page, "history page, operator columns shown")
        page.locator("form[data-confirm] button").first.click()
        expect(page.locator("dialog.confirm")).to_be_visible()
        found += check(page, "delete confirmation")
        page.keyboard.press("Escape")
        # a refused upload: the form again, with the error
        _upload(page, url, b"", "empty.vtt", candidate="Tom")
        expect(page.locator("#upload-error")).to_be_focused()
        found += check(page, "upload refused")
        # the candidate question (a caption file without speaker labels)
        captions = (FIXTURES / "formats" / "youtube_autocaptions.en.vtt").read_bytes()
        _upload(page, url, captions, "captions.vtt")
        page.wait_for_selector("#question", timeout=WAIT_MS)
        found += check(page, "candidate page")
        walk.shot("a11y-candidate")
        # an error page
        page.goto(f"{url}analyses/no-such-id")
        found += check(page, "not found page")
        walk.close()
    assert not found, "serious accessibility violations:\n" + "\n".join(found)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_job_page_in_progress_is_accessible(browser: Browser, make_app: MakeApp, viewport: str) -> None:
    import asyncio

    release = asyncio.Event()  # never set: the run stays on its progress page
    app = make_app(llm_factory=lambda: scripted(stall_turns={1}, release=release))
    found: list[str] = []
    with serving(app) as url:
        walk = Walk.start(browser, url, viewport)
        page = walk.page
        _upload(page, url, vtt(INTERVIEW), "interview.vtt")
        page.wait_for_selector("#job", timeout=WAIT_MS)
        expect(page.locator("#job-state")).to_have_text("Analysing")
        found += check(page, "job page")
        walk.shot("a11y-job")
        walk.close()
    assert not found, "serious accessibility violations:\n" + "\n".join(found)
    assert shots_dir().is_dir()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_partial_and_failed_runs_are_accessible(
    browser: Browser, make_app: MakeApp, viewport: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found: list[str] = []
    every_chunk = set(range(len(INTERVIEW)))
    for fail, label in [({5}, "partial run"), (every_chunk, "failed run")]:
        monkeypatch.setenv("TJ_HOME", str(tmp_path / label))  # a store of its own: no cached answers
        with serving(make_app(llm_factory=lambda fail=fail: scripted(fail_turns=fail))) as url:
            walk = Walk.start(browser, url, viewport)
            _upload(walk.page, url, vtt(INTERVIEW), "interview.vtt")
            # the progress page reloads itself once the run ends (into a report, or not); the
            # server-rendered data-state is the reloaded page's (the script never changes it)
            ended = "[data-state=partial], [data-state=failed]"
            walk.page.wait_for_selector(f"#job:is({ended}), #report:is({ended})", timeout=WAIT_MS)
            found += check(walk.page, label)
            walk.shot(f"a11y-{label.replace(' ', '-')}")
            walk.close()
    assert not found, "serious accessibility violations:\n" + "\n".join(found)


def test_the_check_finds_what_it_should(browser: Browser, make_app: MakeApp) -> None:
    """The check is live on our pages (the CSP doesn't stop axe): a grey-on-white line and an
    unlabelled field put into the upload page are both reported."""
    with serving(make_app()) as url:
        walk = Walk.start(browser, url, "desktop")
        page = walk.page
        page.goto(url)
        page.evaluate(
            """() => {
                const p = document.createElement("p");
                p.textContent = "hard to read";
                p.style.color = "#c8c8c8";
                const input = document.createElement("input");
                document.querySelector("#upload").append(p, input);
            }"""
        )
        found = "\n".join(check(page, "planted"))
        walk.close()
    assert "color-contrast" in found and "label" in found, found
