"""Background jobs: analyses run as asyncio tasks in the server's event loop.

A job's state is one of::

    queued ─▶ analysing ◀─▶ retrying ─▶ done | partial | failed
                 │                   └─▶ interrupted   (server stopped; resumable)
                 └─▶ candidate_needed  (the user must say who the candidate is)

A job starts by reading its upload (parse, roles, plan: the ``reading`` phase of
``analysing``), then judges its chunks. At most ``max_jobs`` jobs run at once, and at
most ``max_jobs`` parses (jobs' and report pages') happen at once: the rest wait, the
jobs as ``queued``. ``retrying`` is shown while a call waits to be retried (rate limit,
server error, timeout: the retry policy and the limiter report each wait through
:data:`~transcript_judge.llm.retry.retry_notice`) and until the next call comes back.
Progress comes from the pipeline's :class:`~transcript_judge.analysis.Event` stream and
from the per-call trace records; neither carries transcript text. The durable state
(running, finished, interrupted) is in the store; this module holds only what is live.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import TranscriptJudgeError
from ..events import Event
from ..llm.retry import retry_notice
from ..report.model import Report
from ..trace import CallStats
from .pipeline import UploadOptions, question_of
from .progress import PartClock, PartSpan, describe, duration_words
from .security import clip
from .storage import WebStore

__all__ = ["TERMINAL", "Job", "JobRunner", "JobState", "Progress"]

log = logging.getLogger(__name__)

JobState = Literal["queued", "analysing", "retrying", "candidate_needed", "done", "partial", "failed", "interrupted"]
TERMINAL: frozenset[str] = frozenset({"candidate_needed", "done", "partial", "failed", "interrupted"})
Phase = Literal["waiting", "reading", "judging"]
HEARTBEAT_S = 10.0


def release_memory() -> None:
    """Hand freed heap memory back to the OS (glibc keeps it after a big parse)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


@dataclass
class Progress:
    """What a job has done so far. Counts and statuses only, never transcript text."""

    state: JobState = "queued"
    phase: Phase = "waiting"
    total: int = 0
    judged: int = 0
    chunks: dict[int, str] = field(default_factory=dict)
    details: dict[int, str] = field(default_factory=dict)
    retry_note: str = ""
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    stats: CallStats | None = None  # the run's call statistics, once its LLM stack exists
    clock: PartClock = field(default_factory=PartClock)  # the parts, for the reader's words
    wait: dict[str, Any] | None = None  # a retry wait under way: until (monotonic), rate_limited
    waits: int = 0  # retry waits so far (rate limits and server errors)

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """JSON for the page and the API: the operator's counts, and ``said``, the
        reader's words (:func:`.progress.describe`) once the parts are known."""
        now = time.monotonic() if now is None else now
        s = self.stats
        waiting = s.oldest_in_flight(now) if s is not None else None
        elapsed = now - self.started
        at_model = list(s.in_flight.values()) if s is not None else []
        # A wait is news until it ends, and after that while no answer has come back.
        wait = self.wait if self.wait and (self.wait["until"] > now or self.state == "retrying") else None
        said = (
            describe(self.clock, elapsed_s=elapsed, now=now, wait=wait, at_model=at_model)
            if self.phase == "judging"
            else None
        )
        return {
            "state": self.state,
            "phase": self.phase,
            "total": self.total,
            "judged": min(self.judged, self.total),
            "calls": s.calls if s else 0,
            "cache_hits": s.cache_hits if s else 0,
            "retries": s.retries if s else 0,
            "waits": self.waits,
            "retry_note": self.retry_note,
            "chunks": [
                {"index": i, "status": st, "detail": self.details.get(i, "")} for i, st in sorted(self.chunks.items())
            ],
            "waiting_s": None if waiting is None else round(waiting, 1),
            "elapsed_s": round(elapsed, 1),
            "elapsed": duration_words(elapsed),
            "said": said,
            "error": self.error,
        }


