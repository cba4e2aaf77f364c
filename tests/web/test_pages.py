"""The pages, in-process: upload form, the candidate question, report, history, delete."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from .conftest import MakeApp, csrf_of, running, wait_for
from .support import CANDIDATE, INTERVIEW, INTERVIEWER, scripted, vtt

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


async def _form_upload(http: httpx.AsyncClient, data: bytes, name: str, **fields: str) -> httpx.Response:
    csrf = csrf_of((await http.get("/")).text)
    return await http.post("/analyses", files={"file": (name, data)}, data={"csrf": csrf, **fields})


async def test_upload_form_to_report_page(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        index = await http.get("/")
        assert 'enctype="multipart/form-data"' in index.text and 'id="drop"' in index.text
        assert "ai_architect" in index.text and "keyword baseline" not in index.text
        r = await _form_upload(http, vtt(INTERVIEW), "interview.vtt", candidate="Tom")
        assert r.status_code == 303
        analysis_id = r.headers["location"].rsplit("/", 1)[-1]
        progress = await http.get(r.headers["location"])
        assert progress.status_code == 200 and ('id="job"' in progress.text or 'id="report"' in progress.text)
        await wait_for(http, analysis_id)

        page = (await http.get(f"/analyses/{analysis_id}")).text
        assert "Interview assessment" in page and "Decision support, not a hiring decision" in page
        assert 'href="/api/analyses/' + analysis_id + '/report.md"' in page
        assert "Systems thinking" in page and "Model obsession" in page
        assert "gpt-4.1-mini" in page and "estimated $" in page and "prompt <code>p-" in page
        # every linked quote carries its turn and the offsets of its words in that turn
        quote = re.search(
            r'<a class="quote" href="#turn-(\d+)" data-turn="\1" data-start="(\d+)" data-end="(\d+)">'
            r"<q>(.*?)</q>",
            page,
        )
        assert quote is not None
        turn, start, end, text = int(quote[1]), int(quote[2]), int(quote[3]), quote[4]
        turn_text = re.search(rf'id="turn-{turn}"[^>]*>.*?<p class="text">(.*?)</p>', page, re.S)
        assert turn_text is not None and turn_text[1][start:end] == text
        assert f'<span class="who">{CANDIDATE}</span>' in page and "(given)" in page

        history = (await http.get("/")).text
        assert f'href="/analyses/{analysis_id}"' in history and "state-done" in history


async def test_candidate_question_on_the_page(make_app: MakeApp) -> None:
    captions = (FIXTURES / "formats" / "youtube_autocaptions.en.vtt").read_bytes()
    async with running(make_app()) as http:
        r = await _form_upload(http, captions, "captions.vtt")
        assert r.status_code == 200 and "Who is the candidate?" in r.text
        assert "All speech is the candidate" in r.text and "no speaker labels" in r.text
        pending = re.search(r'name="pending" value="([^"]+)"', r.text)
        assert pending is not None
        r = await http.post(
            "/analyses", data={"csrf": csrf_of(r.text), "pending": pending[1], "speaker": "__all_speech__"}
        )
        assert r.status_code == 303
        await wait_for(http, r.headers["location"].rsplit("/", 1)[-1])
        csrf = csrf_of((await http.get("/")).text)
        r = await http.post("/analyses", data={"csrf": csrf, "pending": pending[1], "speaker": "__all_speech__"})
        assert r.status_code == 410  # a held upload is used once


async def test_wrong_name_offers_the_speakers_and_rerun_changes_the_candidate(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        r = await _form_upload(http, vtt(INTERVIEW), "interview.vtt", candidate="Nobody")
        assert "Who is the candidate?" in r.text and f'value="{INTERVIEWER}"' in r.text
        assert "“Nobody” is not one of the speakers" in r.text
        pending = re.search(r'name="pending" value="([^"]+)"', r.text)
        assert pending is not None
        r = await http.post("/analyses", data={"csrf": csrf_of(r.text), "pending": pending[1], "speaker": CANDIDATE})
        first = r.headers["location"].rsplit("/", 1)[-1]
        await wait_for(http, first)
        page = (await http.get(f"/analyses/{first}")).text
        assert "Wrong candidate?" in page and f'<option value="{INTERVIEWER}">' in page
        r = await http.post(f"/analyses/{first}/rerun", data={"csrf": csrf_of(page), "candidate": INTERVIEWER})
        assert r.status_code == 303
        second = await wait_for(http, r.headers["location"].rsplit("/", 1)[-1])
        report = (await http.get(second["links"]["report_json"])).json()
        assert report["roles"]["candidate"] == INTERVIEWER and second["resumed_from"] is None


async def test_an_unreadable_file_can_be_read_as_plain_text(make_app: MakeApp) -> None:
    prose = b"We talked about retrieval, evaluation and what to do when the model is down.\n" * 3
    async with running(make_app()) as http:
        r = await _form_upload(http, prose, "notes.txt")
        assert r.status_code == 400 and "Not a transcript we can read" in r.text
        assert "Read notes.txt as plain text" in r.text and "--input-format" not in r.text
        pending = re.search(r'name="pending" value="([^"]+)"', r.text)
        assert pending is not None
        r = await http.post("/analyses", data={"csrf": csrf_of(r.text), "pending": pending[1], "input_format": "plain"})
        assert r.status_code == 200 and "Who is the candidate?" in r.text  # no labels: the page asks


async def test_a_job_page_without_javascript_refreshes_itself(make_app: MakeApp) -> None:
    import asyncio

    release = asyncio.Event()
    async with running(make_app(llm_factory=lambda: scripted(stall_turns={1}, release=release))) as http:
        r = await _form_upload(http, vtt(INTERVIEW), "interview.vtt")
        analysis_id = r.headers["location"].rsplit("/", 1)[-1]
        await wait_for(http, analysis_id, {"analysing"})
        page = (await http.get(f"/analyses/{analysis_id}")).text
        assert 'data-state="analysing"' in page and '<meta http-equiv="refresh" content="3">' in page
        assert f'data-events="/api/analyses/{analysis_id}/events"' in page
        release.set()
        await wait_for(http, analysis_id)


async def test_delete_from_the_history_says_what_went(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        r = await _form_upload(http, vtt(INTERVIEW), "interview.vtt")
        analysis_id = r.headers["location"].rsplit("/", 1)[-1]
        await wait_for(http, analysis_id)
        index = (await http.get("/")).text
        assert f'action="/analyses/{analysis_id}/delete"' in index and "data-confirm" in index
        r = await http.post(f"/analyses/{analysis_id}/delete", data={"csrf": csrf_of(index)}, follow_redirects=True)
        assert f"Deleted analysis <code>{analysis_id}</code> and 3 cached model response(s)" in r.text
        assert (await http.get(f"/analyses/{analysis_id}")).status_code == 404
