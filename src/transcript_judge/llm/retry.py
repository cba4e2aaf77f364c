"""The one retry policy for model calls, and the one channel that reports retries.

The SDK is built with ``max_retries=0``: every retry decision is made here, where it can
be seen and tested. Three kinds of failure, three answers:

- **a server error or a dropped connection** (5xx that isn't about the request's format,
  408, 409, connection reset): retried up to ``max_retries`` times with exponential
  backoff and jitter, honouring ``Retry-After`` (:meth:`RetryPolicy.should_retry`);
- **429 rate limits**: waited out up to ``rate_limit_attempts`` times, for the server's
  ``Retry-After`` or an exponential backoff, plus up to 25% jitter so that waiting calls
  don't all return at once (:meth:`RetryPolicy.rate_limit_delay`). The chat client leaves
  them to the adaptive limiter (:mod:`transcript_judge.limiter`), which asks this policy
  how long to wait and meanwhile gives its slot back and halves concurrency; a call with
  no limiter in front of it (the Batch API's uploads and polls) waits them out in
  :meth:`RetryPolicy.call`;
- **a timeout**: never re-sent. A local server keeps generating an answer whose client
  has gone, so a re-send doubles its work and the retry times out too (seen with
  llama-cpp-python: four re-sends, ten minutes, nothing judged). The error says what
  happened and which setting to raise.

Whoever wants to show retries as they happen (the web page's progress, ``--verbose``)
sets :data:`retry_notice`; it is called with (seconds to wait, retry number, limit, and
whether the wait is for a rate limit rather than a server error).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from ..errors import LLMError, LLMRateLimitError, LLMTimeoutError, LLMTransientError

__all__ = ["RetryPolicy", "notify_retry", "retry_notice"]

log = logging.getLogger(__name__)

#: Who wants to hear about a retry as its wait starts: called with (seconds, retry
#: number, retry limit, rate limited). Tasks inherit it.
retry_notice: ContextVar[Callable[[float, int, int, bool], None] | None] = ContextVar(
    "transcript_judge_retry_notice", default=None
)

_sleep = asyncio.sleep  # tests replace this to record waits instead of sleeping

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


def notify_retry(wait: float, attempt: int, limit: int, *, rate_limited: bool) -> None:
    notify = retry_notice.get()
    if notify is not None:
        notify(wait, attempt, limit, rate_limited)


@dataclass(frozen=True)
class RetryPolicy:
    """When to re-send a failed call, and how long to wait first."""

    max_retries: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    #: 429s waited out before the error goes to the caller, and the longest such wait.
    rate_limit_attempts: int = 10
    rate_limit_max_delay_s: float = 60.0

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

    def rate_limit_delay(self, error: LLMError, attempts: int) -> float | None:
        """How long to wait out a 429 before sending again; None when ``error`` isn't one,
        or ``attempts`` (429s so far, this one included) are enough."""
        if not isinstance(error, LLMRateLimitError) or attempts >= self.rate_limit_attempts:
            return None
        cap = self.rate_limit_max_delay_s
        backoff = min(cap, self.base_delay_s * 2.0 ** min(attempts, 8))
        wait = min(cap, error.retry_after) if error.retry_after is not None else backoff
        return wait * (1 + 0.25 * random.random())

    async def call(
        self, send: Callable[[], Awaitable[T]], to_error: Callable[[Exception], LLMError], *, sleep: Sleep | None = None
    ) -> T:
        """``send()`` until it succeeds or this policy gives up, for a call no limiter stands
        in front of. ``to_error`` turns what ``send`` raised into ours; that error is raised
        ``from`` the original."""
        retries = limited = 0
        while True:
            try:
                return await send()
            except Exception as e:  # every failure becomes ours, via to_error
                error = to_error(e)
                if self.should_retry(error, retries):
                    await self.wait(error, retries, sleep=sleep)
                    retries += 1
                    continue
                limited += isinstance(error, LLMRateLimitError)
                seconds = self.rate_limit_delay(error, limited)
                if seconds is None:
                    raise error from e
                await self.wait_out(seconds, limited, sleep=sleep)

    async def wait_out(self, seconds: float, attempt: int, *, sleep: Sleep | None = None) -> None:
        """Wait out 429 number ``attempt`` for ``seconds`` (:meth:`rate_limit_delay`)."""
        limit = self.rate_limit_attempts - 1
        log.info("rate limited (429); retrying in %.1f s (retry %d of %d)", seconds, attempt, limit)
        notify_retry(seconds, attempt, limit, rate_limited=True)
        await (sleep or _sleep)(seconds)

    async def wait(self, error: LLMError, attempt: int, *, sleep: Sleep | None = None) -> None:
        """Wait before retry ``attempt + 1`` of a server error (``sleep``: the caller's clock)."""
        seconds = self.delay(error, attempt)
        log.info(
            "model call failed (%s); retry %d of %d in %.1f s",
            error.message[:120],
            attempt + 1,
            self.max_retries,
            seconds,
        )
        notify_retry(seconds, attempt + 1, self.max_retries, rate_limited=False)
        await (sleep or _sleep)(seconds)
