"""What the pages and the JSON API do, in one place: submit, answer, resume, delete, look up.

Both front ends call these methods, so a form post and ``POST /api/analyses`` take the
same path through the store and the job runner. Submitting is quick whatever the upload's
size: the spooled file is copied into the store and a job is queued; parsing and planning
happen in the job, in its turn (see :mod:`.jobs`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..history import AnalysisRecord, Forgotten
from ..llm.base import LLM
from ..llm.factory import close_llm
from ..prompting import prompt_fingerprint
from ..report.model import Report
from ..transcript import Transcript
from .jobs import TERMINAL, Job, JobRunner
from .pipeline import (
    KeptTranscript,
    Prepared,
    RubricCatalogue,
    UploadOptions,
    analyse,
    decode_turns,
    parse_turns,
    prepare,
)
from .progress import part_spans
from .settings import WebSettings
from .storage import WebStore
from .uploads import Spooled
from .views import STATE_LABELS

__all__ = ["AnalysisView", "LLMFactory", "Service", "ShownTranscript"]

LLMFactory = Callable[[], LLM | None]
#: A transcript for the report page: the turns its job kept, or (older runs) the upload parsed again.
ShownTranscript = KeptTranscript | Transcript
RESUMABLE = frozenset({"interrupted", "failed", "partial"})
#: Parsed transcripts kept for the report pages: at most this many, from uploads of at most
#: this many bytes in all (a 25 MB upload parses into ~60 MB of turns: not worth keeping).
TURNS_CACHED = 8
TURNS_CACHE_BYTES = 8 * 1024 * 1024


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
    question: dict[str, Any] | None  # what the run asks before it can go on

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


def _message(state: str, progress: dict[str, Any] | None, record: AnalysisRecord, error: str | None) -> str:
    if state == "queued":
        return "Waiting for a free slot: other analyses are running."
    if state == "analysing" and progress is not None and progress.get("phase") == "reading":
        return "Opening the transcript and dividing it into parts…"
    if state in ("analysing", "retrying") and progress is not None and progress.get("said"):
        said = progress["said"]  # the reader's words (web/progress.py)
        return f"{said['waiting']} {said['headline']}" if said["waiting"] else str(said["headline"])
    if state == "analysing":
        return "Running in another process (the command line or another server), or cut off without notice."
    if state == "candidate_needed":
        return error or "Which speaker is the candidate?"
    if state == "done":
        return "Finished."
    if state == "partial":
        ok = record.chunks_ok if record.chunks_ok is not None else "some"
        return (
            f"Finished with gaps: {ok} of the chunks were judged; the rest failed. "
            "Retrying sends only the failed chunks again."
        )
    if state == "failed":
        return error or "The analysis failed: no part of the interview could be judged."
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
        self._turns: OrderedDict[str, tuple[int, ShownTranscript | None]] = OrderedDict()

    # -- starting runs --------------------------------------------------------------

    def _label_and_version(self, options: UploadOptions) -> tuple[str, str]:
        """The run's model label and prompt version, known before the upload is parsed.

        Raises:
            RubricError: an unknown rubric key.
        """
        rubric = self.rubrics.get(options.rubric)
        s = self.settings.analysis
        return s.model_label, prompt_fingerprint(rubric, s.fingerprint_settings())

    async def submit(self, upload: Spooled, options: UploadOptions, *, resumed_from: str | None = None) -> str:
        """Keep the spooled upload in the store, record the run and queue it; the job
        parses and plans it in its turn. The spool file is deleted either way.

        Returns:
            The analysis id.

        Raises:
            RubricError: an unknown rubric key.
        """
        try:
            label, version = self._label_and_version(options)
            analysis_id = self.store.new_id()
            await asyncio.to_thread(
                self.store.start,
                analysis_id,
                upload_name=upload.name,
                spooled=upload.path,
                model=label,
                prompt_version=version,
                options=options.recorded(),
                resumed_from=resumed_from,
            )
        finally:
            upload.discard()
        self._queue(analysis_id, upload.name, options)
        return analysis_id

    def _queue(self, analysis_id: str, name: str, options: UploadOptions) -> None:
        self.runner.start(analysis_id, options, self._work(analysis_id, name, options))

    def _prepare_stored(self, analysis_id: str, name: str, options: UploadOptions) -> Prepared:
        """Parse and plan the stored upload (on a thread: seconds for a large one)."""
        data = self.store.upload_data(analysis_id)
        if data is None:
            raise InputError("The uploaded transcript is no longer in the store.")
        return prepare(
            data,
            name,
            options,
            rubric=self.rubrics.get(options.rubric),
            settings=self.settings.analysis,
            max_bytes=max(self.settings.max_upload_bytes, len(data)),
            budget=self.settings.budget,
        )

    def _work(self, analysis_id: str, name: str, options: UploadOptions) -> Callable[[Job], Any]:
        async def work(job: Job) -> Report:
            async with self.runner.reading():
                prepared = await asyncio.to_thread(self._prepare_stored, analysis_id, name, options)
            turns, prepared.turns = prepared.turns, b""
            await asyncio.to_thread(
                self.store.planned, analysis_id, digest=prepared.digest, chunks=len(prepared.plan.chunks), turns=turns
            )
            del turns
            plan = prepared.plan
            job.planned(len(plan.chunks), part_spans(plan.chunks, plan.transcript.turns))
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

    def answer(
        self,
        analysis_id: str,
        *,
        candidate: str | None = None,
        all_speech: bool = False,
        input_format: str | None = None,
    ) -> bool:
        """Answer the question a run stopped with (which speaker is the candidate; read it
        as plain text), and run it again under the same id.

        Returns:
            False if the analysis isn't waiting for an answer (none asked, already
            answered, or running).

        Raises:
            RubricError: the run's rubric is gone from this server.
        """
        view = self.view(analysis_id)
        if view is None or view.question is None or self.runner.get(analysis_id) is not None:
            return False
        changes: dict[str, Any] = {}
        if all_speech:
            changes.update(candidate=None, all_speech=True)
        elif candidate:
            changes.update(candidate=candidate, all_speech=False)
        if input_format:
            changes["input_format"] = input_format
        if not changes:
            return False
        options = UploadOptions(**{**UploadOptions.from_recorded(view.options).recorded(), **changes})
        self.rubrics.get(options.rubric)
        if not self.store.reopen(analysis_id, options.recorded()):
            return False
        self._turns.pop(analysis_id, None)
        self._queue(analysis_id, view.source_name, options)
        return True

    async def resume(self, analysis_id: str, *, candidate: str | None = None) -> str | None:
        """Run an interrupted, failed or partial analysis again, as a new run that
        resumes it: answers already in the cache aren't paid for again. With
        ``candidate``, run it again for another speaker (a new analysis).

        Returns:
            The new analysis id, or None if this one can't be resumed.
        """
        view = self.view(analysis_id)
        if view is None or not view.has_transcript or (candidate is None and not view.resumable):
            return None
        if candidate is not None and not view.terminal:
            return None
        self.store.interrupt(analysis_id)  # a run left "running" by a dead server
        options = UploadOptions.from_recorded(view.options)
        resumed_from: str | None = analysis_id
        if candidate is not None:
            options = UploadOptions(**{**options.recorded(), "candidate": candidate, "all_speech": False})
            resumed_from = None
        label, version = self._label_and_version(options)
        new_id = self.store.new_id()
        await asyncio.to_thread(
            self.store.start,
            new_id,
            upload_name=view.source_name,
            copy_from=analysis_id,
            model=label,
            prompt_version=version,
            options=options.recorded(),
            resumed_from=resumed_from,
        )
        self._queue(new_id, view.source_name, options)
        return new_id

    # -- reading --------------------------------------------------------------------

    def _view(self, record: AnalysisRecord, resumed_by: str | None) -> AnalysisView:
        job = self.runner.get(record.id)
        upload = self.store.upload_info(record.id)
        progress = job.progress.snapshot() if job is not None else None
        question = upload.question if upload is not None and job is None else None
        if job is not None:
            state: str = job.progress.state
        elif record.status == "ok":
            state = "done"
        elif record.status == "failed" and question is not None and question.get("kind") == "candidate":
            state = "candidate_needed"
        elif record.judged_nothing:
            state = "failed"
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
            question=question,
        )

    def view_of(self, record: AnalysisRecord, resumed_by: str | None) -> AnalysisView:
        """The view of a history row already read (the history list reads them in bulk)."""
        return self._view(record, resumed_by)

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

    def _parse_stored(self, analysis_id: str, options: dict[str, Any]) -> tuple[int, ShownTranscript | None]:
        """The upload's size and its transcript (None if it has none, or no longer parses)."""
        info = self.store.upload_info(analysis_id)
        if info is None:
            return 0, None
        kept = self.store.turns(analysis_id)
        if kept is not None and (shown := decode_turns(kept)) is not None:
            return info.size, shown
        data = self.store.upload_data(analysis_id)
        if data is None:
            return 0, None
        parsed = parse_turns(
            data,
            info.name,
            UploadOptions.from_recorded(options),
            max_bytes=max(self.settings.max_upload_bytes, len(data)),
        )
        return len(data), parsed

    async def transcript(self, analysis_id: str, options: dict[str, Any]) -> ShownTranscript | None:
        """The uploaded transcript: the turns its job kept, or else the upload parsed again
        (on a thread, in a parse slot); the last few small ones are kept in memory."""
        if analysis_id in self._turns:
            self._turns.move_to_end(analysis_id)
            return self._turns[analysis_id][1]
        async with self.runner.reading():
            size, parsed = await asyncio.to_thread(self._parse_stored, analysis_id, options)
        if size <= TURNS_CACHE_BYTES:
            self._turns[analysis_id] = (size, parsed)
            while len(self._turns) > TURNS_CACHED or sum(n for n, _ in self._turns.values()) > TURNS_CACHE_BYTES:
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
