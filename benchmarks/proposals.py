"""Prototypes of the changes RESULTS.md recommends, so their effect is measured, not guessed.

They live here because the benchmarks may not edit ``src/``; each docstring says where the
real change would go.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Callable, Iterable, Iterator

from transcript_judge import analysis
from transcript_judge.analysis import Event
from transcript_judge.errors import LLMTransientError
from transcript_judge.language import detect_language
from transcript_judge.limiter import AdaptiveLimiter
from transcript_judge.llm.base import LLM, ChatRequest, ChatResult

__all__ = ["GatedLLM", "language_detection_during_calls"]


@contextlib.contextmanager
def language_detection_during_calls() -> Iterator[Callable[[Event], None]]:
    """Run language detection on a thread while the calls are in flight.

    The real change, in ``run_analysis``: start
    ``asyncio.create_task(asyncio.to_thread(detect_language, candidate_texts))`` before
    ``_judge_all`` and await it after. langdetect loads its 55 language profiles on first use
    (about 1 s on this machine), after the last call has returned; nothing about it depends
    on the calls. Here the thread starts at the first ``chunk_started`` event (after the
    requests are built, so it doesn't compete with them for the GIL), and the patched
    ``detect_language`` in ``run_analysis`` just joins it.

    Yields the ``on_event`` callback to pass to ``run_analysis``.
    """
    result: list[str | None] = []
    thread: list[threading.Thread] = []
    texts: list[str] = []

    def on_event(event: Event) -> None:
        if event.kind == "chunk_started" and not thread:
            t = threading.Thread(target=lambda: result.append(detect_language(["warm the profiles up now"])))
            t.start()
            thread.append(t)

    def patched(sample: Iterable[str]) -> str | None:
        texts.extend(sample)
        if thread:
            thread[0].join()  # profiles are loaded; detecting 5000 characters takes milliseconds
        return detect_language(texts)

    original = analysis.detect_language
    analysis.detect_language = patched
    try:
        yield on_event
    finally:
        analysis.detect_language = original


class GatedLLM:
    """Rate-limit-aware calls: a 429 gives its slot back and waits its turn.

    The SDK retries a 429 on its own, up to ``max_retries`` times, each after the server's
    ``Retry-After``; every waiting request retries at the same moment and most lose again,
    and a queue longer than about ``max_retries`` slots fails (the failed chunks in
    RESULTS.md). Here the SDK doesn't retry 429s (the client is built with
    ``max_retries=0``, which in this prototype also turns off its 5xx retries); this layer
    does, holding an :class:`AdaptiveLimiter` slot only while a request is actually at the
    server: a 429 halves the limit at once (not when the call finishes), releases the slot,
    backs off with jitter, then queues for a slot again. Retries are counted.

    The real change: in ``OpenAIChatLLM``, stop the SDK retrying 429 only (override the
    client's ``_should_retry`` for status 429, or an httpx event hook setting
    ``x-should-retry: false``), raise an ``LLMRateLimitError(LLMTransientError)`` carrying
    ``Retry-After``, and move ``_judge_all``'s limiter into a wrapper like this one, around
    each call instead of around each chunk.
    """

    def __init__(self, inner: LLM, maximum: int, *, max_attempts: int = 12, base_delay_s: float = 0.25,
                 max_delay_s: float = 4.0) -> None:
        self.inner = inner
        self.limiter = AdaptiveLimiter(maximum)
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.rate_limited = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        attempt = 0
        while True:
            async with self.limiter.slot():
                try:
                    result = await self.inner.complete(request)
                except LLMTransientError as e:
                    if e.status_code != 429 or attempt + 1 >= self.max_attempts:
                        raise
                    self.limiter.report(pushed_back=True)
                    self.rate_limited += 1
                else:
                    self.limiter.report(pushed_back=False)
                    return result.model_copy(update={"retries": result.retries + attempt})
            attempt += 1
            delay = min(self.max_delay_s, self.base_delay_s * 2 ** min(attempt, 6))
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
