"""Run the analysis pipeline over a dataset: every case, every repeat, every tagger.

The verdicts come from exactly the pipeline ``analyse`` uses: each case is prepared and
run by the application layer (:mod:`transcript_judge.service`), as a user's file is.
Role inference runs as it would for a user; the labelled candidate only scores it, unless
``use_labelled_candidate`` is set. A run that fails, or that is partial (some chunks
failed), is counted apart and never scored as a negative; so is a
case whose transcript can't be read (``Dataset.unreadable``), which fails without a call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from .. import service
from ..errors import InputError, LLMError, NoCandidateError, ReplayMissError, TranscriptJudgeError
from ..llm.base import LLM, ChatRequest, ChatResult
from ..llm.settings import ClientSettings
from ..planning import DEFAULT_CONCURRENCY, AnalysisSettings, TaggerName
from ..report.model import Report, ReportVerdict
from ..rubric import Rubric
from .dataset import Case, Dataset

if TYPE_CHECKING:
    import httpx

    from ..batch import BatchProgress

__all__ = ["BoundedLLM", "CaseRun", "EvalSettings", "run_eval", "run_eval_batch"]

Reducer = Literal["majority", "any", "all"]


@dataclass(frozen=True)
class EvalSettings:
    analysis: AnalysisSettings
    taggers: tuple[TaggerName, ...] = ("llm",)
    repeats: int = 1
    concurrency: int = DEFAULT_CONCURRENCY
    reducer: Reducer = "majority"
    use_labelled_candidate: bool = False


@dataclass
class CaseRun:
    """One case, one repeat, one tagger."""

    case_id: str
    tagger: TaggerName
    repeat: int
    status: Literal["ok", "partial", "failed", "missing"]
    error: str = ""
    verdicts: dict[str, ReportVerdict] = field(default_factory=dict)
    #: The report's confidence in each verdict (for calibration).
    confidence: dict[str, float] = field(default_factory=dict)
    #: The probes the report found asked (probe id → turn); None: the report couldn't tell.
    probes_found: dict[str, int] | None = None
    quotes: dict[str, list[str]] = field(default_factory=dict)
    quotes_grounded: int = 0
    quotes_rejected: int = 0
    inferred_candidate: str | None = None
    role_method: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    calls: int = 0
    cache_hits: int = 0
    cost_usd: float | None = 0.0
    reused_prompt_tokens: int = 0
    reused_completion_tokens: int = 0
    reused_cost_usd: float | None = 0.0
    wall_s: float = 0.0
    prompt_version: str = ""

    @property
    def scored(self) -> bool:
        return self.status == "ok"

    def shown(self) -> dict[str, bool]:
        return {c: v == "shown" for c, v in self.verdicts.items()}


class BoundedLLM:
    """Caps in-flight calls across all cases (``--concurrency``)."""

    def __init__(self, inner: LLM, limit: int) -> None:
        self.inner = inner
        self._sem = asyncio.Semaphore(max(1, limit))

    async def complete(self, request: ChatRequest) -> ChatResult:
        async with self._sem:
            return await self.inner.complete(request)


ProgressCallback = Callable[[CaseRun], None]


def prepare_case(
    case: Case, dataset: Dataset, rubric: Rubric, settings: EvalSettings, tagger: TaggerName
) -> service.Prepared:
    """A case as :mod:`transcript_judge.service` prepares a user's file: roles inferred as for a user
    (unless ``use_labelled_candidate``), then planned.

    Raises:
        TranscriptJudgeError: the transcript is unreadable, or has no candidate to judge.
    """
    transcript = dataset.transcripts.get(case.id)
    if transcript is None:  # unreadable (load_dataset(fail_fast=False)): a failed case
        raise InputError(dataset.unreadable.get(case.id, f"{case.transcript} can't be read"))
    candidate = case.candidate if settings.use_labelled_candidate else None
    try:
        roles = service.attribute(transcript, service.ReadChoices(candidate=candidate))
    except TranscriptJudgeError as e:
        raise NoCandidateError(f"role inference: {e.message}", hint=e.hint) from e
    analysis = replace(settings.analysis, tagger=tagger)
    return service.prepare(transcript, roles, source_name=case.transcript, rubric=rubric, settings=analysis)


def _plan_case(
    case: Case, dataset: Dataset, rubric: Rubric, settings: EvalSettings, tagger: TaggerName, repeat: int
) -> tuple[CaseRun, service.Prepared | None]:
    """The run's record and the prepared case; None when the case fails here (a failed run)."""
    run = CaseRun(case_id=case.id, tagger=tagger, repeat=repeat, status="failed")
    try:
        prepared = prepare_case(case, dataset, rubric, settings, tagger)
    except TranscriptJudgeError as e:
        run.error = e.message
        return run, None
    run.inferred_candidate, run.role_method = prepared.roles.candidate, prepared.roles.method
    return run, prepared


