"""The JSON API in-process (httpx + ASGI transport): upload, progress, reports, history, delete."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import AsyncIterator
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
        assert r.status_code == 202  # read in the job: the question comes back as its state
        asked = await wait_for(http, r.json()["id"])
        assert asked["state"] == "candidate_needed" and "no speaker labels" in asked["message"]
        assert asked["question"]["kind"] == "candidate" and not asked["question"]["labelled"]
        assert not asked["resumable"] and asked["links"]["report_json"] is None

        r = await http.post(f"/api/analyses/{asked['id']}/answer", data={"all_speech": "true"})
        assert r.status_code == 202 and r.json()["id"] == asked["id"]  # the same analysis goes on
        done = await wait_for(http, asked["id"])
        report = (await http.get(done["links"]["report_json"])).json()
        assert report["roles"]["method"] == "all_speech" and done["question"] is None
        r = await http.post(f"/api/analyses/{asked['id']}/answer", data={"all_speech": "true"})
        assert r.status_code == 409  # answered once

        r = await upload_api(http, captions, "captions.vtt", all_speech="true")
        assert r.status_code == 202
        assert (await wait_for(http, r.json()["id"]))["state"] == "done"


async def test_an_unknown_candidate_name_lists_the_speakers(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await upload_api(http, vtt(INTERVIEW), candidate="Nobody")
        asked = await wait_for(http, r.json()["id"])
        assert asked["state"] == "candidate_needed"
        assert set(asked["question"]["speakers"]) == {CANDIDATE, "Maya Chen"} and asked["question"]["tried"] == "Nobody"
        r = await http.post(f"/api/analyses/{asked['id']}/answer", data={"candidate": "maya chen"})
        done = await wait_for(http, r.json()["id"])
        assert (await http.get(done["links"]["report_json"])).json()["roles"]["candidate"] == "Maya Chen"


async def test_format_is_detected_from_the_content_not_the_name(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await upload_api(http, vtt(INTERVIEW), "notes.txt")
        done = await wait_for(http, r.json()["id"])
        report = (await http.get(done["links"]["report_json"])).json()
        assert report["source_format"].startswith("webvtt") and report["source_name"] == "notes.txt"

        r = await upload_api(http, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "photo.vtt")
        assert r.status_code == 202
        failed = await wait_for(http, r.json()["id"])
        assert failed["state"] == "failed" and "binary" in failed["error"] and failed["question"] is None

        r = await upload_api(http, b"", "empty.vtt")
        assert r.status_code == 400 and r.json()["detail"]["code"] == "bad_transcript"


async def test_uploads_over_the_limit_are_refused_while_they_stream(make_app: MakeApp) -> None:
    home = Path(os.environ["TJ_HOME"])
    async with running(make_app(max_upload_bytes=2000)) as http:
        r = await upload_api(http, vtt(INTERVIEW))  # under the body limit: stopped by the file's count
        assert r.status_code == 413 and "limit" in r.text and r.json()["detail"].count("KB") == 1

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: only streaming can tell
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.vtt"\r\n\r\n'
            for _ in range(100):
                yield b"x" * 1000
            yield b"\r\n--b--\r\n"

        r = await http.post(
            "/api/analyses", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert r.status_code == 413
        big = b"x" * 200_000  # beyond the form overhead: refused from Content-Length, unread
        r = await upload_api(http, big)
        assert r.status_code == 413
        assert (await http.get("/api/analyses")).json()["analyses"] == []
    assert list((home / "uploads").glob("*")) == []  # nothing half-received is left behind


async def test_form_fields_are_capped_and_errors_never_echo_them(make_app: MakeApp) -> None:
    huge = "x" * 1_000_000
    async with running(make_app()) as http:
        r = await upload_api(http, vtt(INTERVIEW), candidate=huge)
        assert r.status_code == 413 and "candidate" in r.text and len(r.content) < 1000
        r = await upload_api(http, vtt(INTERVIEW), all_speech="maybe" * 100)
        assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_field" and "maybe" not in r.text
        many = {f"f{i}": "1" for i in range(40)}
        r = await upload_api(http, vtt(INTERVIEW), **many)
        assert r.status_code == 413 and "too many fields" in r.text

        analysis_id = (await upload_api(http, vtt(INTERVIEW))).json()["id"]
        r = await http.post(f"/api/analyses/{analysis_id}/answer", data={"candidate": "y" * 30_000})
        assert r.status_code == 422 and len(r.content) < 2000  # FastAPI's own validation error, cut
        assert "y" * 200 not in r.text and "yyy" in r.text
        r = await http.post(f"/api/analyses/{analysis_id}/answer", data={"candidate": huge})
        assert r.status_code == 413 and len(r.content) < 1000  # not an upload: a small body limit
        r = await http.get("/api/analyses/" + "z" * 5000)
        assert r.status_code == 404 and len(r.content) < 1000
        await wait_for(http, analysis_id)


async def test_the_post_returns_at_once_and_parsing_waits_for_a_slot(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload is parsed in its job, at most --max-jobs at a time; the POST doesn't wait."""
    from transcript_judge.web import actions as service_module

    gate = threading.Event()
    lock = threading.Lock()
    parsing = {"now": 0, "most": 0}
    real = service_module.prepare

    def slow_prepare(*args: object, **kwargs: object) -> object:
        with lock:
            parsing["now"] += 1
            parsing["most"] = max(parsing["most"], parsing["now"])
        try:
            assert gate.wait(10)
            return real(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                parsing["now"] -= 1

    monkeypatch.setattr(service_module, "prepare", slow_prepare)
    async with running(make_app(max_jobs=1)) as http:
        first = await upload_api(http, vtt(INTERVIEW))
        assert first.status_code == 202  # while its parse is blocked
        reading = await wait_for(http, first.json()["id"], {"analysing"})
        assert reading["progress"]["phase"] == "reading" and "Opening the transcript" in reading["message"]
        second = (await upload_api(http, vtt(INTERVIEW), "second.vtt")).json()
        assert second["state"] == "queued" and "free slot" in second["message"]
        gate.set()
        assert (await wait_for(http, first.json()["id"]))["state"] == "done"
        assert (await wait_for(http, second["id"]))["state"] == "done"
    assert parsing["most"] == 1


async def test_uploads_are_spooled_privately_in_the_store_folder(make_app: MakeApp) -> None:
    from transcript_judge.web.uploads import _open_private

    home = Path(os.environ["TJ_HOME"])
    async with running(make_app()) as http:
        r = await upload_api(http, vtt(INTERVIEW))
        await wait_for(http, r.json()["id"])
    folder = home / "uploads"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and list(folder.iterdir()) == []
    path, fh = _open_private(folder)
    fh.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.unlink()
    with Store.open() as store:  # the upload itself lives in the store, beside its analysis
        row = store.query(
            "SELECT length(data) AS n FROM web_blobs WHERE analysis_id = ? AND kind = 'upload'", (r.json()["id"],)
        )
    assert row[0]["n"] == len(vtt(INTERVIEW))


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
