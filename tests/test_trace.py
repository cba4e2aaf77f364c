"""The per-call trace, --verbose progress and the one-line summary; nothing private in them."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx

from clirun import run
from openai_payloads import BASE_URL, answer_for, candidate_lines, error, ok
from transcript_judge.cli.progress import heartbeat
from transcript_judge.llm import factory
from transcript_judge.rubric import load_rubric
from transcript_judge.store import home_dir
from transcript_judge.trace import CallStats, default_trace_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ZOOM = FIXTURES / "interview_zoom.vtt"
IDS = load_rubric().ids
KEY = "sk-test-trace-secret-4242"
SENTENCE = "our chunker split every table into single cells"  # words from the transcript
FIELDS = {
    "time",
    "model",
    "request_id",
    "latency_s",
    "prompt_tokens",
    "completion_tokens",
    "retries",
    "cache_hit",
    "outcome",
    "prompt_fingerprint",
    "repeat_index",
    "request_key",
}


def good(request: httpx.Request) -> httpx.Response:
    turn, text = candidate_lines(request)[0]
    return ok(answer_for(IDS, {"failure_diagnosis": (turn, max(text.split(". "), key=len))}))


@pytest.fixture
def mocked_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def keep_caplog(monkeypatch: pytest.MonkeyPatch) -> None:
    """setup_logging() calls basicConfig(force=True), which would remove caplog's handler."""
    real = logging.basicConfig
    monkeypatch.setattr(logging, "basicConfig", lambda **kw: real(**{**kw, "force": False}))


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_default_trace_has_every_field_and_no_private_data(
    mocked_openai: respx.MockRouter,
    keep_caplog: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return error(503, "Service Unavailable", type_="server_error") if len(calls) == 1 else good(request)

    route = mocked_openai.post("/chat/completions").mock(side_effect=flaky)
    assert run(["analyse", str(ZOOM), "--chunk-tokens", "500", "--debug", "--verbose"]) == 0
    assert any(SENTENCE in c.request.content.decode() for c in route.calls)  # it was really sent
    trace = default_trace_path(datetime.now(UTC))
    assert trace.parent == home_dir() / "traces"
    records = _records(trace)
    assert len(records) == 3
    for r in records:
        assert set(r) >= FIELDS, FIELDS - set(r)
        assert r["outcome"] == "ok" and r["model"] == "gpt-4.1-mini" and str(r["prompt_fingerprint"]).startswith("p-")
        assert "messages" not in r and "content" not in r
    assert sum(int(r["retries"]) for r in records) == 1  # type: ignore[call-overload]
    assert records[0]["request_id"] == "req_abc123"

    captured = capsys.readouterr()
    everything = trace.read_text() + caplog.text + captured.out + captured.err
    assert KEY not in everything and "sk-test-trace" not in everything
    assert SENTENCE not in trace.read_text() + caplog.text + captured.err
    # --verbose: progress and retries as they happen, then the summary line
    assert "chunk 0: sending" in captured.err and "chunk 2: ok" in captured.err
    assert "503): Service Unavailable); retry 1 of 4 in" in caplog.text  # on stderr outside tests
    assert "call: ok in" in captured.err
    assert "summary: 3 call(s), 0 from cache, 1 retry, 0 failed chunk(s), 7200+1800 tokens sent" in captured.err


def test_trace_file_flag_cache_hits_and_content_on_request(mocked_openai: respx.MockRouter, tmp_path: Path) -> None:
    mocked_openai.post("/chat/completions").mock(side_effect=good)
    trace = tmp_path / "run.jsonl"
    assert run(["analyse", str(ZOOM), "--trace", str(trace), "--quiet"]) == 0
    assert run(["analyse", str(ZOOM), "--trace", str(trace), "--quiet", "--trace-content"]) == 0
    first, second = _records(trace)
    assert first["cache_hit"] is False and second["cache_hit"] is True
    assert first["request_key"] == second["request_key"] and first["analysis_id"] != second["analysis_id"]
    assert "messages" not in first
    assert SENTENCE in json.dumps(second["messages"]) and second["content"]  # only because it was asked for
    assert not default_trace_path().exists()


def test_errors_are_traced_by_class_without_their_message(mocked_openai: respx.MockRouter, tmp_path: Path) -> None:
    mocked_openai.post("/chat/completions").mock(
        return_value=error(401, f"Incorrect API key provided: {KEY[:8]}***", code="invalid_api_key")
    )
    trace = tmp_path / "t.jsonl"
    assert run(["analyse", str(ZOOM), "--trace", str(trace), "--quiet"]) == 9
    [record] = _records(trace)[:1]
    assert record["outcome"] == "LLMAuthError" and record["status_code"] == 401
    assert "Incorrect API key" not in trace.read_text()


def test_a_refusal_is_traced_as_such(mocked_openai: respx.MockRouter, tmp_path: Path) -> None:
    mocked_openai.post("/chat/completions").mock(return_value=ok(None, refusal="I can't help with that."))
    trace = tmp_path / "t.jsonl"
    assert run(["analyse", str(ZOOM), "--trace", str(trace), "--quiet"]) == 3
    assert {r["outcome"] for r in _records(trace)} == {"refused"}


async def test_heartbeat_says_a_slow_call_is_still_running(capsys: pytest.CaptureFixture[str]) -> None:
    stats = CallStats()
    stats.in_flight[0] = 0.0  # started long ago
    task = asyncio.create_task(heartbeat(stats, every_s=0.01))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "waiting on 1 model call(s)" in capsys.readouterr().err


async def test_the_trace_says_what_salvage_repaired(tmp_path: Path) -> None:
    from transcript_judge.llm.base import ChatRequest, ChatResult
    from transcript_judge.llm.fake import FakeLLM
    from transcript_judge.rubric import load_rubric
    from transcript_judge.schema import output_json_schema
    from transcript_judge.trace import TraceWriter, TracingLLM

    rubric = load_rubric()
    answer = {cid: {"evidence": [], "reasoning": "r", "verdict": "Not shown", "confidence": 70} for cid in rubric.ids}
    writer = TraceWriter(tmp_path / "t.jsonl")
    llm = TracingLLM(FakeLLM().enqueue(ChatResult(content=json.dumps(answer))), writer=writer)
    request = ChatRequest(
        model="m",
        messages=({"role": "user", "content": "x"},),
        schema_name="chunk_judgement",
        json_schema=output_json_schema(rubric),
    )
    await llm.complete(request)
    writer.close()
    (record,) = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert record["criteria_usable"] == record["criteria_asked"] == 11
    assert record["repairs"] == {"verdict_normalised": 11, "confidence_scaled": 11}
    assert "Not shown" not in json.dumps(record)  # counts, never the answer's text
