"""Seeing the SDK's retries while they happen, per job.

Rate limits (429) are retried by our limiter, which calls ``limiter.retry_notice``. The
OpenAI SDK retries server errors and timeouts itself, and says so only in a log line: ``Retrying request in 1.5 seconds
(retry 1 of 4)``. A filter on that logger hands the numbers to the job whose task made
the call (a context variable, which asyncio tasks inherit), so the page can say
"retrying" while the wait is on, instead of after the fact.

The filter only reads: it lets through exactly what the logger would have emitted
before, so installing it changes no one's log output.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from contextvars import ContextVar

from ..limiter import retry_notice

__all__ = ["RetryListener", "install", "listener"]

RetryListener = Callable[[float, int, int], None]  # wait seconds, retry number, retry limit

# One context variable for both kinds of retry: the SDK's (5xx, timeouts; read from its log
# line below) and our limiter's 429 waits, which call it directly.
listener: ContextVar[RetryListener | None] = retry_notice

_SDK_LOGGER = "openai._base_client"
_PREFIX = "Retrying request in"


class _RetryTap(logging.Filter):
    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold  # what the logger emitted before we lowered its level

    def filter(self, record: logging.LogRecord) -> bool:
        notify = listener.get()
        if notify is not None and str(record.msg).startswith(_PREFIX):
            args = record.args
            # An SDK that words it differently gives no live notice, and breaks nothing.
            if isinstance(args, tuple) and len(args) == 3:
                with contextlib.suppress(TypeError, ValueError):
                    wait, attempt, limit = (str(a) for a in args)
                    notify(float(wait), int(attempt), int(limit))
        return record.levelno >= self.threshold


def install() -> None:
    """Tap the SDK's retry notices (idempotent)."""
    logger = logging.getLogger(_SDK_LOGGER)
    if any(isinstance(f, _RetryTap) for f in logger.filters):
        return
    threshold = logger.getEffectiveLevel()
    logger.addFilter(_RetryTap(threshold))
    if threshold > logging.INFO:
        logger.setLevel(logging.INFO)
