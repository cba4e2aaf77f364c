"""The synchronous chat-completions client. With :mod:`.openai_errors` (SDK errors become
ours there) and :mod:`.openai_batch` (the Batch API), the only modules that import ``openai``.

Works with OpenAI, Azure OpenAI, and OpenAI-compatible servers (llama-cpp-python, vLLM,
Ollama) through ``base_url``. Servers differ, and say so in different ways, so the
client negotiates from *what the error says*, not from its status code (llama-cpp-python
answers an unsupported ``response_format`` with a 500, not a 400):

- structured output (``structured_output = auto``): strict ``json_schema`` → JSON mode
  with the schema attached (``{"type": "json_object", "schema": …}``, which
  llama-cpp-python turns into a decoding grammar) → plain JSON mode → no
  ``response_format``. The mode that worked is remembered per endpoint and model
  (:class:`ModeMemory`, the store), so the next run doesn't pay for the probe;
- ``max_completion_tokens`` ↔ ``max_tokens``; ``stream_options``; dropping
  ``temperature``/``seed`` where a model rejects them.

Answers are streamed, so the timeout is an *idle* timeout: no token for ``timeout_s``
seconds. A long answer from a CPU-bound local model is fine as long as it keeps coming.
A server that ignores ``stream`` and answers with plain JSON is read as such.

Retries are ours, not the SDK's (it is built with ``max_retries=0``): see
:mod:`.retry` for the one policy, and why a timeout is never re-sent.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletion

from ..errors import LLMError, LLMTimeoutError, LLMTransientError
from .base import ChatRequest, ChatResult, FinishReason, StructuredMode, TokenLogprob, Usage, stream_progress
from .openai_errors import error_text, map_error
from .retry import RetryPolicy
from .settings import ClientSettings, ModeMemory

__all__ = [
    "ClientSettings",
    "ModeMemory",
    "OpenAIChatLLM",
    "build_openai_client",
    "chat_body",
    "completion_result",
    "finish_reason",
]

log = logging.getLogger(__name__)

_PLACEHOLDER_KEY = "not-needed"  # local servers (llama.cpp, Ollama, vLLM) ignore the key

#: The wire formats, most to least structured. ``json_object+schema`` is JSON mode with
#: the schema attached, for servers that constrain decoding with it.
_WIRE_ORDER = ("json_schema", "json_object+schema", "json_object", "none")
_WIRE_FOR_SETTING: dict[str, tuple[str, ...]] = {
    "auto": _WIRE_ORDER,
    "json_schema": ("json_schema",),
    "json_object": ("json_object+schema", "json_object"),
    "none": ("none",),
}
# Words in an error that mean "this server doesn't take that response_format".
_FORMAT_WORDS = (
    "response_format",
    "json_schema",
    "structured output",
    "json mode",
    "'text' or 'json_object'",
    "json_object",
    "grammar",
)
# Keywords OpenAI's strict mode may refuse; the validator enforces them (salvage repairs).
_STRICT_UNSUPPORTED = ("maxLength", "minLength")


def build_openai_client(
    settings: ClientSettings, *, http_client: httpx.AsyncClient | None = None
) -> openai.AsyncOpenAI:
    """Build the SDK client in one place. Pass ``http_client`` to intercept with respx."""
    common: dict[str, Any] = {
        # read= is the idle timeout of a streamed answer; connecting should be quick.
        # The SDK's own Timeout: openai 3.6x wants its transport's (httpx2) type, not httpx's.
        "timeout": openai.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s)),
        "max_retries": 0,  # retries are ours: llm/retry.py
    }
    if http_client is not None:
        common["http_client"] = http_client
    if settings.azure_endpoint:
        return openai.AsyncAzureOpenAI(
            azure_endpoint=settings.azure_endpoint,
            api_version=settings.azure_api_version or "2024-10-21",
            api_key=settings.api_key,
            **common,
        )
    return openai.AsyncOpenAI(
        api_key=settings.api_key or _PLACEHOLDER_KEY,
        base_url=settings.base_url,
        **common,
    )


def finish_reason(reason: object, refusal: str | None) -> FinishReason:
    """Our finish reason for an answer's ``finish_reason`` (streamed or in a batch's file)."""
    if refusal:
        return "refusal"
    if reason in ("stop", "length", "content_filter", "tool_calls"):
        return reason
    return "stop" if reason is None else "other"


def completion_result(completion: ChatCompletion, *, model: str, request_id: str | None) -> ChatResult:
    """A whole (unstreamed) completion as our result: the one reading of a ``ChatCompletion``,
    for a server that ignored ``stream=True`` and for a line of a Batch API output file.
    ``model`` and ``request_id`` stand in where the completion has none."""
    u = completion.usage
    details = u.prompt_tokens_details if u is not None else None
    common: dict[str, Any] = {
        "model": completion.model or model,
        "request_id": request_id or completion.id,
        "usage": Usage(
            prompt_tokens=u.prompt_tokens if u else 0,
            completion_tokens=u.completion_tokens if u else 0,
            cached_tokens=(details.cached_tokens or 0) if details is not None else 0,
        ),
    }
    if not completion.choices:
        return ChatResult(content=None, finish_reason="other", **common)
    choice = completion.choices[0]
    refusal = getattr(choice.message, "refusal", None)
    logprobs = getattr(choice, "logprobs", None)
    return ChatResult(
        content=choice.message.content,
        refusal=refusal,
        finish_reason=finish_reason(choice.finish_reason, refusal),
        logprobs=token_logprobs(getattr(logprobs, "content", None)),
        **common,
    )


def _estimate_prompt_tokens(request: ChatRequest) -> int:
    """The prompt's tokens by our own counter (an estimate: the server's tokenizer may differ),
    plus a few per message for the chat template."""
    from ..tokens import get_counter  # tiktoken loads lazily, only for servers that need it

    count = get_counter(request.model).count
    return sum(count(m.get("content", "")) + 4 for m in request.messages)


def _mode(wire: str) -> StructuredMode:
    base = wire.split("+", 1)[0]
    return "json_schema" if base == "json_schema" else "json_object" if base == "json_object" else "none"


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strict(v) for k, v in schema.items() if k not in _STRICT_UNSUPPORTED}
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def chat_body(
    request: ChatRequest,
    *,
    wire: str = "json_schema",
    token_param: str = "max_completion_tokens",
    stream: bool = False,
    drop: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The chat-completions body for ``request``: the one definition, which the client
    streams and the Batch API (:mod:`.openai_batch`) writes to its JSONL file."""
    params: dict[str, Any] = {
        "model": request.model,
        "messages": list(request.messages),
        token_param: request.max_output_tokens,
        "temperature": request.temperature,
    }
    if stream:
        params["stream"] = True
        params["stream_options"] = {"include_usage": True}
    if request.seed is not None:
        params["seed"] = request.seed
    if request.top_logprobs:
        params["logprobs"] = True
        params["top_logprobs"] = request.top_logprobs
    if wire == "json_schema":
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": _strict(request.json_schema), "strict": True},
        }
    elif wire == "json_object+schema":
        params["response_format"] = {"type": "json_object", "schema": request.json_schema}
    elif wire == "json_object":
        params["response_format"] = {"type": "json_object"}
    for name in drop:
        params.pop(name, None)
    if "logprobs" in drop:
        params.pop("top_logprobs", None)
    return params


