"""The one seam in front of the LLM: a request, a result, and the protocol.

Everything that talks to a model (the OpenAI client, the fake, the cache, the recorder)
implements :class:`LLM`. The rest of the tool sees only these types.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from .subject import JudgedChunk

__all__ = [
    "LLM",
    "STRUCTURED_OUTPUT_CHOICES",
    "ChatRequest",
    "ChatResult",
    "FinishReason",
    "StructuredMode",
    "StructuredOutput",
    "TokenLogprob",
    "Usage",
    "cache_key",
    "stream_progress",
]

FinishReason = Literal["stop", "length", "content_filter", "refusal", "tool_calls", "other"]
#: How the answer's shape was asked for on the wire: ``json_schema`` (strict structured
#: outputs), ``json_object`` (JSON mode, with the schema attached where the server can
#: constrain decoding with it), or ``none`` (the schema only in the prompt).
StructuredMode = Literal["json_schema", "json_object", "none"]
#: The user's setting: a fixed mode, or ``auto`` (negotiate from what the server says).
StructuredOutput = Literal["auto", "json_schema", "json_object", "none"]
STRUCTURED_OUTPUT_CHOICES: tuple[str, ...] = ("auto", "json_schema", "json_object", "none")

#: Who wants to hear how a streamed answer is coming along: called with the number of
#: content pieces received so far (about one token each). Tasks inherit it.
stream_progress: ContextVar[Callable[[int], None] | None] = ContextVar("transcript_judge_stream_progress", default=None)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )


class TokenLogprob(BaseModel):
    """One answer token and the log-probabilities of its likeliest alternatives (the
    server's ``top_logprobs``, the token itself among them where it was the likeliest)."""

    model_config = ConfigDict(frozen=True)

    token: str
    top: dict[str, float] = Field(default_factory=dict)


class ChatRequest(BaseModel):
    """Everything that shapes a response. Its :meth:`key` keys the cache and recordings."""

    model_config = ConfigDict(frozen=True)

    model: str
    messages: tuple[dict[str, str], ...]
    schema_name: str
    json_schema: dict[str, Any]
    temperature: float = 0.0
    max_output_tokens: int = 4000
    seed: int | None = None
    repeat_index: int = Field(default=0, description="Which repeat of an eval this is for.")
    #: How many alternatives of each answer token to return with their log-probabilities
    #: (0: none). Only short answers ask for them (a yes/no: :mod:`..confirm`).
    top_logprobs: int = 0
    #: Whether an answer's content is usable, by the same validator the pipeline uses
    #: (the cache keeps and replays only what passes it today). Not part of the key.
    accept: Callable[[str], bool] | None = Field(default=None, exclude=True, repr=False)
    #: What is being asked, as data (the chunk's lines as the prompt shows them, the
    #: criteria): fakes read it instead of re-parsing the prompt. The messages already say
    #: all of it, so it is not part of the key either.
    subject: JudgedChunk | None = Field(default=None, exclude=True, repr=False)

    def key(self) -> str:
        """The request's identity, independent of where it is sent (recordings use it)."""
        fields = self.model_dump(mode="json")
        if not self.top_logprobs:  # so the keys of requests that don't ask stay as they were
            del fields["top_logprobs"]
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def cache_key(request: ChatRequest, endpoint: str) -> str:
    """The cache's key: the request *and* where it goes, so that two servers (or two
    structured-output settings) behind the same model name never share an answer."""
    return hashlib.sha256(f"{endpoint}\n{request.key()}".encode()).hexdigest()


class ChatResult(BaseModel):
    """One model answer, whatever it was: content, refusal, truncation or filter."""

    content: str | None
    refusal: str | None = None
    finish_reason: FinishReason = "stop"
    usage: Usage = Field(default_factory=Usage)
    model: str = ""
    request_id: str | None = None
    latency_s: float = 0.0
    retries: int = 0
    structured_mode: StructuredMode = "json_schema"
    cache_hit: bool = False
    #: Each answer token with its alternatives, when the request asked (``top_logprobs``)
    #: and the server gave them; empty otherwise.
    logprobs: tuple[TokenLogprob, ...] = ()


@runtime_checkable
class LLM(Protocol):
    """Anything that can answer a :class:`ChatRequest`.

    Implementations raise only :class:`~transcript_judge.errors.LLMError` subclasses.
    """

    async def complete(self, request: ChatRequest) -> ChatResult: ...
