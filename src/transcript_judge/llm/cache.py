"""A response cache at the LLM seam, backed by the SQLite store.

``CachingLLM(inner, store)`` answers a request from the store when an earlier run got a
usable answer to the very same request *from the same endpoint*, and otherwise asks
``inner`` and writes the answer to the store the moment it arrives. An interrupted run
therefore keeps every answer it received, and re-running it sends only what is missing.

The key (:func:`~transcript_judge.llm.base.cache_key`) is the request (model, messages,
schema, settings, repeat index) and the endpoint (server URL or Azure deployment, and
the structured-output setting): two servers behind the same model name never share an
answer, so a new server's 401 can't hide behind the old server's cache.

What is usable is decided by the request's own ``accept`` test, which is the pipeline's
validator (``salvage.accepts``): the cache keeps exactly what the pipeline can use, and
an entry that today's validator rejects is a miss, asked again and overwritten, never
replayed. Refusals, truncation, content filtering and empty answers are never kept:
re-running is how a user fills that gap. Exceptions are never cached.

A hit comes back with ``cache_hit=True``, ``latency_s=0`` and ``retries=0``, and keeps
its original usage, so cost accounting can report the tokens it saved.
"""

from __future__ import annotations

from ..store import Store
from .base import LLM, ChatRequest, ChatResult, cache_key

__all__ = ["CachingLLM", "endpoint_of", "usable"]


def usable(request: ChatRequest, result: ChatResult) -> bool:
    """Whether ``result`` is an answer worth keeping (and replaying) for ``request``."""
    if result.finish_reason != "stop" or result.refusal or not result.content or not result.content.strip():
        return False
    return request.accept is None or request.accept(result.content)


def endpoint_of(llm: LLM) -> str:
    """The endpoint identity of the innermost LLM (``"fake"`` and the like for doubles)."""
    inner: object = llm
    for _ in range(16):
        endpoint = getattr(inner, "endpoint", None)
        if isinstance(endpoint, str):
            return endpoint
        inner = getattr(inner, "inner", None)
        if inner is None:
            break
    return type(llm).__name__


class CachingLLM:
    """:class:`~transcript_judge.llm.base.LLM` that reads and writes the store's cache.

    Args:
        inner: the LLM to ask on a miss.
        store: the store holding the cache.
        enabled: False bypasses the cache entirely (``--no-cache``): no reads, no writes.
        analysis_id: links every key used to this analysis, so ``forget`` can delete them.
    """

    def __init__(self, inner: LLM, store: Store, *, enabled: bool = True, analysis_id: str | None = None) -> None:
        self.inner = inner  # factory.close_llm walks ``.inner`` to the client
        self.store = store
        self.enabled = enabled
        self.analysis_id = analysis_id
        self.endpoint = endpoint_of(inner)
        self.hits = 0
        self.writes = 0
        self.stale = 0

    def key(self, request: ChatRequest) -> str:
        return cache_key(request, self.endpoint)

    async def complete(self, request: ChatRequest) -> ChatResult:
        if not self.enabled:
            return await self.inner.complete(request)
        key = self.key(request)
        cached = self.store.get_response(key)
        if cached is not None and usable(request, cached):
            self.hits += 1
            if self.analysis_id is not None:
                self.store.link_key(self.analysis_id, key)
            return cached.model_copy(update={"cache_hit": True, "latency_s": 0.0, "retries": 0})
        if cached is not None:
            self.stale += 1  # kept by an older, looser validator: ask again
        result = await self.inner.complete(request)  # errors propagate, and are never cached
        if usable(request, result):
            # Written now, not at the end of the run: this is what makes an interrupted
            # run lose nothing it already paid for.
            self.store.put_response(key, result, analysis_id=self.analysis_id)
            self.writes += 1
        return result