class Job:
    """One live analysis, observed by the pages through :meth:`wait`."""

    def __init__(self, analysis_id: str, options: UploadOptions) -> None:
        self.id = analysis_id
        self.options = options
        self.progress = Progress()
        self.version = 0
        self.report: Report | None = None
        self.task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    @property
    def terminal(self) -> bool:
        return self.progress.state in TERMINAL

    def changed(self) -> None:
        self.version += 1
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait(self, seen: int, within_s: float) -> int:
        """Wait until the job changes after version ``seen`` (at most ``within_s``)."""
        if self.version == seen and not self.terminal:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), within_s)
        return self.version

    def set_state(self, state: JobState) -> None:
        self.progress.state = state
        self.changed()

    def planned(self, total: int, spans: Sequence[PartSpan] = ()) -> None:
        """The upload is planned: ``total`` chunks to judge, covering ``spans`` of the
        interview (:func:`.progress.part_spans`; none: times unknown)."""
        p = self.progress
        p.phase, p.total = "judging", total
        p.chunks = dict.fromkeys(range(total), "waiting")
        p.clock = PartClock(spans=list(spans) or [PartSpan(None, None)] * total)
        self.changed()

    # -- observers: the pipeline's events, trace records and SDK retry notices --------

    def on_event(self, event: Event) -> None:
        p = self.progress
        now = time.monotonic()
        if event.kind == "planned":
            p.total = max(p.total, event.total)
        elif event.kind == "chunk_started" and event.chunk is not None:
            p.chunks[event.chunk] = "sending"
            p.clock.on_started(event.chunk, now)
        elif event.kind == "rechunk" and event.chunk is not None:
            p.total += 1  # one chunk became two smaller ones
            p.chunks[event.chunk] = "split"
            p.details[event.chunk] = event.detail
            p.clock.on_split(event.chunk)
        elif event.kind == "chunk_done" and event.chunk is not None:
            p.judged += 1
            p.chunks[event.chunk] = event.status
            if event.detail:
                p.details[event.chunk] = event.detail
            p.clock.on_done(event.chunk, event.status)
        self.changed()

    def on_stats(self, stats: CallStats) -> None:
        self.progress.stats = stats

    def on_call(self, record: dict[str, Any]) -> None:
        p = self.progress
        at_model = len(p.stats.in_flight) if p.stats is not None else 0
        if "prompt_tokens" in record:  # an answer (errors and cancellations have no usage)
            latency = float(record.get("latency_s") or 0.0)
            p.clock.on_call(latency, cache_hit=bool(record.get("cache_hit")), still_at_model=at_model)
        if p.state == "retrying" and not record.get("cache_hit"):
            p.state = "analysing"  # a call came back: the service answers again
        self.changed()

    def on_retry(self, wait_s: float, attempt: int, limit: int, rate_limited: bool) -> None:
        p = self.progress
        p.waits += 1
        why = "rate limit" if rate_limited else "server error"
        p.retry_note = f"{why}: retry {attempt} of {limit}, waiting {wait_s:.1f} s"
        p.wait = {"until": time.monotonic() + wait_s, "rate_limited": rate_limited}
        if p.state in ("analysing", "retrying"):
            p.state = "retrying"
        self.changed()


Work = Callable[[Job], Awaitable[Report]]


class JobRunner:
    """Starts, tracks and cancels jobs; at most ``max_jobs`` analyse at once, and at most
    ``max_jobs`` uploads are parsed at once (:meth:`reading`)."""

    def __init__(self, store: WebStore, *, max_jobs: int) -> None:
        self.store = store
        self.max_jobs = max_jobs
        self._jobs: dict[str, Job] = {}
        self._slots: asyncio.Semaphore | None = None
        self._parsing: asyncio.Semaphore | None = None
        self._beat: asyncio.Task[None] | None = None
        self.stopping = False  # the server is shutting down: event streams should end

    def get(self, analysis_id: str) -> Job | None:
        return self._jobs.get(analysis_id)

    def live(self) -> set[str]:
        return set(self._jobs)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Hold one of the ``max_jobs`` parse slots: a large upload costs hundreds of
        megabytes while it is parsed, so a burst of them must take turns."""
        if self._parsing is None:
            self._parsing = asyncio.Semaphore(self.max_jobs)
        async with self._parsing:
            yield

    def start(self, analysis_id: str, options: UploadOptions, work: Work) -> Job:
        """Queue ``work`` for a run already recorded as ``running`` in the store."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_jobs)
        if self._beat is None or self._beat.done():
            self._beat = asyncio.create_task(self._heartbeat(), name="tj-web-heartbeat")
        job = Job(analysis_id, options)
        self._jobs[analysis_id] = job
        job.task = asyncio.create_task(self._run(job, work, self._slots), name=f"tj-web-job-{analysis_id}")
        return job

    async def _run(self, job: Job, work: Work, slots: asyncio.Semaphore) -> None:
        retry_notice.set(job.on_retry)  # this task's context, inherited by its calls
        try:
            async with slots:
                job.progress.started = time.monotonic()
                job.progress.phase = "reading"
                job.set_state("analysing")
                report = await work(job)
            self.store.finish(job.id, report)
            job.report = report
            job.progress.total = max(job.progress.total, report.coverage.chunks_total)
            job.progress.judged = report.coverage.chunks_total
            job.set_state(report.outcome)  # "failed" when no chunk could be judged
        except asyncio.CancelledError:
            self.store.interrupt(job.id)
            job.set_state("interrupted")
            raise
        except TranscriptJudgeError as e:
            message = clip(e.message + (f" ({e.hint})" if e.hint else ""), 1000)
            question = question_of(e, job.options)
            self.store.fail(job.id, message, question=question)
            job.progress.error = message
            job.set_state("candidate_needed" if question and question["kind"] == "candidate" else "failed")
        except Exception as e:
            log.exception("analysis %s failed", job.id)
            message = f"Internal error ({type(e).__name__}). This is a bug; the server log has the details."
            self.store.fail(job.id, message)
            job.progress.error = message
            job.set_state("failed")
        finally:
            self._jobs.pop(job.id, None)
            if not self._jobs:
                release_memory()

    async def _heartbeat(self) -> None:
        while True:
            self.store.heartbeat(sorted(self._jobs))
            await asyncio.sleep(HEARTBEAT_S)

    def stop_streams(self) -> None:
        """The server is stopping: wake every event stream so it can end."""
        self.stopping = True
        for job in list(self._jobs.values()):
            job.changed()

    async def cancel(self, analysis_id: str) -> None:
        """Stop a live job (it becomes ``interrupted``); no-op if it isn't running here."""
        job = self._jobs.get(analysis_id)
        if job is None or job.task is None:
            return
        job.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job.task

    async def shutdown(self) -> None:
        """Stop every job: each is marked ``interrupted`` and can be resumed later."""
        for analysis_id in list(self._jobs):
            await self.cancel(analysis_id)
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
            self._beat = None
