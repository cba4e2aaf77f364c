"""``--batch``: the OpenAI Batch API against respx mocks of /v1/files and /v1/batches.

The mock is a small stateful fake of the real service: uploads are multipart JSONL, a batch
goes validating -> in_progress -> finalizing -> completed (with ``request_counts``), and its
output and error files hold lines in OpenAI's shape (``custom_id``, ``response.status_code``,
``response.body``, ``error``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from openai_payloads import BASE_URL, answer_for, completion, ok
from transcript_judge.analysis import AnalysisResult, run_analysis
from transcript_judge.batch import BatchJob, BatchProgress, BatchSettings, run_batch
from transcript_judge.chunking import ChunkingSettings
from transcript_judge.errors import (
    ConfigError,
    ContextLengthExceededError,
    LLMBadRequestError,
    LLMTransientError,
    TranscriptJudgeError,
)
from transcript_judge.ingest import read_transcript
from transcript_judge.llm.base import ChatResult
from transcript_judge.llm.openai_batch import custom_id, parse_output_line, request_line
from transcript_judge.llm.openai_client import ClientSettings, OpenAIChatLLM, chat_body
from transcript_judge.planning import AnalysisSettings, Plan, plan_analysis
from transcript_judge.pricing import estimate_cost
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric
from transcript_judge.store import home_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUBRIC = load_rubric()
IDS = RUBRIC.ids
CREATED = 1764100000
_LINE = re.compile(r"^\[T(\d+)[^\]]*\] (CONTEXT )?(CANDIDATE|INTERVIEWER[^:]*|OTHER[^:]*): (.*)$", re.M)

Answer = Callable[[dict[str, Any]], dict[str, Any]]


# ---------------------------------------------------------------- a fake of the Batch API


def good_answer(body: dict[str, Any]) -> dict[str, Any]:
    """A 200 line: systems_thinking shown, quoting the chunk's first candidate sentence."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    lines = [(int(m[1]), m[4]) for m in _LINE.finditer(user) if m[3] == "CANDIDATE" and not m[2]]
    shown = {}
    if lines:
        turn, text = lines[0]
        shown["systems_thinking"] = (turn, max(text.split(". "), key=len))
    return {"status_code": 200, "body": completion(answer_for(IDS, shown))}


def candidate_turns(body: dict[str, Any]) -> list[int]:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return [int(m[1]) for m in _LINE.finditer(user) if m[3] == "CANDIDATE" and not m[2]]


def _multipart_file(request: httpx.Request) -> tuple[bytes, str]:
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    purpose = ""
    data = b""
    for part in request.content.split(b"--" + boundary):
        head, _, payload = part.partition(b"\r\n\r\n")
        payload = payload.removesuffix(b"\r\n")
        if b'name="file"' in head:
            data = payload
        elif b'name="purpose"' in head:
            purpose = payload.decode()
    return data, purpose


