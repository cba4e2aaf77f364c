"""Realistic OpenAI chat-completions payloads for respx, what a sent request asks, and answers."""

from __future__ import annotations

import json
from typing import Any

import httpx

from transcript_judge.llm.base import ChatRequest
from transcript_judge.llm.subject import JudgedChunk
from transcript_judge.testing.wire import subject_from_messages

BASE_URL = "https://api.openai.com/v1"


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    prompt_tokens: int = 2400,
    completion_tokens: int = 600,
    cached_tokens: int = 0,
    model: str = "gpt-4.1-mini-2025-04-14",
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-BZ9x2example",
        "object": "chat.completion",
        "created": 1764100000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_6f2eabb9a5",
    }


def stream_events(completion_payload: dict[str, Any], *, pieces: int = 4) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` events OpenAI streams for ``completion_payload``.

    The shape is OpenAI's streaming format with ``stream_options.include_usage``: a first
    chunk with the role, content deltas, a chunk with ``finish_reason`` and an empty
    delta, then a usage-only chunk with ``choices: []`` (API reference, "The chat
    completion chunk object"; openai-python's tests/lib/chat/test_completions_streaming.py
    snapshots show the same sequence).
    """
    base = {k: completion_payload[k] for k in ("id", "created", "model", "service_tier", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    choice = completion_payload["choices"][0]
    message = choice["message"]

    def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            "usage": None,
        }

    events = [event({"role": "assistant", "content": "", "refusal": None})]
    text = message.get("content")
    if text:
        size = max(1, -(-len(text) // pieces))
        events += [event({"content": text[i : i + size]}) for i in range(0, len(text), size)]
    if message.get("refusal"):
        events.append(event({"refusal": message["refusal"]}))
    events.append(event({}, choice["finish_reason"]))
    events.append({**base, "choices": [], "usage": completion_payload["usage"]})
    return events


def sse(events: list[dict[str, Any]], *, done: bool = True) -> bytes:
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    return (body + ("data: [DONE]\n\n" if done else "")).encode()


def ok(content: str | None, **kw: Any) -> httpx.Response:
    """A successful streamed answer, as OpenAI sends it for ``stream=true``."""
    return httpx.Response(
        200,
        content=sse(stream_events(completion(content, **kw))),
        headers={
            "content-type": "text/event-stream; charset=utf-8",
            "x-request-id": "req_abc123",
            "openai-processing-ms": "812",
        },
    )


def answer_text(response: httpx.Response) -> str:
    """The assistant text in a mocked response, streamed or plain."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        events = [json.loads(line[6:]) for line in response.content.decode().splitlines() if line.startswith("data: {")]
        return "".join(c["choices"][0]["delta"].get("content") or "" for c in events if c["choices"])
    return str(json.loads(response.content)["choices"][0]["message"]["content"])


def ok_json(content: str | None, **kw: Any) -> httpx.Response:
    """A plain JSON completion: what a server that ignores ``stream`` sends."""
    return httpx.Response(
        200, json=completion(content, **kw), headers={"x-request-id": "req_abc123", "openai-processing-ms": "812"}
    )


def error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    type_: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.Response(
        status,
        json={"error": {"message": message, "type": type_, "param": None, "code": code}},
        headers={"x-request-id": f"req_err{status}", **(headers or {})},
    )


def _schema(body: dict[str, Any]) -> dict[str, Any]:
    response_format = body.get("response_format") or {}
    return dict((response_format.get("json_schema") or {}).get("schema") or {})


def wire_subject(request: httpx.Request) -> JudgedChunk:
    """What a request the client sent asks about, read back from its body (a respx handler
    gets no :class:`ChatRequest`, so no subject: :mod:`transcript_judge.testing.wire`)."""
    body = json.loads(request.content)
    return subject_from_messages(body["messages"], _schema(body).get("required", ()))


def chat_request(request: httpx.Request) -> ChatRequest:
    """The request a respx handler got, as a FakeLLM responder sees one (subject included)."""
    body = json.loads(request.content)
    return ChatRequest(
        model=body["model"],
        messages=tuple(body["messages"]),
        schema_name="from_the_wire",
        json_schema=_schema(body),
        subject=wire_subject(request),
    )


def candidate_lines(request: httpx.Request) -> list[tuple[int, str]]:
    """(turn, text) of the candidate's own lines in a request the client sent."""
    return [(ln.turn, ln.text) for ln in wire_subject(request).candidate_lines()]


def answer_for(ids: list[str], shown: dict[str, tuple[int, str]] | None = None) -> str:
    """An answer in which ``shown`` criteria are shown with the given quotes."""
    shown = shown or {}
    out: dict[str, Any] = {}
    for cid in ids:
        if cid in shown:
            turn, text = shown[cid]
            out[cid] = {
                "evidence": [{"turn": turn, "text": text}],
                "reasoning": "The candidate says so.",
                "verdict": "shown",
                "confidence": 0.8,
            }
        else:
            out[cid] = {"evidence": [], "reasoning": "Nothing in this part.", "verdict": "not_shown", "confidence": 0.6}
    return json.dumps(out)
