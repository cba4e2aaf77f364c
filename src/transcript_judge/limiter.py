"""Bounded, adaptive concurrency for model calls.

At most ``limit`` calls are at the server at once. When the service pushes back (a 429,
or a call the SDK had to retry), the limit halves at once; after a run of clean calls it
grows back by one, up to the configured maximum (AIMD, as TCP does). 429s are retried
here, not in the SDK, so that waiting calls give their slots back and spread out; how
often and how long is the one retry policy's decision (:mod:`.llm.retry`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .errors import LLMRateLimitError
from .llm.base import LLM, ChatRequest, ChatResult
from .llm.retry import RetryPolicy, retry_notice

__all__ = ["AdaptiveLimiter", "RateLimitedLLM", "retry_notice"]


class AdaptiveLimiter:
    def __init__(self, maximum: int, *, recover_after: int = 4) -> None:
        self.maximum = max(1, maximum)
        self.limit = self.maximum
        self.recover_after = recover_after
        self._active = 0
        self._clean = 0
        self._cond = asyncio.Condition()
        self.lowest = self.limit
        self.backoffs = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: self._active < self.limit)
            self._active += 1
        try:
            yield
        finally:
            async with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def report(self, *, pushed_back: bool) -> None:
        """Tell the limiter how a call went."""
        if pushed_back:
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self.backoffs += 1
            self._clean = 0
            return
        self._clean += 1
        if self._clean >= self.recover_after and self.limit < self.maximum:
            self.limit += 1
            self._clean = 0


_sleep = asyncio.sleep  # tests replace this to record waits instead of sleeping


class RateLimitedLLM:
    """Every model call goes through the limiter; a 429 gives its slot back and waits.

    The slot is held only while a request is at the server. A 429 halves the limit at
    once, the call waits as long as ``policy`` says (the server's ``Retry-After`` or a
    backoff, with jitter: :meth:`RetryPolicy.rate_limit_delay`) and queues for a slot
    again. When the policy gives up, the error goes to the caller (a failed chunk).
    """

    def __init__(self, inner: LLM, limiter: AdaptiveLimiter, *, policy: RetryPolicy | None = None) -> None:
        self.inner = inner
        self.limiter = limiter
        self.policy = policy or RetryPolicy()
        self.rate_limited = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        attempt = 0
        while True:
            async with self.limiter.slot():
                try:
                    result = await self.inner.complete(request)
                except LLMRateLimitError as e:
                    self.limiter.report(pushed_back=True)
                    self.rate_limited += 1
                    attempt += 1
                    wait = self.policy.rate_limit_delay(e, attempt)
                    if wait is None:
                        raise
                else:
                    self.limiter.report(pushed_back=result.retries > 0)
                    return result.model_copy(update={"retries": result.retries + attempt}) if attempt else result
            await self.policy.wait_out(wait, attempt, sleep=_sleep)
