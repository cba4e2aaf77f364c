"""The pages, in-process: upload form, the candidate question, report, history, delete."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import httpx
import pytest

from .conftest import MakeApp, csrf_of, running, upload_api, wait_for
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
        assert turn_text is not None and unescape(turn_text[1])[start:end] == unescape(text)  # offsets are in the text
        assert f'<span class="who">{CANDIDATE}</span>' in page and "(chosen at upload)" in page

        history = (await http.get("/")).text
        assert f'href="/analyses/{analysis_id}"' in history and "state-done" in history


async def _asked(http: httpx.AsyncClient, r: httpx.Response) -> tuple[str, str]:
    """Follow an upload's redirect until its job has read the file; the analysis id and page."""
    assert r.status_code == 303
    analysis_id = r.headers["location"].rsplit("/", 1)[-1]
    await wait_for(http, analysis_id)
    return analysis_id, (await http.get(r.headers["location"])).text


async def test_candidate_question_on_the_page(make_app: MakeApp) -> None:
    captions = (FIXTURES / "formats" / "youtube_autocaptions.en.vtt").read_bytes()
    async with running(make_app()) as http:
        analysis_id, page = await _asked(http, await _form_upload(http, captions, "captions.vtt"))
        assert "Who is the candidate?" in page and f'action="/analyses/{analysis_id}/answer"' in page
        assert "All speech is the candidate" in page and "no speaker labels" in page
        r = await http.post(
            f"/analyses/{analysis_id}/answer", data={"csrf": csrf_of(page), "speaker": "__all_speech__"}
        )
        assert r.status_code == 303 and r.headers["location"] == f"/analyses/{analysis_id}"
        assert (await wait_for(http, analysis_id))["state"] == "done"
        r = await http.post(
            f"/analyses/{analysis_id}/answer", data={"csrf": csrf_of(page), "speaker": "__all_speech__"}
        )
        assert r.status_code == 409 and "Already answered" in r.text  # a question is answered once


async def test_wrong_name_offers_the_speakers_and_rerun_changes_the_candidate(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        r = await _form_upload(http, vtt(INTERVIEW), "interview.vtt", candidate="Nobody")
        first, page = await _asked(http, r)
        assert "Who is the candidate?" in page and f'value="{INTERVIEWER}"' in page
        assert "“Nobody” is not one of the speakers" in page
        r = await http.post(f"/analyses/{first}/answer", data={"csrf": csrf_of(page), "speaker": CANDIDATE})
        assert r.headers["location"].rsplit("/", 1)[-1] == first
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
        analysis_id, page = await _asked(http, await _form_upload(http, prose, "notes.txt"))
        assert "look like a transcript" in page and "state-failed" in page
        assert "Read notes.txt as plain text" in page and "--input-format" not in page
        r = await http.post(f"/analyses/{analysis_id}/answer", data={"csrf": csrf_of(page), "input_format": "plain"})
        _, page = await _asked(http, r)
        assert "Who is the candidate?" in page  # no labels: the page asks next


async def test_the_upload_form_checks_csrf_before_keeping_the_file(make_app: MakeApp) -> None:
    import os

    async with running(make_app()) as http:
        await http.get("/")  # a session cookie, as a browser has
        r = await http.post("/analyses", files={"file": ("a.vtt", vtt(INTERVIEW))}, data={"csrf": "forged"})
        assert r.status_code == 403
        csrf = csrf_of((await http.get("/")).text)
        html = {"accept": "text/html"}
        r = await http.post("/analyses", files={"file": ("e.vtt", b"")}, data={"csrf": csrf}, headers=html)
        assert r.status_code == 400 and "e.vtt is empty" in r.text and "{" not in r.text.split("<main", 1)[1]
        r = await http.post("/analyses", files={"file": ("", b"")}, data={"csrf": csrf}, headers=html)
        assert r.status_code == 400 and "Choose a transcript file" in r.text  # the browser's "no file"
    assert not list((Path(os.environ["TJ_HOME"]) / "uploads").glob("*"))


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


async def test_the_report_page_shows_the_turns_its_job_kept_without_parsing_again(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transcript_judge.ingest import Source, parse_source
    from transcript_judge.web import actions as service_module
    from transcript_judge.web.pipeline import decode_turns, encode_turns

    data = vtt(INTERVIEW)
    parsed = parse_source(Source(data, "i.vtt"))
    kept = decode_turns(encode_turns(parsed))
    assert kept is not None and kept.turns == parsed.turns and kept.speakers == parsed.speakers
    assert [t.timestamp for t in kept.turns] == [t.timestamp for t in parsed.turns]

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report page parsed the upload again")

    async with running(make_app(llm_factory=lambda: scripted())) as http:
        r = await _form_upload(http, data, "interview.vtt", redact="1")
        analysis_id = r.headers["location"].rsplit("/", 1)[-1]
        await wait_for(http, analysis_id)
        monkeypatch.setattr(service_module, "parse_turns", no_parsing)
        page = (await http.get(f"/analyses/{analysis_id}")).text
        html = (await http.get(f"/api/analyses/{analysis_id}/report.html")).text
    assert 'id="turn-1"' in page and "forty thousand tickets" in page  # the turns as uploaded
    assert 'id="turn-1"' in html


async def test_the_report_page_shows_what_the_interview_covered_and_still_shows_older_reports(
    make_app: MakeApp,
) -> None:
    import json
    import sqlite3

    from test_probes import NO_EVALUATION, _as_schema_1_0
    from transcript_judge.planning import AnalysisSettings
    from transcript_judge.report.model import SCHEMA_VERSION
    from transcript_judge.store import store_path

    app = make_app(analysis=AnalysisSettings(tagger="lexical"))
    async with running(app) as http:
        analysis_id = (await upload_api(http, NO_EVALUATION.encode(), "i.txt", candidate="Cand")).json()["id"]
        await wait_for(http, analysis_id)
        page = (await http.get(f"/analyses/{analysis_id}")).text
        assert "What the interview covered" in page and "Suggested follow-ups" in page
        assert "not probed" in page and "What metrics do you use to measure system quality in production?" in page
        report = (await http.get(f"/api/analyses/{analysis_id}/report.json")).json()
        assert report["schema_version"] == SCHEMA_VERSION and report["follow_ups"]

        with sqlite3.connect(store_path()) as db:  # the same run, as a 1.0 report was stored
            (stored,) = db.execute("SELECT report FROM analyses WHERE id = ?", (analysis_id,)).fetchone()
            old = json.dumps(_as_schema_1_0(json.loads(stored)))
            db.execute("UPDATE analyses SET report = ? WHERE id = ?", (old, analysis_id))
        old_page = await http.get(f"/analyses/{analysis_id}")
        assert old_page.status_code == 200 and "Evaluation before shipping" in old_page.text
        assert "What the interview covered" not in old_page.text
        history = await http.get("/")
        assert history.status_code == 200 and f'href="/analyses/{analysis_id}"' in history.text
