"""An LLM that collects requests instead of sending them: what the analyses of a batch see.

Each :meth:`BatchingLLM.complete` files its request under its key and waits. Whoever
drives the rounds takes what has been filed (:meth:`~BatchingLLM.take`), gets the answers
however it likes (the Batch API: :mod:`.openai_batch`) and hands them back
(:meth:`~BatchingLLM.resolve`). Identical requests, from one analysis or several, share
one entry: answered once and paid once, the others see a cache hit with no usage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import LLMError
from .base import ChatRequest, ChatResult, Usage

__all__ = ["BatchingLLM"]


@dataclass
class _Entry:
    request: ChatRequest
    futures: list[asyncio.Future[ChatResult]] = field(default_factory=list)

    def waiting(self) -> int:
        return sum(not f.done() for f in self.futures)

    def resolve(self, answer: ChatResult | LLMError) -> None:
        first = True
        for fut in self.futures:
            if fut.done():  # its caller went away (cancelled)
                continue
            if isinstance(answer, LLMError):
                fut.set_exception(answer)
            elif first:
                fut.set_result(answer)
            else:  # the same request from another caller: answered once, paid once
                fut.set_result(answer.model_copy(update={"cache_hit": True, "usage": Usage()}))
            first = False


class BatchingLLM:
    """:class:`~transcript_judge.llm.base.LLM` whose calls wait for the next round.

    Args:
        key: a request's identity in a round (the batch line's ``custom_id``).
        on_arrival: called whenever a request is filed.
    """

    def __init__(self, key: Callable[[ChatRequest], str], on_arrival: Callable[[], None] = lambda: None) -> None:
        self._key = key
        self._on_arrival = on_arrival
        self._filed: dict[str, _Entry] = {}
        self._taken: dict[str, _Entry] = {}

    async def complete(self, request: ChatRequest) -> ChatResult:
        entry = self._filed.setdefault(self._key(request), _Entry(request))
        fut: asyncio.Future[ChatResult] = asyncio.get_running_loop().create_future()
        entry.futures.append(fut)
        self._on_arrival()
        return await fut

    @property
    def waiting(self) -> int:
        """How many calls are waiting for a round (a caller that went away isn't)."""
        return sum(e.waiting() for e in (*self._filed.values(), *self._taken.values()))

    def take(self) -> dict[str, ChatRequest]:
        """The next round: every request filed since the last, by key."""
        taken = {k: e for k, e in self._filed.items() if e.waiting()}
        self._filed = {}
        self._taken.update(taken)
        return {k: e.request for k, e in taken.items()}

    def resolve(self, answers: Mapping[str, ChatResult | LLMError]) -> None:
        """Answer the taken requests: ``answers`` has one for each key."""
        for key, answer in answers.items():
            entry = self._taken.pop(key, None)
            if entry is not None:
                entry.resolve(answer)