def _record(run: CaseRun, r: Report) -> CaseRun:
    """Copy what scoring needs from a finished report into the run."""
    run.status = "partial" if r.partial else "ok"
    if r.partial:
        run.error = f"{r.coverage.chunks_failed} of {r.coverage.chunks_total} chunks failed"
    run.verdicts = {f.criterion_id: f.verdict for f in r.findings}
    run.confidence = {f.criterion_id: f.confidence for f in r.findings}
    if r.interview is not None and r.interview.probes_available:
        run.probes_found = {p.probe_id: p.quote.turn for p in r.interview.probes}
    run.quotes = {f.criterion_id: [q.text for q in f.quotes] for f in r.findings if f.quotes}
    run.quotes_grounded, run.quotes_rejected = r.coverage.quotes_grounded, r.coverage.quotes_rejected
    run.prompt_tokens, run.completion_tokens = r.usage.prompt_tokens, r.usage.completion_tokens
    run.cached_tokens, run.calls, run.cache_hits = r.usage.cached_prompt_tokens, r.usage.calls, r.usage.cache_hits
    run.cost_usd = r.usage.estimated_cost_usd
    run.reused_prompt_tokens = r.usage.cached_prompt_tokens_reused
    run.reused_completion_tokens = r.usage.cached_completion_tokens_reused
    run.reused_cost_usd = r.usage.saved_cost_usd
    run.prompt_version = r.prompt_version
    return run


async def _run_one(
    case: Case,
    dataset: Dataset,
    rubric: Rubric,
    settings: EvalSettings,
    tagger: TaggerName,
    repeat: int,
    llm: LLM | None,
) -> CaseRun:
    started = time.monotonic()
    run, prepared = _plan_case(case, dataset, rubric, settings, tagger, repeat)
    if prepared is None:
        run.wall_s = time.monotonic() - started
        return run
    try:
        result = await service.run(prepared, llm, repeat_index=repeat)
    except ReplayMissError as e:
        run.status, run.error = "missing", e.message
    except LLMError:
        raise  # auth, model not found, bad request: the whole eval is misconfigured
    except TranscriptJudgeError as e:
        run.error = e.message
    else:
        _record(run, result.report)
    run.wall_s = time.monotonic() - started
    return run


async def run_eval_batch(
    dataset: Dataset,
    rubric: Rubric,
    settings: EvalSettings,
    client: ClientSettings,
    *,
    wrap: Callable[[LLM], LLM] | None = None,
    on_batch_progress: Callable[[BatchProgress], None] | None = None,
    http_client: httpx.AsyncClient | None = None,
    poll_interval_s: float = 10.0,
) -> list[CaseRun]:
    """The llm tagger's runs through the OpenAI Batch API (one batch for every case and
    repeat), the lexical tagger's locally. Same scoring as :func:`run_eval`."""
    from ..batch import BatchJob, BatchSettings, run_batch

    runs: list[CaseRun] = []
    pending: list[CaseRun] = []
    jobs: list[BatchJob] = []
    started = time.monotonic()
    for case in dataset.cases:
        for repeat in range(settings.repeats):
            run, prepared = _plan_case(case, dataset, rubric, settings, "llm", repeat)
            if prepared is None:
                runs.append(run)
            else:
                pending.append(run)
                jobs.append(BatchJob(plan=prepared.plan, source_name=case.transcript, repeat_index=repeat))
    if jobs:
        fronts: list[LLM] = []  # one stack in front of the batch, shared by every case

        def shared(llm: LLM, _job: int) -> LLM:
            if not fronts:
                fronts.append(wrap(llm) if wrap is not None else llm)
            return fronts[0]

        results = await run_batch(
            jobs,
            client,
            settings=BatchSettings(poll_interval_s=poll_interval_s),
            http_client=http_client,
            on_progress=on_batch_progress,
            wrap=shared,
        )
        elapsed = (time.monotonic() - started) / len(jobs)
        for run, result in zip(pending, results, strict=True):
            if isinstance(result, TranscriptJudgeError):
                run.error = result.message
            else:
                _record(run, result.report)
            run.wall_s = elapsed
            runs.append(run)
    if "lexical" in settings.taggers:
        runs.extend(await run_eval(dataset, rubric, replace(settings, taggers=("lexical",)), None))
    return runs


async def run_eval(
    dataset: Dataset,
    rubric: Rubric,
    settings: EvalSettings,
    llm: LLM | None,
    *,
    on_progress: ProgressCallback | None = None,
) -> list[CaseRun]:
    """Every (tagger, case, repeat). The lexical tagger is deterministic: it runs once per
    case and its result stands for every repeat."""
    bounded = BoundedLLM(llm, settings.concurrency) if llm is not None else None
    gate = asyncio.Semaphore(max(1, settings.concurrency))

    async def task(case: Case, tagger: TaggerName, repeat: int) -> CaseRun:
        async with gate:
            run = await _run_one(case, dataset, rubric, settings, tagger, repeat, bounded)
        if on_progress:
            on_progress(run)
        return run

    jobs = []
    for tagger in settings.taggers:
        repeats = 1 if tagger == "lexical" else settings.repeats
        for case in dataset.cases:
            for r in range(repeats):
                jobs.append(task(case, tagger, r))
    runs = list(await asyncio.gather(*jobs))
    # replicate the deterministic lexical result across repeats, so reductions line up
    if settings.repeats > 1:
        extra: list[CaseRun] = []
        for run in runs:
            if run.tagger == "lexical":
                extra.extend(replace(run, repeat=r, wall_s=0.0) for r in range(1, settings.repeats))
        runs.extend(extra)
    return runs
