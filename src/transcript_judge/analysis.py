"""The pipeline end to end: plan the chunks, judge them, ground, aggregate, report.

``plan_analysis`` is pure and cheap (it also gives the cost estimate used by budgets);
``run_analysis`` does the calls. Both ``analyse`` and ``eval`` go through here, so the
evaluation harness measures exactly what users get.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from ._version import __version__
from .aggregation import CriterionEvidence, aggregate, injection_review
from .chunking import Chunk, ChunkingSettings, chunk_transcript, compute_budget
from .confirm import confirm_chunk, confirm_requests
from .errors import ContextLengthExceededError, LLMError, LLMTransientError, NoCandidateError
from .grounding import GroundedQuote, RejectedQuote, ground_quote
from .injection import InjectionHit, detect_injection, quote_is_injection
from .judge import ChunkOutcome, JudgeSettings, build_request, judge_chunk, salvage_warnings
from .language import detect_language
from .lexical import LexicalTagger
from .limiter import AdaptiveLimiter, RateLimitedLLM
from .llm.base import LLM, ChatRequest, Usage
from .pricing import NO_OVERRIDES, PriceOverrides, estimate_cost, model_info
from .prompting import PromptBuilder, prompt_fingerprint
from .report.model import (
    LEXICAL_BANNER,
    ChunkReport,
    Coverage,
    Report,
    UsageReport,
    Warning,
)
from .roles import RoleAssignment
from .rubric import Rubric
from .tokens import TokenCounter, get_counter
from .transcript import Transcript

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MODEL",
    "LEXICAL_MODEL_LABEL",
    "AnalysisResult",
    "AnalysisSettings",
    "Estimate",
    "Event",
    "Plan",
    "plan_analysis",
    "run_analysis",
]

DEFAULT_MODEL = "gpt-4.1-mini"
#: The model a report names when no model judged it (the keyword baseline).
LEXICAL_MODEL_LABEL = "lexical-baseline"
#: Model calls in flight at once, unless the user says otherwise (the adaptive limiter lowers it on 429s).
DEFAULT_CONCURRENCY = 4
MAX_SPLIT_DEPTH = 2
Tagger = Literal["llm", "lexical"]
#: How the llm tagger judges a chunk: ``full`` (one answer for every criterion, quotes
#: found by the model) or ``confirm`` (the keyword baseline proposes, the model confirms
#: each proposal with a yes/no; for small local models, see ``confirm.py``).
JudgeMode = Literal["full", "confirm"]
JUDGE_MODES: tuple[str, ...] = ("full", "confirm")


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that shapes an analysis besides the transcript and rubric."""

    model: str = DEFAULT_MODEL
    tagger: Tagger = "llm"
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    concurrency: int = DEFAULT_CONCURRENCY
    temperature: float = 0.0
    max_output_tokens: int = 4000
    max_reasks: int = 1
    seed: int | None = None
    judge_mode: JudgeMode = "full"
    #: The user's prices and context window (``TJ_PRICE_*``, ``TJ_CONTEXT_WINDOW``), resolved
    #: by :func:`.config.resolve_config`.
    pricing: PriceOverrides = NO_OVERRIDES

    @property
    def model_label(self) -> str:
        """The model a run with these settings names in its report and history."""
        return self.model if self.tagger == "llm" else LEXICAL_MODEL_LABEL

    def judge_settings(self) -> JudgeSettings:
        return JudgeSettings(
            model=self.model,
            temperature=self.temperature,
            max_output_tokens=self.max_output_tokens,
            max_reasks=self.max_reasks,
            seed=self.seed,
        )

    def fingerprint_settings(self) -> dict[str, object]:
        return {
            "model": self.model,
            "tagger": self.tagger,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "max_reasks": self.max_reasks,
            "seed": self.seed,
            "chunk_tokens": self.chunking.chunk_tokens,
            "overlap_tokens": self.chunking.overlap_tokens,
            "judge_mode": self.judge_mode,
        }


@dataclass(frozen=True)
class Event:
    """Progress, for --verbose and the web page. Carries no transcript text."""

    kind: Literal["planned", "chunk_started", "chunk_done", "rechunk", "done"]
    total: int
    chunk: int | None = None
    status: str = ""
    detail: str = ""


EventCallback = Callable[[Event], None]


@dataclass(frozen=True)
class Estimate:
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


