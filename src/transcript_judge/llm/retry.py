"""The one retry policy for model calls, and the one channel that reports retries.

The SDK is built with ``max_retries=0``: every retry decision is made here, where it can
be seen and tested. Three kinds of failure, three answers:

- **a server error or a dropped connection** (5xx that isn't about the request's format,
  408, 409, connection reset): retried up to ``max_retries`` times with exponential
  backoff and jitter, honouring ``Retry-After``;
- **429 rate limits**: not retried here. They go to the adaptive limiter
  (:mod:`transcript_judge.limiter`), which halves concurrency and spreads the waits;
- **a timeout**: never re-sent. A local server keeps generating an answer whose client
  has gone, so a re-send doubles its work and the retry times out too (seen with
  llama-cpp-python: four re-sends, ten minutes, nothing judged). The error says what
  happened and which setting to raise.

Whoever wants to show retries as they happen (the web page's progress, ``--verbose``)
sets :data:`retry_notice`; it is called with (seconds to wait, retry number, limit).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from ..errors import LLMError, LLMRateLimitError, LLMTimeoutError, LLMTransientError

__all__ = ["RetryPolicy", "notify_retry", "retry_notice"]

log = logging.getLogger(__name__)

#: Who wants to hear about a retry as its wait starts: called with (seconds, retry
#: number, retry limit). Tasks inherit it.
retry_notice: ContextVar[Callable[[float, int, int], None] | None] = ContextVar(
    "transcript_judge_retry_notice", default=None
)

_sleep = asyncio.sleep  # tests replace this to record waits instead of sleeping


def notify_retry(wait: float, attempt: int, limit: int) -> None:
    notify = retry_notice.get()
    if notify is not None:
        notify(wait, attempt, limit)


@dataclass(frozen=True)
class RetryPolicy:
    """When to re-send a failed call, and how long to wait first."""

    max_retries: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def should_retry(self, error: LLMError, attempt: int) -> bool:
        """``attempt`` is how many retries were already made."""
        if attempt >= self.max_retries:
            return False
        if isinstance(error, LLMRateLimitError | LLMTimeoutError):
            return False  # the limiter's job / never re-sent (see the module docstring)
        return isinstance(error, LLMTransientError)

    def delay(self, error: LLMError, attempt: int) -> float:
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after >= 0:
            return min(self.max_delay_s, float(retry_after))
        backoff: float = min(self.max_delay_s, self.base_delay_s * 2.0 ** min(attempt, 16))
        return backoff * (0.75 + 0.5 * random.random())

    async def wait(self, error: LLMError, attempt: int) -> None:
        seconds = self.delay(error, attempt)
        log.info(
            "model call failed (%s); retry %d of %d in %.1f s",
            error.message[:120],
            attempt + 1,
            self.max_retries,
            seconds,
        )
        notify_retry(seconds, attempt + 1, self.max_retries)
        await _sleep(seconds)
