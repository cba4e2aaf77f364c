"""Many analyses through the OpenAI Batch API: half the price, no thousands of open calls.

The analyses run exactly as they do synchronously (``run_analysis``: the same prompts,
validation, re-asks, re-chunking, grounding and report), but each model call waits for the
next *batch round* (:class:`.llm.batching.BatchingLLM`) instead of going out on its own:

1. every analysis starts, and each of its chunks asks for its first answer;
2. when no analysis can ask for anything more without an answer, the round's requests go
   to the provider's Batch API driver (:class:`.llm.openai_batch.OpenAIBatches`: one JSONL
   line per distinct request, the synchronous client's body, parsing and errors), which
   returns each request's answer or failure when the batch ends;
3. the analyses go on. A re-ask (invalid answer) or a re-chunk (truncated answer, context
   length) asks again, and those requests make the next round. Most runs need one round.

**When a round is ready.** A round must not go out while an analysis is about to ask for
more (that request would wait a whole extra batch, up to 24 h), nor wait for a request
that will never come. It is ready when every analysis that hasn't finished has as many
calls waiting as it has chunks at work, counted from its own progress events
(:class:`_Activity`): ``planned`` announces the first chunks, a ``rechunk`` replaces a
chunk by its two halves, ``chunk_done`` ends one. This rests on what ``run_analysis``
guarantees: every model call is made by a chunk, one at a time, between its announcement
and its ``chunk_done``; so when the counts are equal, every chunk at work is waiting for
an answer, and nothing but the answers can bring a new request. An analysis that hasn't
announced its chunks yet is never ready; one whose chunks are all done (building its
report) can't ask again. The count is checked whenever something changes (a request
arrives, an event, an analysis ends), never on a timer or after a number of event-loop
turns. A chunk waiting for something else (a 429 backoff in a layer in front of the batch,
a cache on disk) keeps its round waiting until it asks.

Per-request failures are chunk outcomes, as in a synchronous run: a failed line, or a
request the batch didn't answer (it expired or was cancelled first), fails that chunk, and
the report says so; a context-length error re-chunks. A batch that fails as a whole (its
input was rejected) raises :class:`LLMBadRequestError`.

Resumable: running the same analyses again after an interruption resumes the batch that
was being waited for (the driver keeps its id under ``<TJ_HOME>/batches``). The saved ids
are removed when every analysis has its report.

Cost is reported at batch prices (``estimate_cost(..., batch=True)``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import httpx

from .analysis import AnalysisResult, run_analysis
from .errors import TranscriptJudgeError
from .events import Event, EventCallback
from .llm.base import LLM
from .llm.batching import BatchingLLM
from .llm.openai_batch import BatchProgress, BatchSettings, OpenAIBatches, ProgressCallback, custom_id
from .llm.retry import Sleep
from .llm.settings import ClientSettings
from .planning import Plan
from .report.model import Warning

# BatchSettings and BatchProgress are run_batch's own parameter and callback types.
__all__ = ["BatchJob", "BatchProgress", "BatchSettings", "run_batch"]


@dataclass(frozen=True)
class BatchJob:
    """One analysis to run in the batch: a plan and what ``run_analysis`` needs with it."""

    plan: Plan
    source_name: str
    repeat_index: int = 0
    extra_warnings: tuple[Warning, ...] = ()
    on_event: EventCallback | None = None


@dataclass
class _Activity:
    """How many of one analysis's chunks are at work, from its events (None: not started)."""

    working: int | None = None

    def count(self, event: Event) -> None:
        if event.kind == "planned":
            self.working = event.total
        elif self.working is not None and event.kind == "rechunk":
            self.working += 1  # the chunk ends, its two halves begin
        elif self.working is not None and event.kind == "chunk_done":
            self.working -= 1