@dataclass
class FakeBatchAPI:
    """Answers like api.openai.com's Batch API; ``answer`` turns a request body into a line."""

    answer: Answer = good_answer
    final_status: str = "completed"  # or "expired", "failed", "cancelled"
    polls_before_done: int = 3
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    uploads: list[str] = field(default_factory=list)  # purposes
    expire_after: int | None = None  # answer only this many lines before expiring

    def install(self, router: respx.MockRouter) -> FakeBatchAPI:
        self.upload_route = router.post("/files").mock(side_effect=self._upload)
        self.create_route = router.post("/batches").mock(side_effect=self._create)
        self.retrieve_route = router.get(url__regex=r"/batches/[^/]+$").mock(side_effect=self._retrieve)
        self.content_route = router.get(url__regex=r"/files/[^/]+/content$").mock(side_effect=self._content)
        return self

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [line for lines in self.inputs.values() for line in lines]

    def _upload(self, request: httpx.Request) -> httpx.Response:
        data, purpose = _multipart_file(request)
        self.uploads.append(purpose)
        fid = f"file-in{len(self.files) + 1:04d}"
        self.files[fid] = data
        return httpx.Response(
            200,
            json={
                "id": fid,
                "object": "file",
                "bytes": len(data),
                "created_at": CREATED,
                "filename": "transcript-judge.jsonl",
                "purpose": "batch",
                "status": "processed",
                "expires_at": CREATED + 30 * 86400,
                "status_details": None,
            },
        )

    def _create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["endpoint"] == "/v1/chat/completions" and body["completion_window"] == "24h"
        bid = f"batch_{len(self.batches) + 1:04d}abc"
        lines = [json.loads(x) for x in self.files[body["input_file_id"]].decode().splitlines() if x.strip()]
        self.inputs[bid] = lines
        self.batches[bid] = {
            "id": bid,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": CREATED,
            "in_progress_at": None,
            "expires_at": CREATED + 86400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        self.polls[bid] = 0
        return httpx.Response(200, json=self.batches[bid])

    def _retrieve(self, request: httpx.Request) -> httpx.Response:
        bid = request.url.path.rsplit("/", 1)[1]
        if bid not in self.batches:
            return httpx.Response(
                404,
                json={
                    "error": {
                        "message": f"No batch found with id '{bid}'.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )
        b = self.batches[bid]
        self.polls[bid] += 1
        n, step = len(self.inputs[bid]), self.polls[bid]
        if b["status"] in ("completed", "failed", "expired", "cancelled"):
            return httpx.Response(200, json=b)
        if step == 1:
            b["status"] = "validating"
        elif step < self.polls_before_done:
            b.update(
                status="in_progress",
                in_progress_at=CREATED + 5,
                request_counts={"total": n, "completed": n // 2, "failed": 0},
            )
        elif step == self.polls_before_done:
            b.update(
                status="finalizing",
                finalizing_at=CREATED + 600,
                request_counts={"total": n, "completed": n, "failed": 0},
            )
        else:
            self._finish(bid)
        return httpx.Response(200, json=b)

    def _finish(self, bid: str) -> None:
        b, lines = self.batches[bid], self.inputs[bid]
        if self.final_status == "failed":
            b.update(
                status="failed",
                failed_at=CREATED + 9,
                request_counts={"total": 0, "completed": 0, "failed": 0},
                errors={
                    "object": "list",
                    "data": [
                        {
                            "code": "invalid_json_line",
                            "line": 2,
                            "param": None,
                            "message": "This line is not parseable as valid JSON.",
                        }
                    ],
                },
            )
            return
        out, err = [], []
        for i, line in enumerate(lines):
            if self.expire_after is not None and i >= self.expire_after:
                err.append(
                    {
                        "id": f"batch_req_{i:04d}",
                        "custom_id": line["custom_id"],
                        "response": None,
                        "error": {
                            "code": "batch_expired",
                            "message": "This request could not be executed before the completion window expired.",
                        },
                    }
                )
                continue
            response = self.answer(line["body"])
            entry = {
                "id": f"batch_req_{i:04d}",
                "custom_id": line["custom_id"],
                "response": {"request_id": f"req_{i:04d}", **response},
                "error": None,
            }
            (out if response["status_code"] == 200 else err).append(entry)
        b.update(
            status=self.final_status, request_counts={"total": len(lines), "completed": len(out), "failed": len(err)}
        )
        b[{"completed": "completed_at", "expired": "expired_at", "cancelled": "cancelled_at"}[self.final_status]] = (
            CREATED + 700
        )
        for kind, entries in (("output_file_id", out), ("error_file_id", err)):
            if entries:
                fid = f"file-{kind[:3]}{bid[-7:]}"
                self.files[fid] = ("\n".join(json.dumps(e) for e in entries) + "\n").encode()
                b[kind] = fid

    def _content(self, request: httpx.Request) -> httpx.Response:
        fid = request.url.path.split("/")[-2]
        return httpx.Response(200, content=self.files[fid], headers={"content-type": "application/octet-stream"})


# ---------------------------------------------------------------- helpers


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


CLIENT = ClientSettings(model="gpt-4.1-mini", api_key="sk-test-secret", max_retries=0)
FAST = BatchSettings(poll_interval_s=0.0)


def _plan(name: str = "interview_zoom.vtt", chunk_tokens: int = 8000, max_reasks: int = 1) -> Plan:
    t = read_transcript(FIXTURES / name)
    settings = AnalysisSettings(chunking=ChunkingSettings(chunk_tokens=chunk_tokens), max_reasks=max_reasks)
    return plan_analysis(t, assign_roles(t), RUBRIC, settings)


def _ok(result: AnalysisResult | TranscriptJudgeError) -> AnalysisResult:
    assert isinstance(result, AnalysisResult), result
    return result


def _state_files() -> list[Path]:
    return sorted((home_dir() / "batches").glob("*.json"))


# ---------------------------------------------------------------- the lines


def test_request_line_is_what_the_synchronous_client_sends() -> None:
    plan = _plan()
    request = plan.first_requests()[0]
    line = request_line(request)
    assert line["custom_id"] == custom_id(request) and line["custom_id"].startswith("tj-")
    assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
    llm = OpenAIChatLLM(CLIENT)
    streamed = llm._params(request, "json_schema")
    assert streamed.pop("stream") is True and streamed.pop("stream_options") == {"include_usage": True}
    assert line["body"] == streamed  # the same body, unstreamed
    assert custom_id(plan.first_requests(repeat_index=1)[0]) != line["custom_id"]


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_batch_body_equals_the_synchronous_request_body(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post("/chat/completions").mock(return_value=ok(answer_for(IDS)))
    plan = _plan()
    llm = OpenAIChatLLM(CLIENT, http_client=http)
    await run_analysis(plan, llm, source_name="x.vtt")
    sent = json.loads(route.calls[0].request.content)
    assert sent.pop("stream") is True and sent.pop("stream_options") == {"include_usage": True}
    assert chat_body(plan.first_requests()[0]) == sent


def test_parse_output_line_shapes() -> None:
    cid, ok_result = parse_output_line({
        "id": "batch_req_1", "custom_id": "tj-1", "error": None,
        "response": {"status_code": 200, "request_id": "req_1",
                     "body": completion('{"a": 1}', prompt_tokens=100, completion_tokens=20, cached_tokens=64)},
    })  # fmt: skip
    assert cid == "tj-1" and isinstance(ok_result, ChatResult)
    assert ok_result.content == '{"a": 1}' and ok_result.request_id == "req_1"
    assert (ok_result.usage.prompt_tokens, ok_result.usage.completion_tokens, ok_result.usage.cached_tokens) == (
        100, 20, 64,
    )  # fmt: skip
    _, refused = parse_output_line(
        {
            "custom_id": "tj-2",
            "error": None,
            "response": {
                "status_code": 200,
                "request_id": "r",
                "body": completion(None, refusal="I can't help with that."),
            },
        }
    )
    assert isinstance(refused, ChatResult) and refused.finish_reason == "refusal"
    _, truncated = parse_output_line(
        {
            "custom_id": "tj-3",
            "error": None,
            "response": {"status_code": 200, "request_id": "r", "body": completion('{"a":', finish_reason="length")},
        }
    )
    assert isinstance(truncated, ChatResult) and truncated.finish_reason == "length"
    _, server = parse_output_line(
        {
            "custom_id": "tj-4",
            "error": None,
            "response": {
                "status_code": 500,
                "request_id": "req_5",
                "body": {
                    "error": {
                        "message": "The server had an error processing your request.",
                        "type": "server_error",
                        "param": None,
                        "code": None,
                    }
                },
            },
        }
    )
    assert (
        isinstance(server, LLMTransientError) and server.status_code == 500 and "server had an error" in server.message
    )
    _, too_long = parse_output_line(
        {
            "custom_id": "tj-5",
            "error": None,
            "response": {
                "status_code": 400,
                "request_id": "r",
                "body": {
                    "error": {
                        "message": "This model's maximum context length is 128000 tokens.",
                        "type": "invalid_request_error",
                        "param": "messages",
                        "code": "context_length_exceeded",
                    }
                },
            },
        }
    )
    assert isinstance(too_long, ContextLengthExceededError)
    _, expired = parse_output_line(
        {
            "custom_id": "tj-6",
            "response": None,
            "error": {
                "code": "batch_expired",
                "message": "This request could not be executed before the completion window expired.",
            },
        }
    )
    assert isinstance(expired, LLMTransientError) and "batch_expired" in expired.message


# ---------------------------------------------------------------- end to end


@respx.mock(base_url=BASE_URL, assert_all_called=True)
async def test_happy_path_two_transcripts_one_batch(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    api = FakeBatchAPI().install(respx_mock)
    progress: list[BatchProgress] = []
    jobs = [BatchJob(_plan(), "zoom.vtt"), BatchJob(_plan("interview_plain.txt"), "plain.txt")]
    results = await run_batch(jobs, CLIENT, settings=FAST, http_client=http, on_progress=progress.append)

    assert len(api.batches) == 1 and api.uploads == ["batch"]
    assert len(api.lines) == sum(len(j.plan.chunks) for j in jobs)
    assert len({line["custom_id"] for line in api.lines}) == len(api.lines)
    a, b = (_ok(r).report for r in results)
    assert a.source_name == "zoom.vtt" and b.source_name == "plain.txt"
    assert not a.partial and not b.partial
    st = next(f for f in a.strengths if f.criterion_id == "systems_thinking")
    assert st.verdict == "shown" and st.quotes
    # cost at batch prices: half the synchronous price of the same usage
    from transcript_judge.llm.base import Usage

    usage = Usage(prompt_tokens=a.usage.prompt_tokens, completion_tokens=a.usage.completion_tokens)
    assert a.usage.estimated_cost_usd == pytest.approx(estimate_cost("gpt-4.1-mini", usage) / 2, rel=1e-4)
    statuses = [p.status for p in progress]
    assert statuses[:2] == ["uploading", "submitted"]
    assert {"validating", "in_progress", "finalizing", "completed", "done"} <= set(statuses)
    assert any(p.status == "in_progress" and 0 < p.completed < p.total for p in progress)
    assert _state_files() == []  # forgotten once every report is built


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_per_request_failures_are_chunk_outcomes(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    plan = _plan(chunk_tokens=500)
    assert len(plan.chunks) >= 3
    first, second = (
        candidate_turns(chat_body(plan.first_requests()[0])),
        candidate_turns(chat_body(plan.first_requests()[1])),
    )

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        turns = candidate_turns(body)
        if turns == first:
            return {"status_code": 500, "body": {"error": {
                "message": "The server had an error while processing your request. Sorry about that!",
                "type": "server_error", "param": None, "code": None}}}  # fmt: skip
        if turns == second:
            return {"status_code": 200, "body": completion(None, refusal="I'm sorry, I can't assist with that.")}
        return good_answer(body)

    FakeBatchAPI(answer=answer).install(respx_mock)
    (result,) = await run_batch([BatchJob(plan, "x.vtt")], CLIENT, settings=FAST, http_client=http)
    r = _ok(result)
    statuses = [o.status for o in r.outcomes]
    assert statuses[0] == "failed" and "500" in r.outcomes[0].detail and "server had an error" in r.outcomes[0].detail
    assert statuses[1] == "refused"
    assert set(statuses[2:]) == {"ok"}
    assert r.report.partial and r.report.coverage.chunks_failed == 2
    assert any(w.kind == "partial" for w in r.report.warnings)


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_reask_and_rechunk_make_a_second_round(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    plan = _plan(chunk_tokens=500)
    first = candidate_turns(chat_body(plan.first_requests()[0]))
    second = candidate_turns(chat_body(plan.first_requests()[1]))

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        turns = candidate_turns(body)
        if turns == first and len(body["messages"]) == 2:  # invalid the first time, fine after the re-ask
            return {"status_code": 200, "body": completion('{"systems_thinking": {"evidence": [')}
        if turns == second:  # too long as a whole: re-chunked into halves
            return {"status_code": 400, "body": {"error": {
                "message": "This model's maximum context length is 8192 tokens. However, your messages resulted in "
                "9100 tokens.", "type": "invalid_request_error", "param": "messages",
                "code": "context_length_exceeded"}}}  # fmt: skip
        return good_answer(body)

    api = FakeBatchAPI(answer=answer).install(respx_mock)
    (result,) = await run_batch([BatchJob(plan, "x.vtt")], CLIENT, settings=FAST, http_client=http)
    r = _ok(result)
    assert len(api.batches) == 2  # the re-ask and the halves went together in round two
    second_round = list(api.inputs.values())[1]
    assert sum(len(line["body"]["messages"]) == 4 for line in second_round) == 1  # the re-ask
    assert sum(len(line["body"]["messages"]) == 2 for line in second_round) == 2  # the halves
    assert r.outcomes[0].status == "ok" and "re-ask" in r.outcomes[0].detail
    assert len(r.outcomes) == len(plan.chunks) + 1 and not r.report.partial


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_expired_batch_keeps_what_finished(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    plan = _plan(chunk_tokens=500)
    FakeBatchAPI(final_status="expired", expire_after=2).install(respx_mock)
    (result,) = await run_batch([BatchJob(plan, "x.vtt")], CLIENT, settings=FAST, http_client=http)
    r = _ok(result)
    assert [o.status for o in r.outcomes[:2]] == ["ok", "ok"]
    assert {o.status for o in r.outcomes[2:]} == {"failed"}
    assert all("batch_expired" in o.detail for o in r.outcomes[2:])
    assert r.report.partial and r.report.coverage.chunks_ok == 2


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_failed_batch_raises_and_forgets_its_id(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    FakeBatchAPI(final_status="failed").install(respx_mock)
    with pytest.raises(LLMBadRequestError, match="line 2: This line is not parseable"):
        await run_batch([BatchJob(_plan(), "x.vtt")], CLIENT, settings=FAST, http_client=http)
    assert _state_files() == []  # a re-run submits again


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_resume_after_interruption_polls_the_same_batch(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    api = FakeBatchAPI(polls_before_done=4).install(respx_mock)
    jobs = [BatchJob(_plan(), "zoom.vtt"), BatchJob(_plan("interview_plain.txt"), "plain.txt")]
    with pytest.raises(LLMTransientError) as info:  # "interrupted": we stop waiting after the first poll
        await run_batch(jobs, CLIENT, settings=BatchSettings(poll_interval_s=0, max_wait_s=0), http_client=http)
    assert "run the same command again" in (info.value.hint or "").lower()
    (state,) = _state_files()
    saved = json.loads(state.read_text())
    assert saved["batch_id"] == "batch_0001abc" and saved["input_file_id"] == "file-in0001"
    assert api.upload_route.call_count == 1 and api.create_route.call_count == 1

    progress: list[BatchProgress] = []
    results = await run_batch(jobs, CLIENT, settings=FAST, http_client=http, on_progress=progress.append)
    assert api.upload_route.call_count == 1 and api.create_route.call_count == 1  # nothing submitted twice
    assert progress[0].status == "resumed" and progress[0].batch_id == "batch_0001abc"
    assert all(not _ok(r).report.partial for r in results)
    assert _state_files() == []


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_interrupted_between_upload_and_create_reuses_the_file(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    api = FakeBatchAPI().install(respx_mock)
    attempts: list[int] = []

    def create_once_failing(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            error = {"message": "The server had an error.", "type": "server_error", "param": None, "code": None}
            return httpx.Response(500, json={"error": error})
        return api._create(request)

    api.create_route.side_effect = create_once_failing
    jobs = [BatchJob(_plan(), "zoom.vtt")]
    with pytest.raises(LLMTransientError):
        await run_batch(jobs, CLIENT, settings=FAST, http_client=http)
    results = await run_batch(jobs, CLIENT, settings=FAST, http_client=http)
    assert api.upload_route.call_count == 1 and api.create_route.call_count == 2
    assert not _ok(results[0]).report.partial


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_identical_requests_share_a_line_and_repeats_do_not(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    api = FakeBatchAPI().install(respx_mock)
    plan = _plan()
    jobs = [BatchJob(plan, "a.vtt"), BatchJob(plan, "b.vtt"), BatchJob(plan, "c.vtt", repeat_index=1)]
    a, b, c = (_ok(r).report for r in await run_batch(jobs, CLIENT, settings=FAST, http_client=http))
    assert len(api.lines) == 2 * len(plan.chunks)
    assert a.usage.prompt_tokens > 0 and b.usage.prompt_tokens == 0 and b.usage.cache_hits == len(plan.chunks)
    assert c.usage.prompt_tokens == a.usage.prompt_tokens


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_lexical_plans_need_no_batch(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    api = FakeBatchAPI().install(respx_mock)
    t = read_transcript(FIXTURES / "interview_zoom.vtt")
    plan = plan_analysis(t, assign_roles(t), RUBRIC, AnalysisSettings(tagger="lexical"))
    (result,) = await run_batch([BatchJob(plan, "x.vtt")], CLIENT, settings=FAST, http_client=http)
    assert _ok(result).report.tagger == "lexical" and not api.batches


@respx.mock(base_url="http://localhost:11434/v1", assert_all_called=False)
async def test_a_server_without_batch_api_is_a_config_error(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    respx_mock.post("/files").mock(return_value=httpx.Response(404, json={"error": "404 page not found"}))
    local = ClientSettings(model="llama3.1", base_url="http://localhost:11434/v1", max_retries=0)
    with pytest.raises(ConfigError, match="no Batch API"):
        await run_batch([BatchJob(_plan(), "x.vtt")], local, settings=FAST, http_client=http)


async def test_azure_is_refused_up_front() -> None:
    azure = ClientSettings(model="gpt-4.1-mini", azure_endpoint="https://x.openai.azure.com", api_key="k")
    with pytest.raises(ConfigError, match="Azure"):
        await run_batch([BatchJob(_plan(), "x.vtt")], azure, settings=FAST)


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_many_analyses_make_one_round(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    api = FakeBatchAPI().install(respx_mock)
    plans = [_plan(chunk_tokens=500), _plan("interview_plain.txt", chunk_tokens=500)]
    jobs = [BatchJob(plans[i % 2], f"case{i}", repeat_index=i // 2) for i in range(40)]
    results = await run_batch(jobs, CLIENT, settings=FAST, http_client=http)
    assert len(api.batches) == 1
    assert len(api.lines) == 20 * (len(plans[0].chunks) + len(plans[1].chunks))
    assert all(not _ok(r).report.partial for r in results)


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_a_saved_batch_the_service_does_not_know_is_submitted_again(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    api = FakeBatchAPI().install(respx_mock)
    jobs = [BatchJob(_plan(), "zoom.vtt")]
    with pytest.raises(LLMTransientError):
        await run_batch(jobs, CLIENT, settings=BatchSettings(poll_interval_s=0, max_wait_s=0), http_client=http)
    (state,) = _state_files()
    saved = json.loads(state.read_text())
    state.write_text(json.dumps({**saved, "batch_id": "batch_from_another_account"}))
    results = await run_batch(jobs, CLIENT, settings=FAST, http_client=http)
    assert api.create_route.call_count == 2 and not _ok(results[0]).report.partial


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_a_round_over_the_batch_limits_is_split(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transcript_judge.llm import openai_batch

    monkeypatch.setattr(openai_batch, "MAX_BATCH_REQUESTS", 2)
    api = FakeBatchAPI().install(respx_mock)
    plan = _plan(chunk_tokens=500)
    results = await run_batch([BatchJob(plan, "x.vtt")], CLIENT, settings=FAST, http_client=http)
    assert len(api.batches) == -(-len(plan.chunks) // 2) > 1
    assert all(len(lines) <= 2 for lines in api.inputs.values())
    assert not _ok(results[0]).report.partial


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_wrapped_layers_record_batch_answers_for_replay(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    from transcript_judge.evaluation.recording import RecordingLLM, ReplayLLM

    FakeBatchAPI().install(respx_mock)
    plan = _plan(chunk_tokens=500)
    jobs = [BatchJob(plan, "x.vtt", repeat_index=r) for r in range(2)]
    batched = await run_batch(
        jobs, CLIENT, settings=FAST, http_client=http, wrap=lambda llm, _job: RecordingLLM(llm, tmp_path)
    )
    replayed = [await run_analysis(plan, ReplayLLM(tmp_path), source_name="x.vtt", repeat_index=r) for r in range(2)]
    for b, r in zip(batched, replayed, strict=True):
        assert [f.verdict for f in _ok(b).report.findings] == [f.verdict for f in r.report.findings]
        assert not r.report.partial


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_rate_limits_on_the_batch_api_are_waited_out(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    api = FakeBatchAPI().install(respx_mock)
    limited = {"n": 0}
    waits: list[float] = []

    def upload_after_429(request: httpx.Request) -> httpx.Response:
        limited["n"] += 1
        if limited["n"] == 1:
            return httpx.Response(
                429,
                json={"error": {"message": "Rate limit reached for requests", "type": "requests", "param": None,
                                "code": "rate_limit_exceeded"}},
                headers={"retry-after": "2"},
            )  # fmt: skip
        return api._upload(request)

    api.upload_route.side_effect = upload_after_429

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    results = await run_batch([BatchJob(_plan(), "x.vtt")], CLIENT, settings=FAST, http_client=http, sleep=sleep)
    assert api.upload_route.call_count == 2 and not _ok(results[0]).report.partial
    assert waits and waits[0] >= 2.0  # the server's Retry-After (or our backoff, which is longer)


def test_cli_analyse_batch_many_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`analyse --batch FILE FILE -o DIR`: one batch, two reports, both in the history."""
    from transcript_judge.cli import main
    from transcript_judge.llm import factory

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    out = tmp_path / "reports"
    with respx.mock(base_url=BASE_URL) as router:
        api = FakeBatchAPI().install(router)
        with pytest.raises(SystemExit) as info:
            main(
                [
                    "analyse",
                    "--batch",
                    "--poll-interval",
                    "0",
                    "--quiet",
                    "--format",
                    "json",
                    "-o",
                    str(out),
                    str(FIXTURES / "interview_zoom.vtt"),
                    str(FIXTURES / "interview_plain.txt"),
                ]
            )
    assert info.value.code == 0
    assert len(api.batches) == 1
    reports = sorted(out.glob("*.json"))
    assert [p.name for p in reports] == ["interview_plain.json", "interview_zoom.json"]
    for p in reports:
        data = json.loads(p.read_text())
        assert data["tagger"] == "llm" and data["coverage"]["chunks_failed"] == 0
    capsys.readouterr()
    main(["history", "--json"])
    history = json.loads(capsys.readouterr().out)
    assert sorted(h["source_name"] for h in history) == ["interview_plain.txt", "interview_zoom.vtt"]
    assert all(h["status"] == "ok" for h in history)
    # Each file's run has the synchronous run's stack: a trace, and cached answers linked to
    # its analysis, so that `forget` deletes them (#12: it deleted 0 before).
    traces = sorted((Path(os.environ["TJ_HOME"]) / "traces").glob("*.jsonl"))
    trace = [json.loads(line) for path in traces for line in path.read_text().splitlines()]
    assert {r["analysis_id"] for r in trace} == {h["id"] for h in history}
    from transcript_judge.store import Store

    with Store.open() as store:
        before = store.count_responses()
    assert before == len(api.lines) == 2
    zoom = next(h["id"] for h in history if h["source_name"] == "interview_zoom.vtt")
    main(["forget", zoom])
    assert "1 cached response(s) deleted" in capsys.readouterr().err
    with Store.open() as store:
        assert store.count_responses() == before - 1


def test_cli_eval_batch_scores_like_a_live_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`eval --batch`: every case × repeat in one batch, scored by the same harness."""
    from transcript_judge.cli import main
    from transcript_judge.llm import factory

    mini = Path(__file__).resolve().parent / "data" / "eval_mini"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    out = tmp_path / "eval.json"
    with respx.mock(base_url=BASE_URL) as router:
        api = FakeBatchAPI().install(router)
        with pytest.raises(SystemExit) as info:
            main(
                [
                    "eval",
                    "--dataset",
                    str(mini),
                    "--batch",
                    "--poll-interval",
                    "0",
                    "--repeats",
                    "2",
                    "--tagger",
                    "llm,lexical",
                    "--no-gate",
                    "-o",
                    str(out),
                ]
            )
            raise SystemExit(0)
    assert info.value.code == 0
    assert len(api.batches) == 1 and len(api.lines) == 4 * 2  # 4 one-chunk cases, 2 repeats each
    llm, lexical = json.loads(out.read_text())["taggers"]
    assert llm["cases_scored"] == 4 and llm["calls"] == 8 and lexical["tagger"] == "lexical"
    assert llm["cost_usd"] is not None and llm["cost_usd"] > 0


def test_cli_batch_that_fails_as_a_whole_marks_its_runs_failed_not_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch the API fails is a failure of each run in it; only ^C is "interrupted"."""
    from transcript_judge.cli import main
    from transcript_judge.llm import factory

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        FakeBatchAPI(final_status="failed").install(router)
        with pytest.raises(SystemExit) as info:
            main(["analyse", "--batch", "--poll-interval", "0", "--quiet", str(FIXTURES / "interview_zoom.vtt")])
    assert info.value.code not in (0, 3)
    capsys.readouterr()
    main(["history", "--json"])
    assert [h["status"] for h in json.loads(capsys.readouterr().out)] == ["failed"]
