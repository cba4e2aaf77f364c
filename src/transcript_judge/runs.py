"""One analysis run against the store: its history row, its cache, its trace.

``RunSession`` is what makes a run production-grade without the pipeline knowing:

- it records the run (``running``, with the plan's chunk count) before anything is sent;
- it wraps the LLM as ``TracingLLM(CachingLLM(llm))``, so every usable answer is written
  to the store as it arrives and every call is traced;
- on completion it saves the report (``ok``/``partial``); on Ctrl-C or an error it marks
  the run ``interrupted``/``failed``. A killed process leaves it ``running``.

``--resume`` finds the latest run of the same transcript that didn't finish cleanly;
because the cache is keyed by the request, re-running sends only what is missing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from .history import AnalysisRecord, History, RunStart, new_run_id, transcript_digest
from .llm.base import LLM, cache_key
from .llm.cache import CachingLLM
from .planning import Plan
from .report.model import Report
from .store import Store
from .trace import TraceWriter, TracingLLM, default_trace_path
from .transcript import Transcript

__all__ = ["RunOptions", "RunSession", "run_stack"]


@dataclass(frozen=True)
class RunOptions:
    """How a run uses the store and the trace."""

    cache: bool = True
    resume: bool = False
    trace: bool = True
    trace_path: Path | None = None  # None: <TJ_HOME>/traces/<date>.jsonl
    trace_content: bool = False
    # Choices that change the requests without changing the prompt fingerprint
    # (redaction, the candidate); recorded so --resume can say when they differ.
    recorded: dict[str, Any] = field(default_factory=dict)


class RunSession:
    """The store-side life of one run. Use as a context manager."""

    def __init__(
        self,
        store: Store,
        plan: Plan,
        *,
        source: Path,
        original: Transcript,
        options: RunOptions,
        on_call: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.store = store
        self.history = History(store)
        self.plan = plan
        self.options = options
        self.on_call = on_call
        self.id = new_run_id()
        digest = transcript_digest(original)
        self.previous: AnalysisRecord | None = self.history.resumable(digest) if options.resume else None
        self.tracer: TracingLLM | None = None
        self._writer: TraceWriter | None = None
        self.history.start(
            RunStart(
                id=self.id,
                source_name=source.name,
                source_path=str(source.resolve()),
                source_sha256=digest,
                model=plan.settings.model_label,
                prompt_version=plan.fingerprint,
                chunks_planned=len(plan.chunks),
                options=options.recorded,
                resumed_from=self.previous.id if self.previous else None,
            )
        )

    def __enter__(self) -> RunSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is not None:
            interrupted = isinstance(exc, KeyboardInterrupt | click.exceptions.Abort)
            with contextlib.suppress(Exception):  # never hide the original error
                self.history.mark(self.id, "interrupted" if interrupted else "failed")
        if self._writer is not None:
            self._writer.close()

    def resume_mismatch(self) -> list[str]:
        """Why the resumed run's cached answers may not match this one (empty if they do)."""
        prev = self.previous
        if prev is None:
            return []
        problems = []
        if prev.prompt_version != self.plan.fingerprint:
            problems.append(
                f"prompt {prev.prompt_version} then, {self.plan.fingerprint} now (model, rubric or chunking changed)"
            )
        for name, value in self.options.recorded.items():
            if prev.options.get(name) != value:
                problems.append(f"{name} was {prev.options.get(name)!r}, now {value!r}")
        return problems

    def cached_chunks(self, endpoint: str) -> int:
        """How many chunks already have a cached answer from ``endpoint`` to their first request."""
        if not self.options.cache or self.plan.settings.tagger != "llm":
            return 0
        return sum(self.store.has_response(cache_key(r, endpoint)) for r in self.plan.first_requests())

    def wrap(self, llm: LLM) -> TracingLLM:
        """The run's LLM stack (:func:`run_stack`)."""
        if self.options.trace:
            self._writer = TraceWriter(self.options.trace_path or default_trace_path())
        self.tracer = run_stack(
            llm,
            self.store,
            analysis_id=self.id,
            fingerprint=self.plan.fingerprint,
            cache=self.options.cache,
            writer=self._writer,
            include_content=self.options.trace_content,
            on_call=self.on_call,
        )
        return self.tracer

    def finish(self, report: Report) -> Report:
        """Save the finished report under this run's id, and return it with that id."""
        report = report.model_copy(update={"analysis_id": self.id})
        self.history.finish(self.id, report)
        return report


def run_stack(
    llm: LLM,
    store: Store,
    *,
    analysis_id: str,
    fingerprint: str,
    cache: bool = True,
    writer: TraceWriter | None = None,
    include_content: bool = False,
    on_call: Callable[[dict[str, Any]], None] | None = None,
) -> TracingLLM:
    """The one LLM stack of an analysis, for the CLI, batch and the web app alike: the
    trace outside (so cache hits are traced too), the cache inside, its answers linked to
    ``analysis_id`` (so that ``forget`` deletes them)."""
    cached = CachingLLM(llm, store, enabled=cache, analysis_id=analysis_id)
    return TracingLLM(
        cached,
        writer=writer,
        fingerprint=fingerprint,
        analysis_id=analysis_id,
        include_content=include_content,
        on_call=on_call,
    )
