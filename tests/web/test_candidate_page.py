"""The "Who is the candidate?" page: each speaker with who asks and who answers, the likely
candidate chosen, a name from the file name offered, and no command-line wording; caption
files without labels answered "all speech" keep their cue times in the report.

In-process with httpx; the same page in headless Chromium (Debian's ``chromium``) at desktop
and phone sizes, screenshots in a temporary folder (skipped without Chromium or playwright)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from transcript_judge.ingest import Source, parse_source
from transcript_judge.roles import ALL_SPEECH_WARNING, assign_roles

from .conftest import MakeApp, csrf_of, running, serving, upload_api, wait_for
from .support import CANDIDATE, INTERVIEW, INTERVIEWER, scripted, vtt

FLAGS = re.compile(r"--[a-z][a-z-]+")  # a command-line flag: never on the page


def captions(turns: list[tuple[str, str]], seconds_per_turn: float = 11.0) -> bytes:
    """The interview as WebVTT captions without speaker names (each turn a cue)."""

    def ts(t: float) -> str:
        m, s = divmod(t, 60)
        return f"00:{int(m):02d}:{s:06.3f}"

    out = ["WEBVTT", ""]
    for i, (_, text) in enumerate(turns):
        start = 1.0 + i * seconds_per_turn
        out += [f"{ts(start)} --> {ts(start + seconds_per_turn - 0.5)}", text, ""]
    return "\n".join(out).encode()


async def _upload(http: httpx.AsyncClient, data: bytes, name: str, **fields: str) -> tuple[str, str]:
    csrf = csrf_of((await http.get("/")).text)
    r = await http.post("/analyses", files={"file": (name, data)}, data={"csrf": csrf, **fields})
    assert r.status_code == 303
    analysis_id = r.headers["location"].rsplit("/", 1)[-1]
    await wait_for(http, analysis_id)
    return analysis_id, (await http.get(r.headers["location"])).text


def _checked(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="speaker" value="([^"]+)" required checked', page)


async def test_the_inferred_candidate_is_chosen_with_each_speakers_reason(make_app: MakeApp) -> None:
    stats = {s.name: s for s in assign_roles(parse_source(Source(data=vtt(INTERVIEW), name="i.vtt"))).stats}
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        _, page = await _upload(http, vtt(INTERVIEW), "interview.vtt", candidate="Jane Doe")
        assert "Who is the candidate?" in page
        assert _checked(page) == [CANDIDATE]  # not the first speaker, who is the interviewer
        assert page.index(f'value="{INTERVIEWER}"') < page.index(f'value="{CANDIDATE}"')
        assert "Most likely the candidate" in page
        for name in (INTERVIEWER, CANDIDATE):
            s = stats[name]
            asks = f"{s.questions_asked} question" + ("" if s.questions_asked == 1 else "s")
            expected = (f"Asks {asks} · answers {s.questions_answered} of the others' · {s.words} words "
                        f"({s.share * 100:.0f}% of the speech)")
            assert expected in page, expected
        assert "“Jane Doe” is not one of the speakers" in page
        text = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])
        assert not FLAGS.findall(text), FLAGS.findall(text)  # no "--candidate 'Jane Doe'"


async def test_no_guess_no_choice_made_for_the_user(make_app: MakeApp) -> None:
    text = b"Dana: I worked on search.\n\nLee: I worked on ranking.\n\nDana: Then on evaluation.\n\nLee: Same.\n"
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        _, page = await _upload(http, text, "two.txt")
        assert "No one asks questions in this transcript" in page
        assert _checked(page) == [] and "Most likely the candidate" not in page


async def test_unlabelled_captions_offer_the_file_name_and_keep_their_times(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        analysis_id, page = await _upload(http, captions(INTERVIEW), "interview_jane_doe.vtt")
        assert "This transcript has no speaker labels" in page
        assert "The file name gives the name <strong>Jane Doe</strong>" in page
        assert _checked(page) == ["__all_speech__"]
        assert "the interviewer's words may be included in what is judged" in page
        assert not FLAGS.findall(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]))
        api = (await http.get(f"/api/analyses/{analysis_id}")).json()
        facts = api["question"]["facts"]
        assert (facts["why"], facts["name"], facts["name_source"]) == ("no_labels", "Jane Doe", "file name")

        r = await http.post(f"/analyses/{analysis_id}/answer",
                            data={"csrf": csrf_of(page), "speaker": "__all_speech__"})
        assert r.status_code == 303
        body = await wait_for(http, analysis_id)
        assert body["state"] == "done", body
        report = (await http.get(f"/api/analyses/{analysis_id}/report.json")).json()
        roles = report["roles"]
        assert (roles["method"], roles["name"], roles["name_source"]) == ("all_speech", "Jane Doe", "file name")
        assert [w["message"] for w in report["warnings"] if w["kind"] == "all_speech"] == [ALL_SPEECH_WARNING]
        quotes = [q for f in report["strengths"] + report["red_flags"] for q in f["quotes"]]
        assert len(quotes) >= 2
        assert len({q["start"] for q in quotes}) == len({q["turn"] for q in quotes}) >= 2
        for q in quotes:  # each cue is its own turn, at its own time (a cue every 11 s)
            assert q["start"] == 1.0 + 11.0 * q["turn"]


async def test_the_api_question_carries_the_facts(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        r = await upload_api(http, vtt(INTERVIEW), "interview.vtt", candidate="Nobody")
        body = await wait_for(http, r.json()["id"])
        facts = body["question"]["facts"]
        assert facts["why"] == "not_a_speaker" and facts["inferred"] == CANDIDATE
        assert [s["name"] for s in facts["speakers"]] == [INTERVIEWER, CANDIDATE]


# -- in a real browser ---------------------------------------------------------------------

try:
    from playwright.sync_api import Browser, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = shutil.which("chromium")
SHOTS = Path(os.environ.get("TJ_CANDIDATE_SHOTS") or tempfile.mkdtemp(prefix="tj-candidate-shots-"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None or sync_playwright is None:
        pytest.skip("needs Debian's chromium and the playwright package (no browser download)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, timeout=20_000,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_the_page_in_chromium(browser: Browser, make_app: MakeApp, width: int, height: int) -> None:
    with serving(make_app(llm_factory=lambda: scripted())) as url, httpx.Client(base_url=url) as http:
        analysis_id = http.post("/api/analyses", files={"file": ("interview.vtt", vtt(INTERVIEW))},
                                data={"candidate": "Jane Doe"}).json()["id"]
        for _ in range(400):
            if http.get(f"/api/analyses/{analysis_id}").json()["state"] == "candidate_needed":
                break
            time.sleep(0.025)
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{url.rstrip('/')}/analyses/{analysis_id}")
        chosen = page.get_by_role("radio", name=re.compile(CANDIDATE))
        expect(chosen).to_be_checked()
        expect(page.get_by_text("Most likely the candidate", exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        # by keyboard: to the chosen speaker, an arrow key to another, then Continue
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.type") == "radio":
                break
        expect(chosen).to_be_focused()
        page.screenshot(path=str(SHOTS / f"candidate-{width}.png"), full_page=True)
        page.keyboard.press("ArrowUp")
        expect(page.get_by_role("radio", name=re.compile(INTERVIEWER))).to_be_checked()
        page.keyboard.press("ArrowDown")
        expect(chosen).to_be_checked()
        page.keyboard.press("Enter")  # submits the form
        page.wait_for_selector("#report, #job", timeout=20_000)
        context.close()
