"""The JSON API in-process (httpx + ASGI transport): upload, progress, reports, history, delete."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from transcript_judge.errors import LLMAuthError
from transcript_judge.llm.base import ChatRequest
from transcript_judge.llm.fake import FakeLLM
from transcript_judge.store import Store

from .conftest import MakeApp, running, upload_api, wait_for
from .support import CANDIDATE, INTERVIEW, plain, scripted, vtt

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


async def test_lexical_upload_runs_to_a_report_in_every_format(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await upload_api(http, (FIXTURES / "interview_zoom.vtt").read_bytes(), "interview_zoom.vtt")
        assert r.status_code == 202, r.text
        created = r.json()
        assert created["state"] in ("queued", "analysing", "done") and created["model"] == "lexical-baseline"
        done = await wait_for(http, created["id"])
        assert done["state"] == "done" and done["links"]["report_json"]

        report = (await http.get(done["links"]["report_json"])).json()
        assert report["analysis_id"] == created["id"] and report["tagger"] == "lexical"
        assert report["roles"]["candidate"] == "Tom Alvarez"
        md = await http.get(done["links"]["report_md"])
        assert md.headers["content-type"].startswith("text/markdown") and "KEYWORD BASELINE" in md.text
        assert md.headers["content-disposition"] == f'attachment; filename="interview_zoom-{created["id"]}.md"'
        html = await http.get(done["links"]["report_html"])
        assert "Decision support, not a hiring decision" in html.text and 'id="turn-1"' in html.text
        assert "sandbox" in html.headers["content-security-policy"]


async def test_llm_run_reports_progress_quotes_cost_and_model(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        created = (await upload_api(http, vtt(INTERVIEW))).json()
        done = await wait_for(http, created["id"])
        assert done["state"] == "done", done
        report = (await http.get(done["links"]["report_json"])).json()
        assert report["model"] == "gpt-4.1-mini" and report["usage"]["estimated_cost_usd"] > 0
        assert report["coverage"]["chunks_total"] >= 3
        shown = {f["criterion_id"]: f for f in report["strengths"] + report["red_flags"] if f["verdict"] == "shown"}
        assert {"failure_diagnosis", "systems_thinking", "model_obsession"} <= set(shown)
        quote = shown["systems_thinking"]["quotes"][0]
        assert quote["speaker"] == CANDIDATE and quote["text"].startswith("Then we fall back")

        events = await http.get(done["links"]["events"])
        assert events.headers["content-type"].startswith("text/event-stream")
        payloads = [json.loads(line[6:]) for line in events.text.splitlines() if line.startswith("data: ")]
        assert payloads[-1]["state"] == "done"


async def test_a_chunk_that_keeps_failing_makes_a_partial_result(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted(fail_turns={5}))) as http:
        created = (await upload_api(http, vtt(INTERVIEW))).json()
        done = await wait_for(http, created["id"])
        assert done["state"] == "partial" and done["resumable"]
        assert "Finished with gaps" in done["message"]
        report = (await http.get(done["links"]["report_json"])).json()
        assert report["coverage"]["chunks_failed"] == 1 and report["coverage"]["chunks_ok"] >= 2
        assert any(w["kind"] == "partial" for w in report["warnings"])

        page = await http.get(f"/analyses/{created['id']}")
        assert "Partial result" in page.text and "Retry the failed chunks" in page.text
        assert "not judged" in page.text and "(429)" in page.text


async def test_a_failure_every_chunk_shares_fails_the_run_with_the_reason(make_app: MakeApp) -> None:
    def refuse(request: ChatRequest) -> Exception:
        return LLMAuthError("The model service rejected the credentials (401): bad key", hint="Check OPENAI_API_KEY.")

    async with running(make_app(llm_factory=lambda: FakeLLM(refuse))) as http:
        created = (await upload_api(http, vtt(INTERVIEW))).json()
        done = await wait_for(http, created["id"])
        assert done["state"] == "failed" and done["links"]["report_json"] is None
        assert "rejected the credentials" in done["error"] and "OPENAI_API_KEY" in done["error"]
        assert (await http.get(f"/api/analyses/{created['id']}/report.json")).status_code == 409
        page = await http.get(f"/analyses/{created['id']}")
        assert "rejected the credentials" in page.text and "Try again" in page.text


async def test_no_speaker_labels_asks_which_speaker_is_the_candidate(make_app: MakeApp) -> None:
    captions = (FIXTURES / "formats" / "youtube_autocaptions.en.vtt").read_bytes()
    async with running(make_app()) as http:
        r = await upload_api(http, captions, "captions.vtt")
        assert r.status_code == 422
        problem = r.json()["detail"]
        assert problem["code"] == "candidate_needed" and "no speaker labels" in problem["message"]
        r = await upload_api(http, captions, "captions.vtt", all_speech="true")
        assert r.status_code == 202
        done = await wait_for(http, r.json()["id"])
        report = (await http.get(done["links"]["report_json"])).json()
        assert report["roles"]["method"] == "all_speech"


async def test_an_unknown_candidate_name_lists_the_speakers(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await upload_api(http, vtt(INTERVIEW), candidate="Nobody")
        assert r.status_code == 422
        assert set(r.json()["detail"]["speakers"]) == {CANDIDATE, "Maya Chen"}
        r = await upload_api(http, vtt(INTERVIEW), candidate="maya chen")
        done = await wait_for(http, r.json()["id"])
        assert (await http.get(done["links"]["report_json"])).json()["roles"]["candidate"] == "Maya Chen"


async def test_format_is_detected_from_the_content_not_the_name(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await upload_api(http, vtt(INTERVIEW), "notes.txt")
        done = await wait_for(http, r.json()["id"])
        report = (await http.get(done["links"]["report_json"])).json()
        assert report["source_format"].startswith("webvtt") and report["source_name"] == "notes.txt"

        r = await upload_api(http, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "photo.vtt")
        assert r.status_code == 400 and r.json()["detail"]["code"] == "bad_transcript"
        assert "binary" in r.json()["detail"]["message"]


async def test_uploads_over_the_limit_are_refused(make_app: MakeApp) -> None:
    async with running(make_app(max_upload_bytes=2000)) as http:
        r = await upload_api(http, vtt(INTERVIEW))
        assert r.status_code == 413 and "limit" in r.text
        big = b"x" * 200_000  # beyond the form overhead: refused from Content-Length, unread
        r = await upload_api(http, big)
        assert r.status_code == 413


def _files_named(name: str, *roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob(name)]


async def test_path_traversal_in_the_file_name_goes_nowhere(make_app: MakeApp, tmp_path: Path) -> None:
    home = Path(os.environ["TJ_HOME"])
    async with running(make_app()) as http:
        r = await upload_api(http, plain(INTERVIEW), "../../../../tmp/evil/..\\..\\passwd.txt")
        done = await wait_for(http, r.json()["id"])
        assert done["source_name"] == "passwd.txt"
        md = await http.get(done["links"]["report_md"])
        assert 'filename="passwd-' in md.headers["content-disposition"]
    # the upload lives in the store; its name never became a path anywhere
    assert _files_named("passwd*", home, Path("/tmp/evil")) == []


async def test_history_lists_and_delete_removes_the_analysis_and_its_cached_responses(make_app: MakeApp) -> None:
    app = make_app(llm_factory=lambda: scripted())
    async with running(app) as http:
        first = (await upload_api(http, vtt(INTERVIEW))).json()["id"]
        await wait_for(http, first)
        # Another interview: the same one as text would share every cached answer with the
        # first (prompts carry roles and turn numbers, not names or times).
        other = [(who, f"{text} Right." if who == CANDIDATE else text) for who, text in INTERVIEW]
        second = (await upload_api(http, plain(other), "other.txt")).json()["id"]
        await wait_for(http, second)
        listed = (await http.get("/api/analyses")).json()["analyses"]
        assert [a["id"] for a in listed] == [second, first]
        with Store.open() as store:
            before = store.count_responses()
        assert before >= 6

        r = await http.delete(f"/api/analyses/{first}")
        assert r.status_code == 200 and r.json()["analyses"] == [first] and r.json()["responses_deleted"] >= 3
        assert (await http.get(f"/api/analyses/{first}")).status_code == 404
        assert (await http.delete(f"/api/analyses/{first}")).status_code == 404
        with Store.open() as store:
            assert store.count_responses() == before - r.json()["responses_deleted"]
            assert not store.query("SELECT 1 FROM web_uploads WHERE analysis_id = ?", (first,))


async def test_openapi_documents_the_api(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        schema = (await http.get("/openapi.json")).json()
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths["/api/analyses"])
    assert {"get", "delete"} <= set(paths["/api/analyses/{analysis_id}"])
    assert "/api/analyses/{analysis_id}/report.{fmt}" in paths
    assert "/api/analyses/{analysis_id}/resume" in paths and "/api/analyses/{analysis_id}/events" in paths
    assert not any(p.startswith("/analyses") for p in paths)  # the pages aren't API


@pytest.mark.parametrize("rubric", ["ai_architect", "nope"])
async def test_rubric_is_chosen_by_key(make_app: MakeApp, rubric: str) -> None:
    async with running(make_app()) as http:
        keys = [r["key"] for r in (await http.get("/api/rubrics")).json()]
        assert "ai_architect" in keys
        r = await upload_api(http, vtt(INTERVIEW), rubric=rubric)
        assert r.status_code == (202 if rubric in keys else 400)


async def test_redaction_keeps_personal_details_from_the_model_and_restores_them_locally(make_app: MakeApp) -> None:
    sent: list[ChatRequest] = []
    turns = [
        *INTERVIEW[:10],
        (
            CANDIDATE,
            "Then we fall back to a rules-based filter, and page me at tom.alvarez@example.com or "
            "+1 415 555 0199 when the fallback rate rises.",
        ),
        *INTERVIEW[11:],
    ]
    async with running(make_app(llm_factory=lambda: scripted(before=sent.append))) as http:
        r = await upload_api(http, vtt(turns), redact="true", redact_names="true")
        done = await wait_for(http, r.json()["id"])
        report = (await http.get(done["links"]["report_json"])).json()
    prompts = " ".join(m["content"] for req in sent for m in req.messages)
    assert "tom.alvarez@example.com" not in prompts and "555 0199" not in prompts and "[EMAIL_1]" in prompts
    assert "Tom" not in prompts and "Maya" not in prompts  # names redacted too
    assert report["redaction"] is True and report["warnings"][0]["kind"] == "redaction"
    quote = next(f for f in report["strengths"] if f["criterion_id"] == "systems_thinking")["quotes"][0]
    assert "tom.alvarez@example.com" in quote["text"]  # mapped back, locally, for the reader
