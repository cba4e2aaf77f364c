"""Realistic OpenAI chat-completions payloads for respx, and answers built from chunks."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

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


def ok(content: str | None, **kw: Any) -> httpx.Response:
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


_LINE = re.compile(r"^\[T(\d+)[^\]]*\] (CONTEXT )?(CANDIDATE|INTERVIEWER[^:]*|OTHER[^:]*): (.*)$", re.M)


def candidate_lines(request: httpx.Request) -> list[tuple[int, str]]:
    body = json.loads(request.content)
    user = body["messages"][1]["content"]
    return [(int(m.group(1)), m.group(4)) for m in _LINE.finditer(user) if m.group(3) == "CANDIDATE" and not m.group(2)]


def interviewer_lines(request: httpx.Request) -> list[tuple[int, str]]:
    body = json.loads(request.content)
    user = body["messages"][1]["content"]
    return [(int(m.group(1)), m.group(4)) for m in _LINE.finditer(user) if m.group(3) != "CANDIDATE"]


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
