"""What the pages and the JSON API do, in one place: submit, resume, delete, look up.

Both front ends call these methods, so a form post and ``POST /api/analyses`` take the
same path through parsing, the store and the job runner.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..history import AnalysisRecord, Forgotten
from ..llm.base import LLM
from ..llm.factory import close_llm
from ..report.model import Report
from ..transcript import Transcript
from .jobs import TERMINAL, Job, JobRunner
from .pipeline import Prepared, RubricCatalogue, UploadOptions, analyse, parse_turns, prepare
from .settings import WebSettings
from .storage import WebStore
from .views import STATE_LABELS

__all__ = ["AnalysisView", "LLMFactory", "Pending", "Service"]

LLMFactory = Callable[[], LLM | None]
PENDING_TTL_S = 30 * 60
PENDING_MAX = 16
RESUMABLE = frozenset({"interrupted", "failed", "partial"})


@dataclass(frozen=True)
class Pending:
    """An upload waiting for the user's answer (which speaker is the candidate)."""

    data: bytes
    name: str
    options: UploadOptions
    created: float


@dataclass(frozen=True)
class AnalysisView:
    """An analysis as the pages and the API describe it."""

    id: str
    source_name: str
    state: str
    label: str
    message: str
    started_at: str
    finished_at: str | None
    model: str
    prompt_version: str
    chunks_planned: int
    chunks_ok: int | None
    cost_usd: float | None
    options: dict[str, Any]
    resumed_from: str | None
    resumed_by: str | None
    resumable: bool
    has_transcript: bool
    has_report: bool
    error: str | None
    progress: dict[str, Any] | None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


def _message(state: str, progress: dict[str, Any] | None, record: AnalysisRecord, error: str | None) -> str:
    if state == "queued":
        return "Waiting for a free slot: other analyses are running."
    if state in ("analysing", "retrying") and progress is not None:
        msg = f"{progress['judged']} of {progress['total']} chunk(s) judged."
        if state == "retrying":
            msg = (
                "The model service asked us to slow down (rate limit or server error): "
                f"{progress['retry_note']}. Answers already received are kept. " + msg
            )
        return msg
    if state == "analysing":
        return "Running in another process (the command line or another server), or cut off without notice."
    if state == "done":
        return "Finished."
    if state == "partial":
        ok = record.chunks_ok if record.chunks_ok is not None else "some"
        return (
            f"Finished with gaps: {ok} of the chunks were judged; the rest failed. "
            "Retrying sends only the failed chunks again."
        )
    if state == "failed":
        return error or "The analysis failed."
    return (
        "Cut off: the server stopped while this ran. Resume sends only the chunks "
        "that have no saved answer; the rest come from the cache."
    )


