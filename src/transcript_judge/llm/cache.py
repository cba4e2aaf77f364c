"""A response cache at the LLM seam, backed by the SQLite store.

``CachingLLM(inner, store)`` answers a request from the store when an earlier run got a
usable answer to the very same request (:meth:`ChatRequest.key` hashes the model,
messages, schema, settings and repeat index), and otherwise asks ``inner`` and writes
the answer to the store the moment it arrives. An interrupted run therefore keeps every
answer it received, and re-running it sends only what is missing.

What is cached: only answers the pipeline can use, i.e. ``finish_reason == "stop"``,
no refusal, non-empty content and, when the request carries a JSON schema, content that
conforms to it. Refusals, truncation, content filtering, empty and invalid answers are
chunk outcomes that leave a gap in the report; re-running is how a user fills that gap,
so they are asked again. Exceptions are never cached.

A hit comes back with ``cache_hit=True``, ``latency_s=0`` and ``retries=0``, and keeps
its original usage, so cost accounting can report the tokens it saved.
"""

from __future__ import annotations

from collections.abc import Callable

from ..store import Store
from .base import LLM, ChatRequest, ChatResult
from .conformance import conforms, parse_json_answer

__all__ = ["CachingLLM", "usable"]


def usable(request: ChatRequest, result: ChatResult) -> bool:
    """Whether ``result`` is an answer worth keeping for ``request``."""
    if result.finish_reason != "stop" or result.refusal or not result.content or not result.content.strip():
        return False
    if not request.json_schema:
        return True
    try:
        value = parse_json_answer(result.content)
    except ValueError:
        return False
    return conforms(value, request.json_schema)


class CachingLLM:
    """:class:`~transcript_judge.llm.base.LLM` that reads and writes the store's cache.

    Args:
        inner: the LLM to ask on a miss.
        store: the store holding the cache.
        enabled: False bypasses the cache entirely (``--no-cache``): no reads, no writes.
        analysis_id: links every key used to this analysis, so ``forget`` can delete them.
        accept: which results to keep (default :func:`usable`).
    """

    def __init__(
        self,
        inner: LLM,
        store: Store,
        *,
        enabled: bool = True,
        analysis_id: str | None = None,
        accept: Callable[[ChatRequest, ChatResult], bool] = usable,
    ) -> None:
        self.inner = inner  # factory.close_llm walks ``.inner`` to the client
        self.store = store
        self.enabled = enabled
        self.analysis_id = analysis_id
        self.accept = accept
        self.hits = 0
        self.writes = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        if not self.enabled:
            return await self.inner.complete(request)
        key = request.key()
        cached = self.store.get_response(key)
        if cached is not None:
            self.hits += 1
            if self.analysis_id is not None:
                self.store.link_key(self.analysis_id, key)
            return cached.model_copy(update={"cache_hit": True, "latency_s": 0.0, "retries": 0})
        result = await self.inner.complete(request)  # errors propagate, and are never cached
        if self.accept(request, result):
            # Written now, not at the end of the run: this is what makes an interrupted
            # run lose nothing it already paid for.
            self.store.put_response(key, result, analysis_id=self.analysis_id)
            self.writes += 1
        return result