def token_logprobs(content: Any) -> tuple[TokenLogprob, ...]:
    """The answer tokens' log-probabilities from a choice's ``logprobs.content`` (the SDK's
    objects, streamed piece by piece or whole); () when there are none."""
    out: list[TokenLogprob] = []
    for item in content or ():
        top = {alt.token: float(alt.logprob) for alt in getattr(item, "top_logprobs", None) or ()}
        top.setdefault(item.token, float(item.logprob))
        out.append(TokenLogprob(token=item.token, top=top))
    return tuple(out)


class OpenAIChatLLM:
    """:class:`~transcript_judge.llm.base.LLM` over the OpenAI chat completions API."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http_client: httpx.AsyncClient | None = None,
        modes: ModeMemory | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.endpoint = settings.endpoint
        self._client = build_openai_client(settings, http_client=http_client)
        self._memory = modes
        self._memory_key = f"{settings.server}|{settings.model}"
        self._wires = list(_WIRE_FOR_SETTING[settings.structured_output])
        if not settings.self_hosted:  # a schema inside JSON mode is a llama-cpp-python extension
            self._wires = [w for w in self._wires if w != "json_object+schema"] or ["json_object"]
        if settings.structured_output == "auto" and modes is not None:
            known = modes.get_endpoint_mode(self._memory_key)
            if known in self._wires:
                self._wires = self._wires[self._wires.index(known) :]
        self._learned = False
        self._policy = policy or RetryPolicy(max_retries=settings.max_retries)
        # Self-hosted servers know max_tokens; OpenAI's newest models only the other.
        self._token_param = "max_tokens" if settings.self_hosted else "max_completion_tokens"
        self._drop: set[str] = set()

    async def aclose(self) -> None:
        await self._client.close()

    # -- the request ---------------------------------------------------------------

    def _params(self, request: ChatRequest, wire: str) -> dict[str, Any]:
        return chat_body(request, wire=wire, token_param=self._token_param, stream=True, drop=self._drop)

    def _adapt(self, e: openai.APIStatusError, wire: str) -> bool:
        """Learn from an error that names something this server doesn't take.

        True if the request is worth sending again in the adapted form. Decided by what
        the error *says*: llama-cpp-python rejects ``json_schema`` with a 500.
        """
        if e.status_code not in (400, 415, 422, 500, 501):
            return False
        low = error_text(e.body, e.message).lower()
        if wire != "none" and len(self._wires) > 1 and any(w in low for w in _FORMAT_WORDS):
            self._wires.remove(wire)
            self._learned = True
            log.info("server rejected response_format=%s; falling back to %s", wire, self._wires[0])
            return True
        if "stream_options" in low and "stream_options" not in self._drop:
            self._drop.add("stream_options")
            return True
        if self._token_param in low and ("unsupported" in low or "not support" in low or "unrecognized" in low):
            self._token_param = (
                "max_tokens" if self._token_param == "max_completion_tokens" else "max_completion_tokens"
            )
            return True
        for name in ("temperature", "seed", "logprobs"):
            if name in low and name not in self._drop and ("unsupported" in low or "not support" in low):
                self._drop.add(name)
                return True
        return False

    # -- the answer ----------------------------------------------------------------

    async def _send(self, request: ChatRequest, wire: str) -> ChatResult:
        stream = await self._client.chat.completions.create(**self._params(request, wire))
        response = stream.response
        rid = response.headers.get("x-request-id")
        if "json" in response.headers.get("content-type", ""):  # a server that ignored stream=True
            await response.aread()
            completion = ChatCompletion.model_validate_json(response.content)
            return completion_result(completion, model=request.model, request_id=rid)
        parts: list[str] = []
        refusal: list[str] = []
        finish: str | None = None
        usage: Usage | None = None
        model = ""
        pieces = 0
        logprobs: list[TokenLogprob] = []
        progress = stream_progress.get()
        async for chunk in stream:
            model = chunk.model or model
            rid = rid or chunk.id
            if chunk.usage is not None:
                details = chunk.usage.prompt_tokens_details
                usage = Usage(
                    prompt_tokens=chunk.usage.prompt_tokens or 0,
                    completion_tokens=chunk.usage.completion_tokens or 0,
                    cached_tokens=(details.cached_tokens or 0) if details is not None else 0,
                )
            for choice in chunk.choices[:1]:
                delta = choice.delta
                if delta.content:
                    parts.append(delta.content)
                    pieces += 1
                    if progress is not None:
                        progress(pieces)
                if request.top_logprobs and choice.logprobs is not None:
                    logprobs.extend(token_logprobs(choice.logprobs.content))
                if getattr(delta, "refusal", None):
                    refusal.append(delta.refusal or "")
                finish = choice.finish_reason or finish
        if finish is None:
            # The stream ended without saying why. llama-cpp-python does this when another
            # request interrupts the one streaming (its default --interrupt_requests True):
            # the server has dropped it, so sending it again is safe.
            raise LLMTransientError(
                f"The answer stream ended before the answer did ({pieces} token(s) received): "
                "the server interrupted it.",
                hint="With llama-cpp-python, start the server with --interrupt_requests False, or use --concurrency 1.",
            )
        if usage is None:  # no usage chunk (llama-cpp-python ignores include_usage): count them here
            usage = Usage(prompt_tokens=_estimate_prompt_tokens(request), completion_tokens=pieces)
        refused = "".join(refusal) or None
        return ChatResult(
            content="".join(parts) if parts or finish else None,
            refusal=refused,
            finish_reason=finish_reason(finish, refused),
            usage=usage,
            model=model or request.model,
            request_id=rid,
            logprobs=tuple(logprobs),
        )

    async def complete(self, request: ChatRequest) -> ChatResult:
        retries = 0
        adaptations = 0
        while True:
            wire = self._wires[0]
            started = time.monotonic()
            cause: Exception
            try:
                answer = await self._send(request, wire)
            except openai.APIStatusError as e:
                if adaptations < 8 and self._adapt(e, wire):
                    adaptations += 1
                    continue
                cause, error = e, map_error(e, self.settings)
            except openai.OpenAIError as e:
                cause, error = e, map_error(e, self.settings)
            except LLMError as e:  # raised by _send itself (a cut-off stream)
                cause, error = e, e
            except (ValueError, KeyError, TypeError) as e:  # a body that isn't a completion
                cause, error = e, LLMTransientError(f"The model service sent an unreadable response: {e}")
            else:
                self._remember(wire)
                return answer.model_copy(
                    update={"latency_s": time.monotonic() - started, "retries": retries, "structured_mode": _mode(wire)}
                )
            if not self._policy.should_retry(error, retries):
                if isinstance(error, LLMTransientError) and retries and not isinstance(error, LLMTimeoutError):
                    error.message += f" (after {retries} retries)"
                raise error from (cause if cause is not error else None)
            await self._policy.wait(error, retries)
            retries += 1

    def _remember(self, wire: str) -> None:
        if self._learned and self._memory is not None:
            self._learned = False
            try:
                self._memory.put_endpoint_mode(self._memory_key, wire)
            except Exception as e:  # noqa: BLE001 - remembering is an optimisation, never a failure
                log.warning("could not remember the structured-output mode: %s", type(e).__name__)