class Service:
    def __init__(
        self,
        settings: WebSettings,
        store: WebStore,
        runner: JobRunner,
        rubrics: RubricCatalogue,
        llm_factory: LLMFactory,
    ) -> None:
        self.settings = settings
        self.store = store
        self.runner = runner
        self.rubrics = rubrics
        self.llm_factory = llm_factory
        self._pending: OrderedDict[str, Pending] = OrderedDict()
        self._turns: OrderedDict[str, Transcript | None] = OrderedDict()

    # -- pending uploads (the candidate question) -----------------------------------

    def hold(self, data: bytes, name: str, options: UploadOptions) -> str:
        """Keep an upload while the page asks a question; returns its one-time key."""
        now = time.monotonic()
        for key in [k for k, p in self._pending.items() if now - p.created > PENDING_TTL_S]:
            del self._pending[key]
        while len(self._pending) >= PENDING_MAX:
            self._pending.popitem(last=False)
        key = secrets.token_urlsafe(18)
        self._pending[key] = Pending(data, name, options, now)
        return key

    def take(self, key: str) -> Pending | None:
        pending = self._pending.pop(key, None)
        if pending is None or time.monotonic() - pending.created > PENDING_TTL_S:
            return None
        return pending

    # -- starting runs --------------------------------------------------------------

    async def _prepare(self, data: bytes, name: str, options: UploadOptions) -> Prepared:
        rubric = self.rubrics.get(options.rubric)
        return await asyncio.to_thread(
            prepare,
            data,
            name,
            options,
            rubric=rubric,
            settings=self.settings.analysis,
            max_bytes=self.settings.max_upload_bytes,
        )

    async def submit(self, data: bytes, name: str, options: UploadOptions, *, resumed_from: str | None = None) -> str:
        """Parse and plan now, record the run, and queue it. Returns the analysis id.

        Raises:
            InputError: not a transcript (or too large, empty, binary).
            CandidateNeeded: ask the user which speaker is the candidate.
            RubricError: an unknown rubric key.
        """
        prepared = await self._prepare(data, name, options)
        analysis_id = self.store.new_id()
        self.store.start(
            analysis_id,
            upload_name=name,
            data=data,
            transcript=prepared.original,
            model=prepared.model_label,
            prompt_version=prepared.plan.fingerprint,
            chunks_planned=len(prepared.plan.chunks),
            options=options.recorded(),
            resumed_from=resumed_from,
        )
        self.runner.start(analysis_id, len(prepared.plan.chunks), self._work(prepared))
        return analysis_id

    def _work(self, prepared: Prepared) -> Callable[[Job], Any]:
        async def work(job: Job) -> Report:
            llm = self.llm_factory() if prepared.plan.settings.tagger == "llm" else None
            try:
                return await analyse(
                    prepared,
                    job.id,
                    llm,
                    self.store,
                    on_event=job.on_event,
                    on_call=job.on_call,
                    on_stats=job.on_stats,
                )
            finally:
                closing = close_llm(llm)
                if inspect.isawaitable(closing):
                    await closing

        return work

    async def resume(self, analysis_id: str, *, candidate: str | None = None) -> str | None:
        """Run an interrupted, failed or partial analysis again, as a new run that
        resumes it: answers already in the cache aren't paid for again. With
        ``candidate``, run it again for another speaker (a new analysis).

        Returns:
            The new analysis id, or None if this one can't be resumed.
        """
        view = self.view(analysis_id)
        data = self.store.upload_data(analysis_id)
        if view is None or data is None or (candidate is None and not view.resumable):
            return None
        if candidate is not None and not view.terminal:
            return None
        self.store.interrupt(analysis_id)  # a run left "running" by a dead server
        options = UploadOptions.from_recorded(view.options)
        if candidate is not None:
            options = UploadOptions(**{**options.recorded(), "candidate": candidate, "all_speech": False})
            return await self.submit(data, view.source_name, options)
        return await self.submit(data, view.source_name, options, resumed_from=analysis_id)

    # -- reading --------------------------------------------------------------------

    def _view(self, record: AnalysisRecord, resumed_by: str | None) -> AnalysisView:
        job = self.runner.get(record.id)
        upload = self.store.upload_info(record.id)
        progress = job.progress.snapshot() if job is not None else None
        if job is not None:
            state: str = job.progress.state
        elif record.status == "ok":
            state = "done"
        elif record.status in ("partial", "failed", "interrupted"):
            state = record.status
        elif upload is not None and upload.stale():
            state = "interrupted"  # its server died without marking it
        else:
            state = "analysing"
        error = upload.error if upload is not None else None
        return AnalysisView(
            id=record.id,
            source_name=record.source_name,
            state=state,
            label=STATE_LABELS.get(state, state),
            message=_message(state, progress, record, error),
            started_at=record.started_at,
            finished_at=record.finished_at,
            model=record.model,
            prompt_version=record.prompt_version,
            chunks_planned=record.chunks_planned,
            chunks_ok=record.chunks_ok,
            cost_usd=record.cost_usd,
            options=record.options,
            resumed_from=record.resumed_from,
            resumed_by=resumed_by,
            resumable=state in RESUMABLE and upload is not None and resumed_by is None,
            has_transcript=upload is not None,
            has_report=record.status in ("ok", "partial"),
            error=error,
            progress=progress,
        )

    def views(self, limit: int = 50) -> list[AnalysisView]:
        records = self.store.recent(limit)
        resumed_by = {r.resumed_from: r.id for r in reversed(records) if r.resumed_from}
        return [self._view(r, resumed_by.get(r.id)) for r in records]

    def view(self, analysis_id: str) -> AnalysisView | None:
        record = self.store.record(analysis_id)
        if record is None:
            return None
        return self._view(record, self.store.resumed_by(analysis_id))

    def report(self, analysis_id: str) -> Report | None:
        return self.store.report(analysis_id)

    def transcript(self, analysis_id: str, options: dict[str, Any]) -> Transcript | None:
        """The uploaded transcript, parsed again (cached for the last few pages)."""
        if analysis_id in self._turns:
            self._turns.move_to_end(analysis_id)
            return self._turns[analysis_id]
        info = self.store.upload_info(analysis_id)
        data = self.store.upload_data(analysis_id) if info is not None else None
        parsed = None
        if info is not None and data is not None:
            parsed = parse_turns(
                data,
                info.name,
                UploadOptions.from_recorded(options),
                max_bytes=max(self.settings.max_upload_bytes, len(data)),
            )
        self._turns[analysis_id] = parsed
        while len(self._turns) > 8:
            self._turns.popitem(last=False)
        return parsed

    # -- deleting -------------------------------------------------------------------

    async def delete(self, analysis_id: str) -> Forgotten | None:
        """Stop it if it runs, then delete it, the runs it resumed, and their cached responses."""
        if self.store.record(analysis_id) is None:
            return None
        await self.runner.cancel(analysis_id)
        self._turns.pop(analysis_id, None)
        gone = self.store.forget(analysis_id)
        for other in gone.analyses:
            self._turns.pop(other, None)
        return gone