@dataclass
class Plan:
    transcript: Transcript
    roles: RoleAssignment
    rubric: Rubric
    settings: AnalysisSettings
    chunks: list[Chunk]
    budget: int
    counter: TokenCounter
    builder: PromptBuilder
    fingerprint: str
    static_tokens: int

    def lexical_tagger(self) -> LexicalTagger:
        return LexicalTagger(
            self.rubric,
            interview_has_probing_questions=LexicalTagger.probing_anywhere(self.rubric, self.chunks),
        )

    def first_requests(self, repeat_index: int = 0) -> list[ChatRequest]:
        """The request each chunk starts with: what a cache or a recording must hold."""
        if self.settings.judge_mode == "confirm":
            tagger = self.lexical_tagger()
            return [
                request
                for ch in self.chunks
                for _, _, request in confirm_requests(
                    self.builder,
                    tagger,
                    ch,
                    settings=self.settings.judge_settings(),
                    interviewers=self.roles.interviewers,
                    total_chunks=len(self.chunks),
                    repeat_index=repeat_index,
                )
            ]
        return [
            build_request(
                self.builder,
                ch,
                settings=self.settings.judge_settings(),
                interviewers=self.roles.interviewers,
                total_chunks=len(self.chunks),
                repeat_index=repeat_index,
            )
            for ch in self.chunks
        ]

    def estimate(self) -> Estimate:
        """Calls and tokens before anything is sent (completion tokens at the reserve)."""
        if self.settings.tagger == "lexical":
            return Estimate(0, 0, 0, 0.0)
        if self.settings.judge_mode == "confirm":
            requests = self.first_requests()
            prompt = sum(self.counter.count(m["content"]) for r in requests for m in r.messages)
            completion = 8 * len(requests)
            cost = estimate_cost(
                self.settings.model,
                Usage(prompt_tokens=prompt, completion_tokens=completion),
                overrides=self.settings.pricing,
            )
            return Estimate(len(requests), prompt, completion, cost)
        prompt = sum(self.static_tokens + ch.tokens for ch in self.chunks)
        completion = len(self.chunks) * min(self.settings.max_output_tokens, 2500)
        usage = Usage(prompt_tokens=prompt, completion_tokens=completion)
        cost = estimate_cost(self.settings.model, usage, overrides=self.settings.pricing)
        return Estimate(len(self.chunks), prompt, completion, cost)


@dataclass
class AnalysisResult:
    report: Report
    outcomes: list[ChunkOutcome]
    #: The adaptive limiter's lowest concurrency and how often it backed off (429s).
    concurrency_lowest: int | None = None
    backoffs: int = 0

    def __repr__(self) -> str:
        # Short on purpose: asyncio formats the repr of a finished task's result (Python
        # 3.11's asyncio.run does, when it restores the SIGINT handler), and the default
        # one spells out every chunk's lines: ~50 MB of string for a 25 MB transcript.
        r = self.report
        return (
            f"AnalysisResult(analysis_id={r.analysis_id!r}, chunks={len(self.outcomes)}, "
            f"findings={len(r.strengths) + len(r.red_flags)}, warnings={len(r.warnings)}, partial={r.partial})"
        )


def plan_analysis(transcript: Transcript, roles: RoleAssignment, rubric: Rubric, settings: AnalysisSettings) -> Plan:
    counter = get_counter(settings.model)
    builder = PromptBuilder(rubric)
    static = builder.static_prompt_tokens(counter.count)
    budget = compute_budget(
        settings.chunking,
        context_window=model_info(settings.model, settings.pricing).context_window,
        prompt_tokens=static,
    )
    chunks = chunk_transcript(
        transcript,
        roles,
        budget=budget,
        count_tokens=counter.count,
        overlap_tokens=settings.chunking.overlap_tokens,
    )
    if not chunks:
        raise NoCandidateError(
            f"The candidate ({roles.candidate!r}) has no turns to judge in this transcript.",
            hint="Check --candidate, or run `transcript-judge inspect FILE` to see who speaks.",
        )
    return Plan(
        transcript=transcript,
        roles=roles,
        rubric=rubric,
        settings=settings,
        chunks=chunks,
        budget=budget,
        counter=counter,
        builder=builder,
        fingerprint=prompt_fingerprint(rubric, settings.fingerprint_settings()),
        static_tokens=static,
    )


def _transcript_checks(plan: Plan) -> tuple[list[InjectionHit], str | None]:
    candidate = plan.roles.candidate
    hits = detect_injection(plan.transcript, plan.rubric.ids)
    language = detect_language(t.text for t in plan.transcript.turns if t.speaker == candidate)
    return hits, language


