"""SDK errors, and failed answers in a Batch API file, become our errors here: one mapping.

A synchronous call fails with an ``openai.APIStatusError`` (a status code, a JSON body,
headers); a line of a batch's error file fails with the same status code and body, as
data. Both go through :func:`error_from_status`, so a 401, 404, 429, 5xx or context-length
failure is the same error class however the request was sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import openai

from ..errors import (
    ContextLengthExceededError,
    LLMAuthError,
    LLMBadRequestError,
    LLMError,
    LLMModelNotFoundError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMTransientError,
)
from .settings import ClientSettings

__all__ = ["error_from_status", "error_text", "is_context_length", "map_error", "retry_after"]


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """The server's ``Retry-After`` (or OpenAI's ``retry-after-ms``), in seconds."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return None


def error_text(body: object, fallback: str = "") -> str:
    """What an error body says: its message and code (OpenAI's ``{"error": {...}}``, a bare
    error object, or a FastAPI-style ``detail``), else ``fallback``."""
    body = body if isinstance(body, dict) else {}
    err = body.get("error", body)
    msg = err.get("message") if isinstance(err, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    if msg is None and isinstance(err, dict) and "detail" in err:  # FastAPI-style bodies
        msg = json.dumps(err["detail"])[:2000]
    return f"{msg or fallback} {code or ''}".strip()


def is_context_length(low: str) -> bool:
    """Whether an error's (lower-cased) text says the prompt didn't fit the model's context:
    how OpenAI, Azure, vLLM, llama.cpp and Ollama word it."""
    return any(
        w in low
        for w in (
            "context_length",
            "maximum context",
            "context window",
            "too many tokens",
            "exceeds the context",
            "requested tokens",
        )
    )


def error_from_status(
    status: int, text: str, *, model: str, retry_after_s: float | None = None, request_id: str | None = None
) -> LLMError:
    """Our error for an HTTP failure: ``status`` and what its body says (:func:`error_text`)."""
    ids: dict[str, Any] = {"status_code": status, "request_id": request_id}
    if status in (401, 403):
        return LLMAuthError(
            f"The model service rejected the credentials ({status}): {text}",
            hint="Check OPENAI_API_KEY (or TJ_API_KEY) and that it can use this model.",
            **ids,
        )
    if status == 404:
        return LLMModelNotFoundError(
            f"Model {model!r} was not found ({status}): {text}",
            hint="Check --model (for Azure: the deployment name) and --base-url.",
            **ids,
        )
    low = text.lower()
    if status in (400, 413, 422, 500) and is_context_length(low):
        return ContextLengthExceededError(f"The prompt exceeded the model's context window: {text}", **ids)
    if status == 429 and "insufficient_quota" in low:
        return LLMAuthError(
            f"The account is out of quota ({status}): {text}",
            hint="Check the plan and billing of the account behind the API key.",
            **ids,
        )
    if status == 429:
        return LLMRateLimitError(f"Rate limited ({status}): {text}", retry_after=retry_after_s, **ids)
    if status >= 500 or status in (408, 409):
        return LLMTransientError(f"The model service failed ({status}): {text}", **ids)
    return LLMBadRequestError(f"The model service refused the request ({status}): {text}", **ids)


def map_error(e: Exception, settings: ClientSettings) -> LLMError:
    """Turn an SDK exception into ours. The caller raises it ``from e``."""
    if isinstance(e, openai.APIStatusError):
        headers = e.response.headers if e.response is not None else None
        return error_from_status(
            e.status_code,
            error_text(e.body, e.message),
            model=settings.model,
            retry_after_s=retry_after(headers),
            request_id=headers.get("x-request-id") if headers is not None else None,
        )
    if isinstance(e, openai.APITimeoutError):
        local = " A local server may still be generating the abandoned answer." if settings.self_hosted else ""
        return LLMTimeoutError(
            f"No answer from the model service for {settings.timeout_s:g} s; the request was not re-sent.{local}",
            hint="Raise --timeout (TJ_TIMEOUT, config timeout_s): it is the longest wait for the next token. "
            "On a CPU, the first token of a long prompt can take minutes.",
        )
    if isinstance(e, openai.APIConnectionError):
        return LLMTransientError(
            f"Couldn't reach the model service at {settings.server}: {e}", hint="Check --base-url and your network."
        )
    if isinstance(e, openai.APIError):  # an error event in the middle of a stream
        return LLMTransientError(f"The model service reported an error mid-answer: {e}")
    return LLMError(f"Unexpected error from the model client: {type(e).__name__}: {e}")
