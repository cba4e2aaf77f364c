"""Job states: queued, retrying, interrupted by a restart, resumed through the cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from openai_payloads import BASE_URL, chat_request, error, ok
from transcript_judge.llm.base import ChatRequest
from transcript_judge.llm.openai_client import ClientSettings, OpenAIChatLLM
from transcript_judge.planning import AnalysisSettings
from transcript_judge.store import Store
from transcript_judge.web.storage import WebStore

from .conftest import MakeApp, csrf_of, running, upload_api, wait_for
from .support import INTERVIEW, answer, scripted, vtt


async def test_jobs_beyond_the_limit_wait_as_queued(make_app: MakeApp) -> None:
    release = asyncio.Event()
    app = make_app(llm_factory=lambda: scripted(stall_turns={1}, release=release), max_jobs=1)
    async with running(app) as http:
        first = (await upload_api(http, vtt(INTERVIEW))).json()["id"]
        await wait_for(http, first, {"analysing"})
        second = (await upload_api(http, vtt(INTERVIEW), "second.vtt")).json()["id"]
        queued = await wait_for(http, second, {"queued"})
        assert "free slot" in queued["message"]
        release.set()
        assert (await wait_for(http, first))["state"] == "done"
        assert (await wait_for(http, second))["state"] == "done"


async def test_a_stop_marks_running_jobs_interrupted_and_resume_pays_only_what_is_missing(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted(stall_turns={11}))) as http:
        analysis_id = (await upload_api(http, vtt(INTERVIEW))).json()["id"]
        for _ in range(200):  # until the two other chunks have their answers in the cache
            body = (await http.get(f"/api/analyses/{analysis_id}")).json()
            if body["progress"] and body["progress"]["judged"] == 2:
                break
            await asyncio.sleep(0.02)
        assert body["state"] == "analysing"
    # the server stopped (lifespan shutdown): a new one sees it interrupted

    sent: list[ChatRequest] = []
    app = make_app(llm_factory=lambda: scripted(before=sent.append))
    async with running(app) as http:
        old = (await http.get(f"/api/analyses/{analysis_id}")).json()
        assert old["state"] == "interrupted" and old["resumable"]
        page = await http.get(f"/analyses/{analysis_id}")
        assert "Interrupted" in page.text and ">Resume</button>" in page.text

        r = await http.post(f"/analyses/{analysis_id}/resume", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 303
        new_id = r.headers["location"].rsplit("/", 1)[-1]
        done = await wait_for(http, new_id)
        assert done["state"] == "done" and done["resumed_from"] == analysis_id
        report = (await http.get(done["links"]["report_json"])).json()
        assert report["usage"]["cache_hits"] == 2 and len(sent) == 1  # only the stalled chunk is sent again
        old = (await http.get(f"/api/analyses/{analysis_id}")).json()
        assert old["resumed_by"] == new_id and not old["resumable"]

        r = await http.delete(f"/api/analyses/{new_id}", headers={"x-csrf-token": csrf_of(page.text)})
        assert r.json()["analyses"] == [new_id, analysis_id]  # the resumed run goes with it
        with Store.open() as store:
            assert store.count_responses() == 0


async def test_a_job_whose_server_died_shows_as_interrupted(make_app: MakeApp) -> None:
    store = WebStore.open(trace=False)
    store.start(
        "deadbeef0001",
        upload_name="crashed.vtt",
        data=vtt(INTERVIEW),
        model="gpt-4.1-mini",
        prompt_version="p-test",
        options={},
    )
    old = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    with store.store.transaction() as c:  # as if its server had been killed five minutes ago
        c.execute("UPDATE web_uploads SET heartbeat_at = ?", (old,))
    store.close()
    async with running(make_app()) as http:
        body = (await http.get("/api/analyses/deadbeef0001")).json()
        assert body["state"] == "interrupted" and body["resumable"]
    with Store.open() as s:
        assert s.query("SELECT status FROM analyses WHERE id = 'deadbeef0001'")[0]["status"] == "interrupted"


# The failed first answer: a 429 as api.openai.com sends it (retried by the limiter), or a
# 500 as it sends one (retried by llm/retry.py; the SDK never retries). The 500's body is
# the one quoted in openai/openai-cua-sample-app#54 (2025): type server_error, code null.
_SERVER_ERROR = (
    "The server had an error processing your request. Sorry about that! You can retry your request, or "
    "contact us through our help center at help.openai.com if you keep seeing this error. (Please include "
    "the request ID req_540c6eaab7f4556b2baa22bcba915d51 in your email.)"
)
_FIRST_FAILURE = {
    429: lambda: error(
        429, "Rate limit reached for gpt-4.1-mini.", code="rate_limit_exceeded", headers={"retry-after": "1"}
    ),
    500: lambda: error(500, _SERVER_ERROR, type_="server_error"),
}


@pytest.mark.parametrize("status", sorted(_FIRST_FAILURE))
@respx.mock(base_url=BASE_URL)
async def test_a_call_waiting_to_be_retried_shows_as_retrying_while_it_waits(
    respx_mock: respx.MockRouter, make_app: MakeApp, status: int
) -> None:
    seen: list[str] = []
    app = make_app(
        llm_factory=lambda: OpenAIChatLLM(
            ClientSettings(model="gpt-4.1-mini", api_key="sk-test"), http_client=httpx.AsyncClient()
        ),
        analysis=AnalysisSettings(),  # default chunking: one chunk, one call
    )
    runner = app.state.service.runner

    def handler(request: httpx.Request) -> httpx.Response:
        seen.extend(job.progress.state for job in map(runner.get, runner.live()) if job is not None)
        if len(seen) == 1:
            return _FIRST_FAILURE[status]()
        return ok(answer(chat_request(request)).content)

    respx_mock.post("/chat/completions").mock(side_effect=handler)
    async with running(app) as http:
        analysis_id = (await upload_api(http, vtt(INTERVIEW))).json()["id"]
        done = await wait_for(http, analysis_id)
        report = (await http.get(done["links"]["report_json"])).json()
    assert seen == ["analysing", "retrying"]  # while the call waited to retry, the page said so
    assert done["state"] == "done" and report["usage"]["retries"] == 1


async def test_an_upload_over_the_servers_budget_fails_before_anything_is_sent(make_app: MakeApp) -> None:
    # The web runs prepare through the service like the CLI, so `serve --max-tokens` holds.
    from transcript_judge.service import Budget

    fake = scripted()
    app = make_app(llm_factory=lambda: fake, budget=Budget(max_tokens=10))
    async with running(app) as http:
        analysis_id = (await upload_api(http, vtt(INTERVIEW))).json()["id"]
        view = await wait_for(http, analysis_id)
        assert view["state"] == "failed"
        assert "over --max-tokens 10" in view["message"] and "Nothing was sent" in view["message"]
    assert fake.requests == []
