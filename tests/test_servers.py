"""The client against what real servers answer: replays of captured llama-cpp-python responses.

Every response here is a capture from a real llama-cpp-python 0.3.36 server serving
Qwen2.5-Coder-1.5B-Instruct on 127.0.0.1 (``tests/data/server_captures/``; refreshed with
``scripts/capture-llama-responses``): its status code and body, or the shape of its event
stream with our answer text in the deltas.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from openai_payloads import answer_for, candidate_lines
from transcript_judge.analysis import run_analysis
from transcript_judge.errors import ContextLengthExceededError
from transcript_judge.ingest import read_transcript
from transcript_judge.llm.base import ChatRequest
from transcript_judge.llm.openai_client import ClientSettings, OpenAIChatLLM
from transcript_judge.planning import AnalysisSettings, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric
from transcript_judge.store import Store

CAPTURES = Path(__file__).resolve().parent / "data" / "server_captures" / "llama_cpp_python"
BASE = "http://127.0.0.1:8765/v1"
MODEL = "qwen-coder-1.5b"
RUBRIC = load_rubric()
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "interview_plain.txt"


def capture(name: str) -> dict[str, Any]:
    return json.loads((CAPTURES / name).read_text(encoding="utf-8"))


def replay_error(name: str) -> httpx.Response:
    c = capture(name)
    return httpx.Response(c["status"], json=c["body"], headers={"content-type": "application/json"})


def llama_stream(text: str, *, finish: str | None = "stop") -> httpx.Response:
    """llama-cpp-python's event stream (capture 03): a role delta, content deltas, a chunk
    with ``finish_reason``, ``[DONE]``, and no usage chunk. ``finish=None`` is the cut-off
    stream of an interrupted request (capture 10b)."""
    template = json.loads(capture("03_json_object_schema_stream.json")["body"].split("\n\n")[0][len("data: ") :])

    def event(delta: dict[str, Any], reason: str | None = None) -> str:
        chunk = {**template, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}]}
        return f"data: {json.dumps(chunk)}\n\n"

    body = event({"role": "assistant"}) + "".join(event({"content": text[i : i + 7]}) for i in range(0, len(text), 7))
    if finish is not None:
        body += event({}, finish)
    body += "data: [DONE]\n\n"
    headers = {
        k: v for k, v in capture("03_json_object_schema_stream.json")["headers"].items() if k != "transfer-encoding"
    }
    return httpx.Response(200, content=body.encode(), headers=headers)


def _plan() -> Any:
    t = read_transcript(FIXTURE)
    return plan_analysis(t, assign_roles(t), RUBRIC, AnalysisSettings(model=MODEL, concurrency=1))


def _answer(request: httpx.Request) -> str:
    turn, text = candidate_lines(request)[0]
    return answer_for(RUBRIC.ids, {"systems_thinking": (turn, text[:60])})


def test_the_captures_are_what_the_mocks_say() -> None:
    """The facts the client relies on, read from the captures themselves."""
    rejected = capture("01_json_schema_rejected.json")
    assert rejected["status"] == 500 and "'text' or 'json_object'" in rejected["body"]["error"]["message"]
    stream = capture("03_json_object_schema_stream.json")
    assert stream["usage_chunk_sent"] is False and stream["body"].rstrip().endswith("data: [DONE]")
    assert capture("04a_prompt_exceeds_n_ctx.json")["status"] == 400
    assert set(capture("10b_concurrent_streaming_interrupted.json")["stream_finish_reasons"]) == {None}


async def test_json_schema_500_falls_back_to_json_mode_with_the_schema_and_is_remembered() -> None:
    sent: list[dict[str, Any]] = []

    def server(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        if body.get("response_format", {}).get("type") == "json_schema":
            return replay_error("01_json_schema_rejected.json")
        return llama_stream(_answer(request))

    with Store.open() as store:
        async with httpx.AsyncClient() as http:
            with respx.mock(assert_all_called=True) as router:
                router.post(f"{BASE}/chat/completions").mock(side_effect=server)
                llm = OpenAIChatLLM(ClientSettings(model=MODEL, base_url=BASE), http_client=http, modes=store)
                result = await run_analysis(_plan(), llm, source_name="plain.txt")
                assert [b["response_format"]["type"] for b in sent] == ["json_schema", "json_object"]
                attached = sent[1]["response_format"]["schema"]
                assert attached["$defs"]["Assessment"]["properties"]["evidence"]["maxItems"] == 3  # grammar bounds it
                assert sent[1]["max_tokens"] and "max_completion_tokens" not in sent[1]  # capture 08: ignored
                assert result.outcomes[0].ok and result.outcomes[0].structured_mode == "json_object"
                # no usage chunk (capture 03): completion tokens are counted from the stream
                assert result.report.usage.completion_tokens > 0

                # the next run (a new client on the same store) doesn't pay for the probe again
                sent.clear()
                again = OpenAIChatLLM(ClientSettings(model=MODEL, base_url=BASE), http_client=http, modes=store)
                await run_analysis(_plan(), again, source_name="plain.txt")
                assert [b["response_format"]["type"] for b in sent] == ["json_object"]


async def test_an_interrupted_stream_is_sent_again() -> None:
    """llama-cpp-python ends a running stream when another request arrives (capture 10b):
    no finish_reason, then [DONE]. That is not an empty answer; the server dropped it."""
    calls = []

    def server(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        text = _answer(request)
        return llama_stream(text[:40], finish=None) if len(calls) == 1 else llama_stream(text)

    async with httpx.AsyncClient() as http:
        with respx.mock() as router:
            router.post(f"{BASE}/chat/completions").mock(side_effect=server)
            llm = OpenAIChatLLM(
                ClientSettings(model=MODEL, base_url=BASE, structured_output="json_object"), http_client=http
            )
            result = await run_analysis(_plan(), llm, source_name="plain.txt")
    assert len(calls) == 2 and result.outcomes[0].ok and result.report.usage.retries == 1


async def test_the_context_length_400_is_recognised() -> None:
    async with httpx.AsyncClient() as http:
        with respx.mock() as router:
            router.post(f"{BASE}/chat/completions").mock(return_value=replay_error("04a_prompt_exceeds_n_ctx.json"))
            llm = OpenAIChatLLM(
                ClientSettings(model=MODEL, base_url=BASE, structured_output="json_object"), http_client=http
            )
            request = ChatRequest(
                model=MODEL, messages=({"role": "user", "content": "x"},), schema_name="s", json_schema={}
            )
            with pytest.raises(ContextLengthExceededError):
                await llm.complete(request)


@pytest.mark.parametrize(
    ("setting", "first"),
    [("json_schema", "json_schema"), ("json_object", "json_object"), ("none", None)],
)
async def test_a_fixed_structured_output_setting_is_sent_as_is(setting: str, first: str | None) -> None:
    seen: list[Any] = []

    def server(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body.get("response_format"))
        return llama_stream(_answer(request))

    async with httpx.AsyncClient() as http:
        with respx.mock() as router:
            router.post(f"{BASE}/chat/completions").mock(side_effect=server)
            settings = ClientSettings(model=MODEL, base_url=BASE, structured_output=setting)  # type: ignore[arg-type]
            result = await run_analysis(_plan(), OpenAIChatLLM(settings, http_client=http), source_name="p.txt")
    assert (seen[0] or {}).get("type") == first and result.outcomes[0].ok
    if setting == "json_object":
        assert "schema" in seen[0]  # llama-cpp-python constrains decoding with it


async def test_confirm_reads_p_yes_from_the_logprobs_llama_cpp_streams() -> None:
    """judge_mode confirm asks for top_logprobs; llama-cpp-python streams them with each
    content delta (capture 12: the answer "yes" at -0.56 beside "no" at -0.85). The
    confidence of a confirmed match is P(yes) read there, not a fixed number."""
    c = capture("12_confirm_logprobs_stream.json")
    headers = {k: v for k, v in c["headers"].items() if k != "transfer-encoding"}
    answer = [
        e
        for e in c["sse_events"]
        if isinstance(e, dict) and e["choices"] and e["choices"][0]["delta"].get("content") == "yes"
    ]
    top = {t["token"]: t["logprob"] for t in answer[0]["choices"][0]["logprobs"]["content"][0]["top_logprobs"]}
    p_yes = math.exp(top["yes"]) / (math.exp(top["yes"]) + math.exp(top["no"]))
    sent: list[dict[str, Any]] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, content=c["body"].encode(), headers=headers)

    t = read_transcript(FIXTURE)
    settings = AnalysisSettings(model=MODEL, concurrency=1, judge_mode="confirm")
    plan = plan_analysis(t, assign_roles(t), RUBRIC, settings)
    async with httpx.AsyncClient() as http:
        with respx.mock() as router:
            router.post(f"{BASE}/chat/completions").mock(side_effect=server)
            llm = OpenAIChatLLM(
                ClientSettings(model=MODEL, base_url=BASE, structured_output="json_object"), http_client=http
            )
            report = (await run_analysis(plan, llm, source_name="plain.txt")).report
    assert sent and all(b["logprobs"] is True and b["top_logprobs"] == 5 for b in sent)
    shown = [f for f in report.findings if f.verdict == "shown"]
    assert shown and {f.confidence for f in shown} == {round(p_yes, 2)}  # reports keep 2 decimals