def _split(chunk: Chunk) -> list[Chunk] | None:
    own = [ln for ln in chunk.lines if not ln.overlap]
    if len(own) < 2:
        return None
    mid = len(own) // 2
    halves = [own[:mid], own[mid:]]
    return [Chunk(index=chunk.index, lines=tuple(h), tokens=max(1, chunk.tokens * len(h) // len(own))) for h in halves]


async def _judge_all(
    plan: Plan, llm: LLM, *, repeat_index: int, on_event: EventCallback | None
) -> tuple[list[ChunkOutcome], AdaptiveLimiter]:
    s = plan.settings
    limiter = AdaptiveLimiter(s.concurrency)
    # Every call (first asks, re-asks, re-chunks) takes a limiter slot only while it is at
    # the server; 429s are waited out here, not in the SDK.
    gated = RateLimitedLLM(llm, limiter)
    judge_settings = s.judge_settings()
    total = len(plan.chunks)

    def emit(event: Event) -> None:
        if on_event is not None:
            on_event(event)

    tagger = plan.lexical_tagger() if s.judge_mode == "confirm" else None

    async def process(chunk: Chunk, depth: int = 0) -> list[ChunkOutcome]:
        emit(Event("chunk_started", total, chunk.index))
        try:
            if tagger is not None:
                outcome = await confirm_chunk(
                    gated,
                    plan.builder,
                    tagger,
                    chunk,
                    settings=judge_settings,
                    interviewers=plan.roles.interviewers,
                    total_chunks=total,
                    repeat_index=repeat_index,
                )
            else:
                outcome = await judge_chunk(
                    gated,
                    plan.builder,
                    chunk,
                    settings=judge_settings,
                    interviewers=plan.roles.interviewers,
                    total_chunks=total,
                    repeat_index=repeat_index,
                )
        except ContextLengthExceededError as e:
            outcome = ChunkOutcome(chunk=chunk, status="failed", detail=f"context length: {e.message}", too_long=True)
        except LLMTransientError as e:
            outcome = ChunkOutcome(chunk=chunk, status="failed", detail=e.message)
        if outcome.splittable:
            halves = _split(chunk) if depth < MAX_SPLIT_DEPTH else None
            if halves:
                emit(Event("rechunk", total, chunk.index, outcome.status, "splitting into two smaller chunks"))
                parts = await asyncio.gather(*(process(h, depth + 1) for h in halves))
                spent = outcome  # keep the tokens of the failed attempt in the totals
                first = parts[0][0]
                first.usage = first.usage + spent.usage
                first.calls += spent.calls
                return [o for p in parts for o in p]
        emit(Event("chunk_done", total, chunk.index, outcome.status, outcome.detail))
        return [outcome]

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(process(ch)) for ch in plan.chunks]
    except BaseExceptionGroup as group_error:
        # A failure every chunk would share (auth, model not found, replay miss) stops the
        # others; raise the first such error plainly rather than as a group.
        errors = group_error.exceptions
        first = next((e for e in errors if isinstance(e, LLMError)), errors[0])
        raise first from None
    return [o for t in tasks for o in t.result()], limiter


def _lexical_outcomes(plan: Plan) -> list[ChunkOutcome]:
    tagger = plan.lexical_tagger()
    return [ChunkOutcome(chunk=ch, status="ok", assessments=tagger.judge(ch)) for ch in plan.chunks]


def _ground(
    outcomes: list[ChunkOutcome], warnings: list[Warning], tally: Counter[str]
) -> list[dict[str, CriterionEvidence]]:
    per_chunk: list[dict[str, CriterionEvidence]] = []
    downgraded = 0
    # Turns already flagged as injections (the warnings come first): their chunks' answers are suspect.
    flagged = {w.turn for w in warnings if w.kind == "prompt_injection" and w.turn is not None}
    for outcome in outcomes:
        if not outcome.ok or outcome.assessments is None:
            continue
        evidence: dict[str, CriterionEvidence] = {}
        criteria = tuple(outcome.assessments)
        suspect = bool(flagged & {ln.turn for ln in outcome.chunk.lines})
        for cid, a in outcome.assessments.items():
            grounded: list[GroundedQuote] = []
            for q in a.evidence:
                checked = ground_quote(q.turn, q.text, outcome.chunk.lines)
                reason: str | None = None
                if isinstance(checked, RejectedQuote):
                    reason = checked.reason
                elif _in_injection(checked, outcome.chunk, criteria):
                    reason, suspect = "injection", True
                if reason is None and isinstance(checked, GroundedQuote):
                    grounded.append(checked)
                    tally["grounded"] += 1
                    continue
                tally[reason or "error"] += 1
                tally["rejected"] += 1
                warnings.append(
                    Warning(
                        kind="quote_dropped",
                        turn=checked.turn,
                        quote=checked.text[:300],
                        message=f"{cid}: quote dropped ({_REASONS[reason or 'error']})",
                    )
                )
            verdict = a.verdict
            if verdict == "shown" and not grounded:
                verdict, downgraded = "insufficient_evidence", downgraded + 1
            evidence[cid] = CriterionEvidence(verdict, a.confidence, a.reasoning, grounded, claimed=a.verdict)
        for e in evidence.values():
            e.suspect = suspect
        per_chunk.append(evidence)
    if downgraded:
        warnings.append(
            Warning(
                kind="quote_dropped",
                message=f"{downgraded} 'shown' verdict(s) had no verifiable quote and became 'insufficient evidence'.",
            )
        )
    return per_chunk


def _in_injection(quote: GroundedQuote, chunk: Chunk, criteria: tuple[str, ...] = ()) -> bool:
    """Words that address the assessor are not evidence, even when the candidate said them;
    nor are words that name a criterion or a verdict, or a passage in another language."""
    context = " ".join(ln.text for ln in chunk.lines if ln.turn == quote.turn)
    interview = " ".join(ln.text for ln in chunk.lines)
    return quote_is_injection(quote.text, context, criteria=criteria, interview=interview)


_REASONS = {
    "not_found": "not found in the candidate's words in that part of the transcript",
    "interviewer": "the interviewer said it, not the candidate",
    "too_short": "too short to verify",
    "error": "could not be checked",
    "injection": "part of a suspected prompt injection, not evidence",
}


async def run_analysis(
    plan: Plan,
    llm: LLM | None,
    *,
    source_name: str,
    repeat_index: int = 0,
    on_event: EventCallback | None = None,
    extra_warnings: list[Warning] | None = None,
    batch_pricing: bool = False,
) -> AnalysisResult:
    """Judge every chunk and build the report.

    Raises:
        LLMError: a failure that makes every chunk fail the same way (auth, model not
            found, a request the service refuses): no partial noise, just the error.
    """
    started = time.monotonic()
    s = plan.settings
    lexical = s.tagger == "lexical" or llm is None
    if on_event:
        on_event(Event("planned", len(plan.chunks)))
    limiter: AdaptiveLimiter | None = None
    # Language detection and the injection scan need only the transcript: run them on a
    # thread while the model calls are in flight, off the critical path.
    checks = asyncio.create_task(asyncio.to_thread(_transcript_checks, plan))
    try:
        if lexical or llm is None:
            outcomes = _lexical_outcomes(plan)
        else:
            outcomes, limiter = await _judge_all(plan, llm, repeat_index=repeat_index, on_event=on_event)
    except BaseException:
        checks.cancel()
        raise
    injection_hits, language = await checks

    warnings = _run_warnings(plan, outcomes, injection_hits, list(extra_warnings or []), lexical=lexical)
    tally: Counter[str] = Counter()
    per_chunk = _ground(outcomes, warnings, tally)
    findings = aggregate(plan.rubric, per_chunk)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        reasons = Counter(o.status for o in failed)
        warnings.append(
            Warning(
                kind="partial",
                message=f"Partial result: {len(failed)} of {len(outcomes)} chunk(s) could not be "
                "judged (" + ", ".join(f"{n} {k}" for k, n in reasons.items()) + "). Verdicts cover "
                "only the rest of the interview.",
            )
        )
    report = Report(
        tool_version=__version__,
        analysis_id=uuid.uuid4().hex[:12],
        created_at=datetime.now(UTC),
        source_name=source_name,
        source_format=plan.transcript.source_format,
        language=language,
        tagger="lexical" if lexical else "llm",
        model=LEXICAL_MODEL_LABEL if lexical else s.model,
        prompt_version=plan.fingerprint,
        rubric_name=plan.rubric.name,
        rubric_version=plan.rubric.version,
        roles=plan.roles,
        turns=len(plan.transcript.turns),
        duration_s=plan.transcript.duration,
        strengths=[f for f in findings if f.kind == "strength"],
        red_flags=[f for f in findings if f.kind == "red_flag"],
        coverage=_coverage(plan, outcomes, tally),
        usage=_usage(plan, outcomes, lexical=lexical, batch_pricing=batch_pricing, wall_s=time.monotonic() - started),
        warnings=warnings,
    )
    if on_event:
        on_event(Event("done", len(outcomes), status="partial" if failed else "ok"))
    return AnalysisResult(
        report=report,
        outcomes=outcomes,
        concurrency_lowest=limiter.lowest if limiter else None,
        backoffs=limiter.backoffs if limiter else 0,
    )


def _run_warnings(
    plan: Plan,
    outcomes: list[ChunkOutcome],
    injection_hits: list[InjectionHit],
    warnings: list[Warning],
    *,
    lexical: bool,
) -> list[Warning]:
    """The report's warnings before grounding adds its own: how it was judged, who the
    candidate is, what the reader and the injection scan found, what salvage repaired."""
    if lexical:
        warnings.insert(0, Warning(kind="lexical_baseline", message=LEXICAL_BANNER))
    roles = plan.roles
    if roles.method == "inferred":
        warnings.append(
            Warning(
                kind="candidate_inferred",
                message=f"The candidate ({roles.candidate!r}) was inferred, not given: {roles.reason} "
                f"(confidence {roles.confidence:.2f}). Pass --candidate NAME if this is wrong.",
            )
        )
    warnings.extend(Warning(kind="parse", message=w) for w in plan.transcript.warnings)
    if not plan.counter.exact and plan.counter.note and plan.settings.tagger == "llm":
        warnings.append(Warning(kind="token_estimate", message=plan.counter.note))
    warnings.extend(_injection_warnings(injection_hits, roles.candidate))
    injected = {h.turn for h in injection_hits if h.category == "injection"}
    warnings.extend(injection_review(plan.rubric, outcomes, injected))
    warnings.extend(salvage_warnings(outcomes))
    return warnings


def _injection_warnings(hits: list[InjectionHit], candidate: str) -> list[Warning]:
    out: list[Warning] = []
    for hit in hits:
        who = "the candidate" if hit.speaker == candidate else hit.speaker
        if hit.category == "hidden":
            message = f"Turn {hit.turn} ({who}): {hit.kind}. The model was not shown them."
            out.append(Warning(kind="parse", turn=hit.turn, quote=hit.quote, message=message))
            continue
        message = (
            f"Suspected prompt injection by {who} ({hit.kind}). It was treated as "
            "interview content, not as an instruction; read this part yourself."
        )
        out.append(Warning(kind="prompt_injection", turn=hit.turn, quote=hit.quote, message=message))
    return out


def _coverage(plan: Plan, outcomes: list[ChunkOutcome], tally: Counter[str]) -> Coverage:
    failed = sum(1 for o in outcomes if not o.ok)
    candidate_turns = {t.index for t in plan.transcript.turns if t.speaker == plan.roles.candidate}
    covered = {ln.turn for o in outcomes if o.ok for ln in o.chunk.candidate_lines}
    return Coverage(
        chunks_total=len(outcomes),
        chunks_ok=len(outcomes) - failed,
        chunks_failed=failed,
        candidate_turns=len(candidate_turns),
        candidate_turns_covered=len(candidate_turns & covered),
        quotes_grounded=tally["grounded"],
        quotes_rejected=tally["rejected"],
        chunks=[
            ChunkReport(
                index=i,
                turns=o.chunk.turn_range,
                tokens=o.chunk.tokens,
                status=o.status,
                detail=o.detail,
                calls=o.calls,
                retries=o.retries,
                cache_hits=o.cache_hits,
                repairs=dict(o.repairs),
                missing=o.missing,
                structured_mode=o.structured_mode,
            )
            for i, o in enumerate(outcomes)
        ],
    )


def _usage(
    plan: Plan, outcomes: list[ChunkOutcome], *, lexical: bool, batch_pricing: bool, wall_s: float
) -> UsageReport:
    s = plan.settings
    usage = Usage()
    saved = Usage()
    for o in outcomes:
        usage = usage + o.usage
        saved = saved + o.cached_usage
    cost = 0.0 if lexical else estimate_cost(s.model, usage, batch=batch_pricing, overrides=s.pricing)
    saved_cost = 0.0 if lexical else estimate_cost(s.model, saved, batch=batch_pricing, overrides=s.pricing)
    return UsageReport(
        calls=sum(o.calls for o in outcomes),
        cache_hits=sum(o.cache_hits for o in outcomes),
        retries=sum(o.retries for o in outcomes),
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cached_prompt_tokens=usage.cached_tokens,
        estimated_cost_usd=None if cost is None else round(cost, 6),
        cached_prompt_tokens_reused=saved.prompt_tokens,
        cached_completion_tokens_reused=saved.completion_tokens,
        saved_cost_usd=None if saved_cost is None else round(saved_cost, 6),
        token_count_exact=plan.counter.exact,
        wall_time_s=round(wall_s, 3),
    )
