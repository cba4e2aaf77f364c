"""Step 9: the report of a run — its findings, warnings, coverage and usage.

What the report says about *how* it was made lives here: which tagger judged, who the
candidate is and how that was decided, what the reader and the injection scan found,
what salvage repaired, which chunks failed, and the tokens and cost spent.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ._version import __version__
from .aggregation import injection_review
from .injection import InjectionHit
from .judge import ChunkOutcome, salvage_warnings
from .llm.base import Usage
from .planning import LEXICAL_MODEL_LABEL, Plan
from .pricing import estimate_cost
from .report.model import LEXICAL_BANNER, ChunkReport, Coverage, Finding, Report, UsageReport, Warning
from .roles import ALL_SPEECH_WARNING

__all__ = ["RunFacts", "build_report", "partial_warning", "run_warnings"]


@dataclass(frozen=True)
class RunFacts:
    """What the run itself found out, beside the chunks' outcomes."""

    source_name: str
    lexical: bool
    language: str | None
    batch_pricing: bool
    wall_s: float


def run_warnings(
    plan: Plan,
    outcomes: Sequence[ChunkOutcome],
    injection_hits: Sequence[InjectionHit],
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
    if roles.method == "all_speech" and not plan.transcript.has_speaker_labels:
        warnings.append(Warning(kind="all_speech", message=ALL_SPEECH_WARNING))
    warnings.extend(Warning(kind="parse", message=w) for w in plan.transcript.warnings)
    if not plan.counter.exact and plan.counter.note and plan.settings.uses_model:
        warnings.append(Warning(kind="token_estimate", message=plan.counter.note))
    warnings.extend(_injection_warnings(injection_hits, roles.candidate))
    injected = {h.turn for h in injection_hits if h.category == "injection"}
    warnings.extend(injection_review(plan.rubric, outcomes, injected))
    warnings.extend(salvage_warnings(outcomes))
    return warnings


def _injection_warnings(hits: Sequence[InjectionHit], candidate: str) -> list[Warning]:
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


def partial_warning(outcomes: Sequence[ChunkOutcome]) -> Warning | None:
    """The warning that the verdicts cover only part of the interview (None if all was judged)."""
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return None
    reasons = Counter(o.status for o in failed)
    why = ", ".join(f"{n} {k}" for k, n in reasons.items())
    if len(failed) == len(outcomes):
        return Warning(kind="partial", message=f"No part of the interview could be judged ({why}): no verdicts.")
    return Warning(
        kind="partial",
        message=f"Partial result: {len(failed)} of {len(outcomes)} chunk(s) could not be judged ({why}). "
        "Verdicts cover only the rest of the interview.",
    )


def build_report(
    plan: Plan,
    outcomes: Sequence[ChunkOutcome],
    findings: Sequence[Finding],
    warnings: list[Warning],
    tally: Counter[str],
    facts: RunFacts,
) -> Report:
    """The report of a finished run (a fresh id; the history gives it the run's)."""
    return Report(
        tool_version=__version__,
        analysis_id=uuid.uuid4().hex[:12],
        created_at=datetime.now(UTC),
        source_name=facts.source_name,
        source_format=plan.transcript.source_format,
        language=facts.language,
        tagger="lexical" if facts.lexical else "llm",
        model=LEXICAL_MODEL_LABEL if facts.lexical else plan.settings.model,
        prompt_version=plan.fingerprint,
        rubric_name=plan.rubric.name,
        rubric_version=plan.rubric.version,
        roles=plan.roles,
        turns=len(plan.transcript.turns),
        duration_s=plan.transcript.duration,
        strengths=[f for f in findings if f.kind == "strength"],
        red_flags=[f for f in findings if f.kind == "red_flag"],
        coverage=_coverage(plan, outcomes, tally),
        usage=_usage(plan, outcomes, facts),
        warnings=warnings,
    )


def _coverage(plan: Plan, outcomes: Sequence[ChunkOutcome], tally: Counter[str]) -> Coverage:
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


def _usage(plan: Plan, outcomes: Sequence[ChunkOutcome], facts: RunFacts) -> UsageReport:
    s = plan.settings
    usage = Usage()
    saved = Usage()
    for o in outcomes:
        usage = usage + o.usage
        saved = saved + o.cached_usage

    def cost(u: Usage) -> float | None:
        if facts.lexical:
            return 0.0
        value = estimate_cost(s.model, u, batch=facts.batch_pricing, overrides=s.pricing)
        return None if value is None else round(value, 6)

    return UsageReport(
        calls=sum(o.calls for o in outcomes),
        cache_hits=sum(o.cache_hits for o in outcomes),
        retries=sum(o.retries for o in outcomes),
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cached_prompt_tokens=usage.cached_tokens,
        estimated_cost_usd=cost(usage),
        cached_prompt_tokens_reused=saved.prompt_tokens,
        cached_completion_tokens_reused=saved.completion_tokens,
        saved_cost_usd=cost(saved),
        token_count_exact=plan.counter.exact,
        wall_time_s=round(facts.wall_s, 3),
    )
