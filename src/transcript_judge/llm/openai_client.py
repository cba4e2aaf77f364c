"""The only module that imports ``openai``. SDK errors become our own errors here.

Works with OpenAI, Azure OpenAI, and OpenAI-compatible servers (Ollama, vLLM, llama.cpp's
server) through ``base_url``. Servers differ, so the client adapts once per run and
remembers: ``json_schema`` structured outputs → ``json_object`` → no ``response_format``;
``max_completion_tokens`` → ``max_tokens``; dropping ``temperature``/``seed`` where a
model rejects them.

Retries of 429/5xx/timeouts are the SDK's (it honours ``Retry-After``); we only count
them (``retries_taken``) so the caller's concurrency can back off.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
import openai

from ..errors import (
    ContextLengthExceededError,
    LLMAuthError,
    LLMBadRequestError,
    LLMError,
    LLMModelNotFoundError,
    LLMRateLimitError,
    LLMTransientError,
)
from .base import ChatRequest, ChatResult, FinishReason, StructuredMode, Usage

__all__ = ["ClientSettings", "OpenAIChatLLM", "build_openai_client"]

log = logging.getLogger(__name__)

_PLACEHOLDER_KEY = "not-needed"  # local servers (Ollama, vLLM) ignore the key


@dataclass(frozen=True)
class ClientSettings:
    """Connection settings. ``api_key`` is never logged or put in a repr."""

    model: str
    api_key: str | None = None
    base_url: str | None = None
    azure_endpoint: str | None = None
    azure_api_version: str | None = None
    timeout_s: float = 120.0
    max_retries: int = 4

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        return f"ClientSettings(model={self.model!r}, base_url={self.base_url!r}, api_key=<{key}>)"


class _RateLimitsAreOurs:
    """The SDK retries 429s itself, and every waiting request retries at the same moment
    when ``Retry-After`` expires, so most lose again (measured: benchmarks/RESULTS.md).
    The SDK keeps retrying 5xx and timeouts; 429s come straight back to our limiter, which
    halves concurrency at once and spreads the retries (``limiter.RateLimitedLLM``)."""

    def _should_retry(self, response: Any) -> bool:  # an httpx2.Response inside the SDK
        if response.status_code == 429:
            return False
        return super()._should_retry(response)  # type: ignore[misc,no-any-return]


class _AsyncOpenAI(_RateLimitsAreOurs, openai.AsyncOpenAI):
    pass


class _AsyncAzureOpenAI(_RateLimitsAreOurs, openai.AsyncAzureOpenAI):
    pass


def _retry_after(headers: httpx.Headers | None) -> float | None:
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


def build_openai_client(
    settings: ClientSettings, *, http_client: httpx.AsyncClient | None = None
) -> openai.AsyncOpenAI:
    """Build the SDK client in one place. Pass ``http_client`` to intercept with respx."""
    common: dict[str, Any] = {
        "timeout": settings.timeout_s,
        "max_retries": settings.max_retries,
    }
    if http_client is not None:
        common["http_client"] = http_client
    if settings.azure_endpoint:
        return _AsyncAzureOpenAI(
            azure_endpoint=settings.azure_endpoint,
            api_version=settings.azure_api_version or "2024-10-21",
            api_key=settings.api_key,
            **common,
        )
    return _AsyncOpenAI(
        api_key=settings.api_key or _PLACEHOLDER_KEY,
        base_url=settings.base_url,
        **common,
    )


def _error_text(e: openai.APIStatusError) -> str:
    body = e.body if isinstance(e.body, dict) else {}
    err = body.get("error", body) if isinstance(body, dict) else {}
    msg = err.get("message") if isinstance(err, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    return f"{msg or e.message} {code or ''}".strip()


def _request_id(e: openai.APIStatusError) -> str | None:
    return e.response.headers.get("x-request-id") if e.response is not None else None


def map_error(e: Exception, model: str) -> LLMError:
    """Turn an SDK exception into ours. The caller raises it ``from e``."""
    if isinstance(e, openai.APIStatusError):
        text, rid, status = _error_text(e), _request_id(e), e.status_code
        if isinstance(e, openai.AuthenticationError | openai.PermissionDeniedError):
            return LLMAuthError(
                f"The model service rejected the credentials ({status}): {text}",
                hint="Check OPENAI_API_KEY (or TJ_API_KEY) and that it can use this model.",
                status_code=status,
                request_id=rid,
            )
        if isinstance(e, openai.NotFoundError):
            return LLMModelNotFoundError(
                f"Model {model!r} was not found ({status}): {text}",
                hint="Check --model (for Azure: the deployment name) and --base-url.",
                status_code=status,
                request_id=rid,
            )
        low = text.lower()
        if status == 400 and (
            "context_length" in low or "maximum context" in low or "context window" in low or "too many tokens" in low
        ):
            return ContextLengthExceededError(
                f"The prompt exceeded the model's context window: {text}",
                status_code=status,
                request_id=rid,
            )
        if status == 429 and "insufficient_quota" in low:
            return LLMAuthError(
                f"The account is out of quota ({status}): {text}",
                hint="Check the plan and billing of the account behind the API key.",
                status_code=status,
                request_id=rid,
            )
        if status == 429:
            return LLMRateLimitError(
                f"Rate limited ({status}): {text}",
                retry_after=_retry_after(e.response.headers if e.response is not None else None),  # type: ignore[arg-type]
                status_code=status,
                request_id=rid,
            )
        if status >= 500:
            return LLMTransientError(
                f"The model service kept failing ({status}) after retries: {text}",
                status_code=status,
                request_id=rid,
            )
        return LLMBadRequestError(
            f"The model service refused the request ({status}): {text}", status_code=status, request_id=rid
        )
    if isinstance(e, openai.APITimeoutError):
        return LLMTransientError("The model service timed out after retries.")
    if isinstance(e, openai.APIConnectionError):
        return LLMTransientError(
            f"Couldn't reach the model service after retries: {e}", hint="Check --base-url and your network."
        )
    return LLMError(f"Unexpected error from the model client: {type(e).__name__}: {e}")


def _finish(reason: str | None, refusal: str | None) -> FinishReason:
    if refusal:
        return "refusal"
    if reason in ("stop", "length", "content_filter", "tool_calls"):
        return reason  # type: ignore[return-value]
    return "stop" if reason is None else "other"


def _mode(mode: str) -> StructuredMode:
    return "json_schema" if mode == "json_schema" else "json_object" if mode == "json_object" else "none"


class OpenAIChatLLM:
    """:class:`~transcript_judge.llm.base.LLM` over the OpenAI chat completions API."""

    def __init__(self, settings: ClientSettings, *, http_client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._client = build_openai_client(settings, http_client=http_client)
        self._modes = ["json_schema", "json_object", "none"]
        self._token_param = "max_completion_tokens"
        self._drop: set[str] = set()

    async def aclose(self) -> None:
        await self._client.close()

    def _params(self, request: ChatRequest, mode: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": request.model,
            "messages": list(request.messages),
            self._token_param: request.max_output_tokens,
            "temperature": request.temperature,
        }
        if request.seed is not None:
            params["seed"] = request.seed
        if mode == "json_schema":
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.json_schema, "strict": True},
            }
        elif mode == "json_object":
            params["response_format"] = {"type": "json_object"}
        for name in self._drop:
            params.pop(name, None)
        return params

    def _adapt(self, e: openai.BadRequestError | openai.UnprocessableEntityError, mode: str) -> bool:
        """Learn from a 400 that names an unsupported parameter. True if worth retrying."""
        low = _error_text(e).lower()
        if mode != "none" and (
            "response_format" in low or "json_schema" in low or "structured output" in low or "json mode" in low
        ):
            self._modes.remove(mode)
            log.info("server rejected response_format=%s; falling back to %s", mode, self._modes[0])
            return True
        if self._token_param in low and "max_tokens" not in self._drop:
            self._token_param = "max_tokens"
            return True
        for name in ("temperature", "seed"):
            if name in low and name not in self._drop and ("unsupported" in low or "not support" in low):
                self._drop.add(name)
                return True
        return False

    async def complete(self, request: ChatRequest) -> ChatResult:
        for _ in range(6):  # at most one adaptation per knob
            mode = self._modes[0]
            started = time.monotonic()
            try:
                raw = await self._client.chat.completions.with_raw_response.create(**self._params(request, mode))
            except (openai.BadRequestError, openai.UnprocessableEntityError) as e:
                if self._adapt(e, mode):
                    continue
                raise map_error(e, request.model) from e
            except openai.OpenAIError as e:
                raise map_error(e, request.model) from e
            latency = time.monotonic() - started
            try:
                completion = raw.parse()
            except openai.OpenAIError as e:
                raise map_error(e, request.model) from e
            except Exception as e:  # malformed body from a non-conforming server
                raise LLMTransientError(f"The model service sent an unreadable response: {e}") from e
            if not completion.choices:
                return ChatResult(
                    content=None,
                    finish_reason="other",
                    model=completion.model or "",
                    latency_s=latency,
                    retries=raw.retries_taken,
                    structured_mode=_mode(mode),
                )
            choice = completion.choices[0]
            refusal = getattr(choice.message, "refusal", None)
            u = completion.usage
            cached = 0
            if u is not None and u.prompt_tokens_details is not None:
                cached = u.prompt_tokens_details.cached_tokens or 0
            return ChatResult(
                content=choice.message.content,
                refusal=refusal,
                finish_reason=_finish(choice.finish_reason, refusal),
                usage=Usage(
                    prompt_tokens=u.prompt_tokens if u else 0,
                    completion_tokens=u.completion_tokens if u else 0,
                    cached_tokens=cached,
                ),
                model=completion.model or request.model,
                request_id=raw.headers.get("x-request-id") or getattr(completion, "_request_id", None),
                latency_s=latency,
                retries=raw.retries_taken,
                structured_mode=_mode(mode),
            )
        raise LLMBadRequestError("The model service rejected every request format we tried.")
