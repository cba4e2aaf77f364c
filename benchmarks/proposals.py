"""Prototypes of the changes RESULTS.md recommends, so their effect is measured, not guessed.

They live here because the benchmarks may not edit ``src/``; each docstring says where the
real change would go.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from transcript_judge import analysis
from transcript_judge.analysis import Event
from transcript_judge.errors import LLMTransientError
from transcript_judge.injection import InjectionHit, detect_injection
from transcript_judge.language import detect_language
from transcript_judge.limiter import AdaptiveLimiter
from transcript_judge.llm.base import LLM, ChatRequest, ChatResult
from transcript_judge.roles import assign_roles
from transcript_judge.transcript import Transcript

__all__ = ["GatedLLM", "cached_line_normalization", "repeated_work_cached", "transcript_checks_during_calls"]


@contextlib.contextmanager
def transcript_checks_during_calls(transcript: Transcript) -> Iterator[Callable[[Event], None]]:
    """Run the checks that need only the transcript on a thread while the calls are in flight.

    The real change, in ``run_analysis``: start
    ``asyncio.create_task(asyncio.to_thread(_transcript_checks, plan))`` (language detection
    and the injection scan, both pure functions of the transcript) before ``_judge_all``, and
    await it after. Today both run after the last call has returned: langdetect loads its 55
    language profiles on first use (about 0.5-1 s here), and the injection scan runs its
    regular expressions over every turn (about 0.2 s for 3 hours). Here the thread starts at
    the first ``chunk_started`` event (after the first request is built, so it doesn't
    compete with it for the GIL), and ``run_analysis``'s calls to ``detect_language`` and
    ``detect_injection`` are patched to wait for it and return its results.

    Yields the ``on_event`` callback to pass to ``run_analysis``.
    """
    results: dict[str, Any] = {}
    started: list[threading.Thread] = []

    def work() -> None:
        candidate = assign_roles(transcript).candidate if transcript.has_speaker_labels else None
        texts = [t.text for t in transcript.turns if candidate is None or t.speaker == candidate]
        results["injection"] = detect_injection(transcript)
        results["language"] = detect_language(texts)

    def on_event(event: Event) -> None:
        if event.kind == "chunk_started" and not started:
            thread = threading.Thread(target=work)
            thread.start()
            started.append(thread)

    def wait() -> None:
        if not started:
            work()
        else:
            started[0].join()

    def language(sample: Iterable[str]) -> str | None:
        wait()
        return results["language"]  # type: ignore[no-any-return]

    def injection(t: Transcript) -> list[InjectionHit]:
        wait()
        return results["injection"]  # type: ignore[no-any-return]

    originals = analysis.detect_language, analysis.detect_injection
    analysis.detect_language, analysis.detect_injection = language, injection  # type: ignore[assignment]
    try:
        yield on_event
    finally:
        analysis.detect_language, analysis.detect_injection = originals


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

    def __init__(
        self, inner: LLM, maximum: int, *, max_attempts: int = 12, base_delay_s: float = 0.25, max_delay_s: float = 4.0
    ) -> None:
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


_ASCII_WORD = re.compile(r"[a-z0-9]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")


@contextlib.contextmanager
def cached_line_normalization() -> Iterator[None]:
    """Normalise a line fast, and once, not once per quote checked against it.

    The real change, in ``grounding.py``: ``_normalize`` (the text only, no index map)
    gets an ASCII fast path, ``" ".join(re.findall(r"[a-z0-9]+", text.replace("'", "").lower()))``,
    identical to ``normalize_with_map(text)[0]`` for ASCII text (checked on 50,000 random
    strings; non-ASCII text keeps the per-character path), and ``@functools.lru_cache``.
    ``_find`` then stops re-normalising every candidate line of the chunk, character by
    character, for every quote that isn't an exact match; ``normalize_with_map`` stays for
    ``_span``, once per kept quote.
    """
    from transcript_judge import grounding

    original = grounding._normalize

    @functools.lru_cache(maxsize=8192)
    def fast(text: str) -> str:
        if not text.isascii():
            return original(text)
        return " ".join(_ASCII_WORD.findall(text.replace("'", "").lower()))

    grounding._normalize = fast  # type: ignore[assignment]
    try:
        yield
    finally:
        grounding._normalize = original


@contextlib.contextmanager
def repeated_work_cached() -> Iterator[None]:
    """Stop redoing, per analysis, work that depends only on its inputs.

    An evaluation analyses each transcript once per repeat, and every analysis recomputes the
    same pure functions of the same text. Profiled on the 300-analysis replay, the big ones are
    (real changes in brackets):

    - language detection: langdetect on 5000 characters takes ~40 ms, every analysis
      (``language.py``: a 2000-character sample, which is plenty to tell a language, and an
      ``lru_cache`` on the sample);
    - the injection scan of every turn, and again of every quote's sentences
      (``injection.py``: ``lru_cache`` on ``scan_text``, returning a tuple);
    - token counts of the same lines and of the same static prompt (``tokens.py``: an
      ``lru_cache`` on ``TokenCounter.count``'s text);
    - ``answer_model(rubric)``: a new pydantic model class per plan (``schema.py``: cache it
      by the rubric's canonical JSON);
    - grounding's line normalisation (see :func:`cached_line_normalization`, which this
      includes) and ``normalize_with_map`` for the quote's span (``grounding.py``: the same
      ASCII fast path, keeping the index map, and a cache);
    - ``neutralize`` of the same transcript lines, for every repeat and again for the
      pre-flight check of ``eval --replay`` (``prompting.py``: ``lru_cache``; its
      per-character control-character filter could also be one regular expression);
    - the dataset's evidence check, which normalises each candidate's whole text with the
      index map it then ignores (``evaluation/dataset.py``: the text-only fast path).
    """
    from transcript_judge import grounding, injection, prompting, schema, tokens
    from transcript_judge.evaluation import dataset

    @functools.lru_cache(maxsize=4096)
    def language_of(sample: str) -> str | None:
        return detect_language([sample])

    def language(texts: Iterable[str]) -> str | None:
        return language_of(" ".join(texts)[:2000])

    scan = functools.lru_cache(maxsize=65536)(injection.scan_text)
    models: dict[str, Any] = {}

    def answer_model(rubric: Any) -> Any:
        key = rubric.canonical_json()
        if key not in models:
            models[key] = schema.answer_model(rubric)
        return models[key]

    original_count = tokens.TokenCounter.count

    @functools.lru_cache(maxsize=65536)
    def count(counter: Any, text: str) -> int:
        return original_count(counter, text)

    saved = (analysis.detect_language, injection.scan_text, analysis.answer_model, tokens.TokenCounter.count)
    saved_text = (prompting.neutralize, grounding.normalize_with_map, dataset.normalize_with_map)
    original_map = grounding.normalize_with_map

    @functools.lru_cache(maxsize=65536)
    def fast_map(text: str) -> tuple[str, list[int]]:
        """``normalize_with_map`` with an ASCII fast path (identical output), cached."""
        if not text.isascii():
            return original_map(text)
        out: list[str] = []
        index: list[int] = []
        prev = 0
        for m in _ASCII_RUN.finditer(text):
            a, b = m.span()
            if out and text[prev:a].strip("'"):
                out.append(" ")
                index.append(a)
            out.append(text[a:b].lower())
            index.extend(range(a, b))
            prev = b
        return "".join(out), index

    def text_only(text: str) -> tuple[str, list[int]]:  # the dataset check uses the text only
        if text.isascii():
            return " ".join(_ASCII_WORD.findall(text.replace("'", "").lower())), []
        return original_map(text)

    prompting.neutralize = functools.lru_cache(maxsize=65536)(prompting.neutralize)  # type: ignore[assignment]
    grounding.normalize_with_map = fast_map  # type: ignore[assignment]
    dataset.normalize_with_map = text_only  # type: ignore[assignment]
    analysis.detect_language = language  # type: ignore[assignment]
    injection.scan_text = lambda text: list(scan(text))  # type: ignore[assignment]
    analysis.answer_model = answer_model
    tokens.TokenCounter.count = count  # type: ignore[method-assign,assignment]
    try:
        with cached_line_normalization():
            yield
    finally:
        analysis.detect_language, injection.scan_text, analysis.answer_model, tokens.TokenCounter.count = saved  # type: ignore[method-assign]
        prompting.neutralize, grounding.normalize_with_map, dataset.normalize_with_map = saved_text
