"""The pipeline end to end: a plan's chunks tagged, the quotes grounded, the verdicts
aggregated, the report built.

Each step is a module of its own, and this one only runs them in order:

1. :mod:`.planning` — settings, chunks, prompt, estimate (pure; sends nothing);
2. :mod:`.taggers` — who tags the chunks: a model (:mod:`.judge`, :mod:`.confirm`) or the
   keyword baseline (:mod:`.lexical`); re-chunking and the limiter live there;
3. beside the calls, on a thread: the injection scan (:mod:`.injection`) and the
   candidate's language (:mod:`.language`);
4. :mod:`.consistency` — the rubric's consistency rules on the model's answers, then
   :mod:`.evidence` — every quote checked against the transcript;
5. :mod:`.aggregation` — the chunks' verdicts become one per criterion;
6. :mod:`.probes` and :mod:`.followups` (beside the calls, too) — what the interview
   asked: a criterion no question probed is *not probed*, and what to ask next round;
7. :mod:`.reporting` — the report, its warnings, coverage and usage.

``analyse``, the web app, batch and ``eval`` all go through :func:`run_analysis`, so the
evaluation harness measures exactly what users get.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

from .aggregation import aggregate
from .consistency import all_identical_warning, apply_exclusive_pairs
from .events import Event, EventCallback
from .evidence import ground_outcomes
from .followups import apply_probes, suggest_follow_ups
from .injection import InjectionHit, detect_injection
from .judge import ChunkOutcome
from .language import detect_language
from .llm.base import LLM
from .planning import Plan
from .probe_judge import ModelProbes, probes_from_outcomes
from .probe_judge import describe as describe_probe_answers
from .probes import coverage_from, interview_coverage
from .report.model import Report, Warning
from .reporting import RunFacts, build_report, partial_warning, run_warnings
from .taggers import KeywordBaseline, Tagging

__all__ = ["AnalysisResult", "run_analysis"]


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


def _transcript_checks(plan: Plan) -> tuple[list[InjectionHit], str | None]:
    candidate = plan.roles.candidate
    hits = detect_injection(plan.transcript, plan.rubric.ids)
    language = detect_language(t.text for t in plan.transcript.turns if t.speaker == candidate)
    return hits, language


async def _tag(plan: Plan, llm: LLM | None, repeat_index: int, on_event: EventCallback | None) -> Tagging:
    """The plan's tagger, or the keyword baseline when there is no model to ask."""
    if llm is None or not plan.tagger.uses_model:
        return await KeywordBaseline().tag(plan)
    return await plan.tagger.tag(plan, llm, repeat_index=repeat_index, on_event=on_event)


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
    lexical = llm is None or not plan.tagger.uses_model
    if on_event:
        on_event(Event("planned", len(plan.chunks)))
    # Language detection and the injection scan need only the transcript: run them on a
    # thread while the model calls are in flight, off the critical path.
    checks = asyncio.create_task(asyncio.to_thread(_transcript_checks, plan))
    asked = asyncio.create_task(asyncio.to_thread(interview_coverage, plan.transcript, plan.roles, plan.rubric))
    try:
        tagging = await _tag(plan, llm, repeat_index, on_event)
    except BaseException:
        checks.cancel()
        asked.cancel()
        raise
    injection_hits, language = await checks
    interview = await asked
    outcomes = tagging.outcomes
    by_model: ModelProbes | None = None
    if not lexical and llm is not None and plan.settings.probe_detection == "model" and interview.probes_available:
        by_model = probes_from_outcomes(plan, outcomes)
        interview = coverage_from(by_model.asked, plan.rubric, interview.talk_time, method="model")

    warnings = run_warnings(plan, outcomes, injection_hits, list(extra_warnings or []), lexical=lexical)
    if not lexical:  # the rubric's consistency rules, on the model's answers (consistency.py)
        if (identical := all_identical_warning(plan.rubric, outcomes)) is not None:
            warnings.append(identical)
        warnings.extend(apply_exclusive_pairs(plan.rubric, outcomes))
    tally: Counter[str] = Counter()
    findings = aggregate(plan.rubric, ground_outcomes(outcomes, warnings, tally))
    findings = apply_probes(findings, plan.rubric, interview)
    follow_ups = suggest_follow_ups(findings, plan.rubric, interview, plan.transcript, plan.roles)
    partial = partial_warning(outcomes)
    if partial is not None:
        warnings.append(partial)
    if by_model is not None and (note := describe_probe_answers(by_model)) is not None:
        warnings.append(Warning(kind="other", message=note))
    facts = RunFacts(source_name, lexical, language, batch_pricing, time.monotonic() - started)
    report = build_report(plan, outcomes, findings, warnings, tally, facts)
    report = report.model_copy(update={"interview": interview, "follow_ups": follow_ups})
    if on_event:
        on_event(Event("done", len(outcomes), status="partial" if partial else "ok"))
    return AnalysisResult(report, outcomes, tagging.concurrency_lowest, tagging.backoffs)
