"""The fault matrix: every way the model service can fail, each with its documented outcome
and nothing lost.

Each row runs a 3-chunk analysis through the real OpenAI client (respx at the HTTP level)
and the store-backed cache, with a fault injected into chunk 1 (or every chunk). It
asserts the row's documented outcome, that the other chunks' results are there, and
then re-runs the same plan with a healthy service and the same store: only the chunks
whose answer was lost to the fault may be sent again.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import respx

from openai_payloads import BASE_URL, answer_for, candidate_lines, error, ok, wire_subject
from transcript_judge import taggers
from transcript_judge.analysis import AnalysisResult, run_analysis
from transcript_judge.chunking import ChunkingSettings
from transcript_judge.errors import LLMAuthError, LLMModelNotFoundError
from transcript_judge.ingest import read_transcript
from transcript_judge.limiter import AdaptiveLimiter
from transcript_judge.llm.cache import CachingLLM
from transcript_judge.llm.openai_client import ClientSettings, OpenAIChatLLM
from transcript_judge.planning import AnalysisSettings, Plan, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric
from transcript_judge.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUBRIC = load_rubric()
IDS = RUBRIC.ids

Reply = httpx.Response | BaseException | Awaitable[httpx.Response] | None
Fault = Callable[[int, int, httpx.Request], Reply]  # (chunk, nth request of that chunk, request)


def _plan() -> Plan:
    t = read_transcript(FIXTURES / "interview_zoom.vtt")
    return plan_analysis(t, assign_roles(t), RUBRIC, AnalysisSettings(chunking=ChunkingSettings(chunk_tokens=500)))


PLAN = _plan()
# Which chunk a request belongs to, by its first own turn (halves of a re-chunked chunk
# map to their parent).
_OWNER = {ln.turn: ch.index for ch in PLAN.chunks for ln in ch.lines if not ln.overlap}


def chunk_of(request: httpx.Request) -> int:
    own = wire_subject(request).own_lines()
    assert own
    return _OWNER[own[0].turn]


def good(request: httpx.Request) -> httpx.Response:
    lines = candidate_lines(request)
    if not lines:  # a re-chunked half may hold only interviewer lines
        return ok(answer_for(IDS))
    turn, text = lines[0]
    return ok(answer_for(IDS, {"systems_thinking": (turn, max(text.split(". "), key=len))}))


def _answer(**override: object) -> str:
    data = json.loads(answer_for(IDS))
    data.update(override)
    return json.dumps(data)


class RecordingLimiter(AdaptiveLimiter):
    instances: list[AdaptiveLimiter] = []  # noqa: RUF012 - test bookkeeping

    def __init__(self, maximum: int, **kw: int) -> None:
        super().__init__(maximum, **kw)
        RecordingLimiter.instances.append(self)


@dataclass
class Service:
    """The mocked model service: routes each request to a fault or to a good answer."""

    fault: Fault | None = None
    sent: list[int] = field(default_factory=list)
    seen: Counter[int] = field(default_factory=Counter)
    requests: list[httpx.Request] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        chunk = chunk_of(request)
        nth = self.seen[chunk]
        self.seen[chunk] += 1
        self.sent.append(chunk)
        self.requests.append(request)
        reply = self.fault(chunk, nth, request) if self.fault else None
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, Awaitable):
            reply = await reply
        return reply if reply is not None else good(request)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def _run(http: httpx.AsyncClient, store: Store, service: Service, *, max_retries: int = 2) -> AnalysisResult:
    client = OpenAIChatLLM(
        ClientSettings(model="gpt-4.1-mini", api_key="sk-test-secret", max_retries=max_retries), http_client=http
    )
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        router.post("/chat/completions").mock(side_effect=service)
        return await run_analysis(PLAN, CachingLLM(client, store), source_name="zoom.vtt")


def _on(chunk: int, reply: Callable[[httpx.Request], Reply], *, times: int | None = None) -> Fault:
    """A fault on one chunk: its first ``times`` requests (all of them if None)."""

    def fault(c: int, nth: int, request: httpx.Request) -> Reply:
        if c == chunk and (times is None or nth < times):
            return reply(request)
        return None

    return fault


async def _slow(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(0.05)  # no wall-clock assertion: the point is that waiting is fine
    return good(request)


def _sloppy(request: httpx.Request) -> str:
    """A schema-valid-looking answer a small model gives: 4 quotes (one made up), confidence
    85, "Shown", and 2,000 characters of reasoning."""
    lines = candidate_lines(request)
    quotes = [{"turn": t, "text": text[:80]} for t, text in lines[:3]]
    quotes.insert(1, {"turn": lines[0][0], "text": "this sentence was made up by the model"})
    return _answer(
        systems_thinking={"evidence": quotes, "reasoning": "Because. " * 250, "verdict": "Shown", "confidence": 85}
    )


def _too_long(request: httpx.Request) -> Reply:
    if len(candidate_lines(request)) > 2:
        return error(
            400,
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9100 tokens.",
            code="context_length_exceeded",
        )
    return None


@dataclass(frozen=True)
class Row:
    """One row of the fault matrix."""

    fault: Fault
    statuses: dict[int, set[str]]  # chunk -> outcome statuses expected for it
    resend: set[int]  # chunks a healthy re-run may send again (their answer was lost)
    raises: type[Exception] | None = None
    note: str = ""


OK3: dict[int, set[str]] = {0: {"ok"}, 1: {"ok"}, 2: {"ok"}}


def _bad(status: set[str]) -> dict[int, set[str]]:
    return {0: {"ok"}, 1: status, 2: {"ok"}}


MATRIX: dict[str, Row] = {
    "429 storm with Retry-After": Row(
        lambda c, nth, r: (
            error(
                429,
                "Rate limit reached for gpt-4.1-mini.",
                code="rate_limit_exceeded",
                type_="tokens",
                headers={"retry-after": "2"},
            )
            if nth < 2
            else None
        ),
        OK3,
        set(),
        note="retried by the SDK honouring Retry-After; concurrency backs off",
    ),
    "429 beyond the retries": Row(
        _on(1, lambda r: error(429, "Rate limit reached.", code="rate_limit_exceeded", headers={"retry-after": "1"})),
        _bad({"failed"}),
        {1},
        note="a failed chunk: partial result",
    ),
    "500": Row(_on(1, lambda r: error(500, "The server had an error.", type_="server_error"), times=1), OK3, set()),
    "502": Row(_on(1, lambda r: error(502, "Bad gateway", type_="server_error"), times=1), OK3, set()),
    "503": Row(_on(1, lambda r: error(503, "Service Unavailable", type_="server_error"), times=1), OK3, set()),
    "connection reset": Row(
        _on(1, lambda r: httpx.RemoteProtocolError("Server disconnected without sending a response."), times=1),
        OK3,
        set(),
    ),
    "connection refused": Row(
        _on(1, lambda r: httpx.ConnectError("[Errno 111] Connection refused"), times=1), OK3, set()
    ),
    "timeout": Row(
        _on(1, lambda r: httpx.ReadTimeout("The read operation timed out"), times=1),
        _bad({"failed"}),
        {1},
        note="never re-sent: a local server keeps generating the abandoned answer",
    ),
    "slow, then fine": Row(_on(1, _slow, times=1), OK3, set()),
    "invalid JSON": Row(
        _on(1, lambda r: ok('{"systems_thinking": {"evidence": [], "reasoning": "cut')),
        _bad({"invalid"}),
        {1},
        note="re-asked once, then a partial result",
    ),
    # Salvaged: the answer is used as sent, with the repair counted; nothing is re-asked.
    "schema: unknown criterion id": Row(
        _on(1, lambda r: ok(_answer(hire_recommendation={"verdict": "strong hire"}))), OK3, set()
    ),
    "schema: missing confidence": Row(
        _on(1, lambda r: ok(_answer(systems_thinking={"evidence": [], "reasoning": "x", "verdict": "shown"}))),
        OK3,
        set(),
    ),
    "schema: wrong types": Row(
        _on(
            1,
            lambda r: ok(
                _answer(
                    systems_thinking={"evidence": "none", "reasoning": "x", "verdict": "shown", "confidence": "high"}
                )
            ),
        ),
        OK3,
        set(),
    ),
    "schema: four quotes, confidence 85, Shown, long reasoning": Row(
        _on(1, lambda r: ok(_sloppy(r))), OK3, set(), note="the best-grounded three quotes are kept"
    ),
    "schema: one criterion unreadable, re-asked alone": Row(
        _on(1, lambda r: ok(_answer(systems_thinking={"verdict": "maybe"})), times=1),
        OK3,
        set(),
        note="the re-ask asks for that criterion only; both answers are cached",
    ),
    "unusable answer fixed by the re-ask": Row(
        _on(1, lambda r: ok(json.dumps({"note": "I will answer later"})), times=1),
        OK3,
        {1},
        note="a re-run re-sends the chunk's first request: the usable answer is keyed to the re-ask",
    ),
    "empty content": Row(_on(1, lambda r: ok("")), _bad({"empty"}), {1}),
    "refusal": Row(_on(1, lambda r: ok(None, refusal="I can't help with evaluating people.")), _bad({"refused"}), {1}),
    "finish_reason length, re-chunked": Row(
        _on(1, lambda r: ok('{"systems_thinking": {"evidence": [', finish_reason="length"), times=1),
        OK3,
        {1},
        note="split into two smaller chunks that succeed",
    ),
    "finish_reason length, always": Row(
        _on(1, lambda r: ok('{"systems_thinking": {"evidence": [', finish_reason="length")),
        _bad({"truncated"}),
        {1},
        note="recorded as a chunk outcome after splitting twice",
    ),
    "content filter": Row(_on(1, lambda r: ok(None, finish_reason="content_filter")), _bad({"content_filter"}), {1}),
    "400 context length exceeded": Row(_on(1, _too_long), OK3, {1}, note="re-chunked smaller and retried"),
    "401": Row(
        lambda c, nth, r: error(401, "Incorrect API key provided: sk-test-***cret.", code="invalid_api_key"),
        {},
        {0, 1, 2},
        raises=LLMAuthError,
    ),
    "404 model not found": Row(
        lambda c, nth, r: error(404, "The model `gpt-4.1-mini` does not exist.", code="model_not_found"),
        {},
        {0, 1, 2},
        raises=LLMModelNotFoundError,
    ),
}


def test_the_plan_has_three_chunks() -> None:
    assert len(PLAN.chunks) == 3 and set(_OWNER.values()) == {0, 1, 2}


@pytest.mark.parametrize("name", list(MATRIX))
async def test_fault_matrix(
    name: str,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    retry_waits: list[float],
    rate_limit_waits: list[float],
) -> None:
    row = MATRIX[name]
    RecordingLimiter.instances = []
    monkeypatch.setattr(taggers, "AdaptiveLimiter", RecordingLimiter)
    with Store.open() as store:
        service = Service(row.fault)
        if row.raises is not None:
            with pytest.raises(row.raises) as info:
                await _run(http, store, service)
            # immediate and clear: never retried, one request per chunk in flight at most
            assert len(service.requests) <= len(PLAN.chunks)
            assert all(r.headers.get("x-stainless-retry-count") == "0" for r in service.requests)
            assert info.value.hint
            assert store.count_responses() == 0  # errors are never cached
        else:
            result = await _run(http, store, service)
            by_chunk: dict[int, set[str]] = {}
            for o in result.outcomes:
                by_chunk.setdefault(o.chunk.index, set()).add(o.status)
            assert by_chunk == row.statuses, name
            report = result.report
            assert report.partial == any(s != {"ok"} for s in row.statuses.values())
            if report.partial:
                failed = [c for c in report.coverage.chunks if c.status != "ok"]
                assert failed and all(c.detail for c in failed)  # which chunk failed, and why
                assert any(w.kind == "partial" for w in report.warnings)
            # the chunks that weren't faulted have their results
            assert {0, 2} <= {o.chunk.index for o in result.outcomes if o.ok}

        # Nothing lost: a healthy re-run with the same store sends only what is missing.
        again = Service()
        rerun = await _run(http, store, again)
        assert set(again.sent) == row.resend, name
        assert all(o.ok for o in rerun.outcomes)
        for o in rerun.outcomes:
            if o.chunk.index not in row.resend:
                assert o.cache_hits == o.calls >= 1
        # a third run is free
        third = Service()
        await _run(http, store, third)
        assert third.sent == []

    if name == "429 storm with Retry-After":
        # 429s are retried by our limiter, not the SDK, honouring Retry-After (waits are zeroed in tests)
        assert rate_limit_waits and all(2.0 <= w <= 2.5 for w in rate_limit_waits)
        assert result.report.usage.retries >= 2 * len(PLAN.chunks)
        limiter = RecordingLimiter.instances[0]
        assert limiter.backoffs >= 1 and limiter.lowest < limiter.maximum  # concurrency backed off
    if name == "invalid JSON":
        assert service.seen[1] == 2  # the first answer, then one re-ask with the errors fed back
        second = [r for r, c in zip(service.requests, service.sent, strict=True) if c == 1][1]
        reask = json.loads(second.content)["messages"]
        assert reask[-2]["role"] == "assistant" and "could not be used" in reask[-1]["content"]
    if name.startswith("schema:") and "re-asked" not in name:
        assert service.seen[1] == 1  # salvaged as sent
        repaired = [c for c in result.report.coverage.chunks if c.repairs]
        assert repaired and any(w.kind == "salvaged" for w in result.report.warnings)
    if name == "schema: one criterion unreadable, re-asked alone":
        assert service.seen[1] == 2
        second = json.loads([r for r, c in zip(service.requests, service.sent, strict=True) if c == 1][1].content)
        schema = second["response_format"]["json_schema"]["schema"]
        assert schema["required"] == ["systems_thinking"]  # only what was missing
        assert "systems_thinking" in second["messages"][-1]["content"]
    if name == "schema: four quotes, confidence 85, Shown, long reasoning":
        chunk = next(o for o in result.outcomes if o.chunk.index == 1)
        assert chunk.assessments is not None
        a = chunk.assessments["systems_thinking"]
        assert len(a.evidence) == 3 and a.verdict == "shown" and a.confidence == 0.85
        assert "made up" not in " ".join(q.text for q in a.evidence)  # the ungrounded one went
        assert chunk.repairs["quotes_trimmed"] == 1 and chunk.repairs["reasoning_truncated"] == 1
    if name in ("500", "502", "503", "connection reset", "connection refused"):
        assert service.seen[1] == 2 and result.report.usage.retries == 1
    if name == "timeout":
        assert service.seen[1] == 1  # not re-sent
        failed = next(c for c in result.report.coverage.chunks if c.status == "failed")
        assert "not re-sent" in failed.detail
