"""A fake LLM for tests and demos: answers from a queue or a function, records requests.

A responder reads what it is asked from the request's subject, never from the prompt's
text: ``subject_of(request).candidate_lines()`` are the candidate's lines as the model
sees them (:mod:`.subject`), and ``subject_of(request).criteria`` the ids to answer for.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from .base import ChatRequest, ChatResult, Usage
from .subject import JudgedChunk

__all__ = ["FakeLLM", "subject_of"]

Responder = Callable[[ChatRequest], ChatResult | Awaitable[ChatResult] | Exception]


def subject_of(request: ChatRequest) -> JudgedChunk:
    """What ``request`` asks about: its chunk's lines as the model sees them, the criteria.

    Raises:
        AssertionError: the request was built without one (every request the pipeline
            builds has one; a respx handler gets the wire instead: see
            :mod:`transcript_judge.testing.wire`).
    """
    if request.subject is None:
        raise AssertionError("this request carries no subject (it wasn't built by judge or confirm)")
    return request.subject


class FakeLLM:
    """Answers requests from what was enqueued, or from ``responder``.

    Example:
        >>> fake = FakeLLM()
        >>> fake.enqueue_json({"systems_thinking": {...}})  # doctest: +SKIP
        >>> def respond(request: ChatRequest) -> ChatResult:  # doctest: +SKIP
        ...     line = subject_of(request).candidate_lines()[0]  # quote it: line.turn, line.text
        ...     return ChatResult(content=json.dumps(judge(line, subject_of(request).criteria)))
        >>> fake = FakeLLM(respond)  # doctest: +SKIP
    """

    def __init__(self, responder: Responder | None = None, *, endpoint: str = "fake") -> None:
        self.endpoint = endpoint  # what the cache keys on
        self._queue: deque[ChatResult | Exception] = deque()
        self._responder = responder
        self.requests: list[ChatRequest] = []

    def enqueue(self, *items: ChatResult | Exception) -> FakeLLM:
        self._queue.extend(items)
        return self

    def enqueue_json(self, payload: Any, *, prompt_tokens: int = 1000, completion_tokens: int = 200) -> FakeLLM:
        return self.enqueue(
            ChatResult(
                content=json.dumps(payload),
                usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
                model="fake",
            )
        )

    async def complete(self, request: ChatRequest) -> ChatResult:
        self.requests.append(request)
        if self._queue:
            item = self._queue.popleft()
        elif self._responder is not None:
            produced = self._responder(request)
            item = await produced if isinstance(produced, Awaitable) else produced
        else:
            raise AssertionError("FakeLLM has no queued response for this request")
        if isinstance(item, Exception):
            raise item
        return item