class _Rounds:
    """Sends a round whenever one is ready (see the module docstring), until every analysis is done."""

    def __init__(self, api: OpenAIBatches, jobs: Sequence[BatchJob]) -> None:
        self.api = api
        self.changed = asyncio.Event()
        self.llm = BatchingLLM(custom_id, on_arrival=self.changed.set)
        self.activity = [_Activity() for _ in jobs]
        self.callbacks = [self._listener(a, job.on_event) for a, job in zip(self.activity, jobs, strict=True)]

    def _listener(self, activity: _Activity, forward: EventCallback | None) -> EventCallback:
        def on_event(event: Event) -> None:
            activity.count(event)
            self.changed.set()
            if forward is not None:
                forward(event)

        return on_event

    def ready(self, tasks: Sequence[asyncio.Task[AnalysisResult]]) -> bool:
        working = 0
        for task, activity in zip(tasks, self.activity, strict=True):
            if task.done():
                continue
            if activity.working is None:
                return False
            working += activity.working
        return working == self.llm.waiting

    async def run(self, tasks: Sequence[asyncio.Task[AnalysisResult]]) -> None:
        for task in tasks:
            task.add_done_callback(lambda _: self.changed.set())
        while not all(t.done() for t in tasks):
            self.changed.clear()
            if self.llm.waiting and self.ready(tasks):
                self.llm.resolve(await self.api.answer(self.llm.take()))
            else:
                await self.changed.wait()


async def _analyse(job: BatchJob, llm: LLM, on_event: EventCallback) -> AnalysisResult:
    # Every chunk asks at once: the batch is the only limit.
    unlimited = replace(job.plan.settings, concurrency=max(job.plan.settings.concurrency, 1_000_000))
    return await run_analysis(
        replace(job.plan, settings=unlimited),
        llm,
        source_name=job.source_name,
        repeat_index=job.repeat_index,
        on_event=on_event,
        extra_warnings=list(job.extra_warnings),
        batch_pricing=True,
    )


def _result(task: asyncio.Task[AnalysisResult]) -> AnalysisResult | TranscriptJudgeError:
    """A finished analysis's result, or the error that stopped it alone (a bug propagates)."""
    error = task.exception()
    if error is None:
        return task.result()
    if isinstance(error, TranscriptJudgeError):
        return error
    raise error


async def run_batch(
    jobs: Sequence[BatchJob],
    client_settings: ClientSettings,
    *,
    settings: BatchSettings | None = None,
    http_client: httpx.AsyncClient | None = None,
    on_progress: ProgressCallback | None = None,
    wrap: Callable[[LLM, int], LLM] | None = None,
    sleep: Sleep = asyncio.sleep,
) -> list[AnalysisResult | TranscriptJudgeError]:
    """Run ``jobs`` through the OpenAI Batch API; one result per job, in order.

    Each result is the :class:`AnalysisResult` a synchronous run would give (cost at batch
    prices), or the error that stopped that analysis alone.

    ``wrap(llm, i)`` puts layers in front of the batch for ``jobs[i]``, as in a synchronous
    run: the run's own stack (:meth:`.runs.RunSession.wrap`: its trace, and a cache linked
    to its analysis, whose hits are answered locally and never join a batch), or
    ``lambda llm, i: RecordingLLM(llm, dir)`` to record the answers for ``--replay``.
    ``sleep`` is the clock of every wait (polls, and the Batch API's retries).

    Raises:
        ConfigError: the endpoint has no Batch API (Azure, local servers).
        LLMBadRequestError: a batch failed as a whole (its input was rejected).
        LLMTransientError: ``max_wait_s`` passed with a batch still running; run again to
            resume (the batch id is kept).
        LLMError: the Batch API itself failed (auth, ...), after the retry policy's retries.
    """
    api = OpenAIBatches(
        client_settings, settings or BatchSettings(), http_client=http_client, on_progress=on_progress, sleep=sleep
    )
    rounds = _Rounds(api, jobs)
    fronts = [wrap(rounds.llm, i) if wrap is not None else rounds.llm for i in range(len(jobs))]

    tasks = [asyncio.create_task(_analyse(job, fronts[i], rounds.callbacks[i])) for i, job in enumerate(jobs)]
    try:
        await rounds.run(tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        if http_client is None:  # a client the caller passed in is the caller's to close
            with contextlib.suppress(Exception):
                await api.aclose()
    results = [_result(t) for t in tasks]
    api.forget()
    return results
