"""Step 8: one verdict per criterion across chunks, with the strongest grounded quotes.

- "shown" wins if any chunk shows it with at least one grounded quote;
- otherwise "not_shown" if any chunk judged it not shown;
- otherwise "insufficient_evidence".
Quotes from overlapping chunks are de-duplicated (same turn and overlapping words), and
the strongest (highest chunk confidence, exact before fuzzy, longer first) are kept.

A chunk with a suspected prompt injection whose answer is the one an injection asks for
(every strength or nearly, shown; every red flag, or nearly, not shown: :func:`obeys_injection`)
is not taken at its word: its "not shown" red flags without a grounded quote count for
nothing, and :func:`injection_review` says so in a warning of its own kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .grounding import GroundedQuote, normalize_text
from .judge import ChunkOutcome
from .report.model import Finding, Quote, Warning
from .rubric import Rubric
from .schema import Verdict
from .transcript import format_timestamp

__all__ = ["CriterionEvidence", "aggregate", "injection_review", "obeys_injection"]

MAX_QUOTES = 3
#: Share of a chunk's criteria that must go the way an injection asks for it to be suspect.
OBEDIENT_SHARE = 0.8


@dataclass
class CriterionEvidence:
    """One chunk's grounded judgement of one criterion."""

    verdict: Verdict
    confidence: float
    reasoning: str
    quotes: list[GroundedQuote] = field(default_factory=list)
    #: What the model answered, before grounding (a "shown" may have lost its quotes).
    claimed: Verdict | None = None
    #: The chunk holds a suspected prompt injection (a flagged turn or a dropped quote).
    suspect: bool = False


def obeys_injection(rubric: Rubric, verdicts: Mapping[str, str]) -> bool:
    """Whether a chunk's verdicts are what an injection asks for: (nearly) every strength
    shown and every red flag not shown. Criteria the chunk didn't judge count against."""
    if not rubric.criteria:
        return False
    favourable = sum(
        1 for c in rubric.criteria if verdicts.get(c.id) == ("shown" if c.kind == "strength" else "not_shown")
    )
    strengths = [c for c in rubric.criteria if c.kind == "strength"]
    shown = sum(1 for c in strengths if verdicts.get(c.id) == "shown")
    return favourable >= OBEDIENT_SHARE * len(rubric.criteria) and shown >= max(1, len(strengths) // 2)


def _compromised(rubric: Rubric, chunk: Mapping[str, CriterionEvidence]) -> bool:
    if not any(e.suspect for e in chunk.values()):
        return False
    return obeys_injection(rubric, {cid: e.claimed or e.verdict for cid, e in chunk.items()})


def injection_review(rubric: Rubric, outcomes: Iterable[ChunkOutcome], flagged_turns: Iterable[int]) -> list[Warning]:
    """A warning for each chunk whose answer follows the injection it contains: the
    result rests on it and needs a human's reading, whatever the quotes say."""
    flagged = set(flagged_turns)
    out = []
    for o in outcomes:
        if not o.ok or not o.assessments:
            continue
        turns = sorted(flagged & {ln.turn for ln in o.chunk.lines})
        if not turns or not obeys_injection(rubric, {cid: a.verdict for cid, a in o.assessments.items()}):
            continue
        first, last = o.chunk.turn_range
        out.append(
            Warning(
                kind="injection_review",
                turn=turns[0],
                message=f"Needs review: the model's verdicts for turns {first}-{last} are what a prompt injection "
                f"there would ask for (strengths shown, red flags not shown), and the injection suspected at "
                f"turn(s) {', '.join(map(str, turns))} may have steered them. Its 'not shown' red flags without "
                "a verified quote were not counted; read those turns yourself before relying on this result.",
            )
        )
    return out


def _overlaps(a: GroundedQuote, b: GroundedQuote) -> bool:
    if a.turn != b.turn:
        return False
    na, nb = normalize_text(a.text), normalize_text(b.text)
    return na in nb or nb in na


def _dedupe(quotes: list[tuple[float, GroundedQuote]]) -> list[GroundedQuote]:
    ranked = sorted(quotes, key=lambda cq: (-cq[0], cq[1].match != "exact", -len(cq[1].text)))
    kept: list[GroundedQuote] = []
    for _, q in ranked:
        if not any(_overlaps(q, k) for k in kept):
            kept.append(q)
    return kept[:MAX_QUOTES]


def aggregate(rubric: Rubric, per_chunk: Sequence[dict[str, CriterionEvidence]]) -> list[Finding]:
    findings: list[Finding] = []
    compromised = [_compromised(rubric, chunk) for chunk in per_chunk]
    for c in rubric.criteria:
        evidence = [chunk[c.id] for chunk in per_chunk if c.id in chunk]
        shown = [e for e in evidence if e.verdict == "shown" and e.quotes]
        not_shown = [
            chunk[c.id]
            for chunk, bad in zip(per_chunk, compromised, strict=True)
            if c.id in chunk and chunk[c.id].verdict == "not_shown" and not (bad and not chunk[c.id].quotes)
        ]
        if shown:
            verdict: Verdict = "shown"
            best = max(shown, key=lambda e: e.confidence)
            confidence, rationale = best.confidence, best.reasoning
            quotes = _dedupe([(e.confidence, q) for e in shown for q in e.quotes])
        elif not_shown:
            verdict = "not_shown"
            best = max(not_shown, key=lambda e: e.confidence)
            confidence = sum(e.confidence for e in not_shown) / len(not_shown)
            rationale = best.reasoning
            quotes = _dedupe([(e.confidence, q) for e in not_shown for q in e.quotes])
        else:
            verdict = "insufficient_evidence"
            confidence = max((e.confidence for e in evidence), default=0.0)
            rationale = evidence[0].reasoning if evidence else "no chunk could be judged"
            if any(e.verdict == "not_shown" for e in evidence):
                confidence = 0.0
                rationale = "Not counted: the only verdict came from a part with a suspected prompt injection."
            quotes = []
        findings.append(
            Finding(
                criterion_id=c.id,
                kind=c.kind,
                title=c.title,
                verdict=verdict,
                confidence=round(confidence, 2),
                rationale=rationale,
                quotes=[
                    Quote(
                        turn=q.turn,
                        speaker=q.speaker,
                        timestamp=format_timestamp(q.start),
                        start=q.start,
                        text=q.text,
                        match=q.match,
                    )
                    for q in quotes
                ],
                chunks_shown=len(shown),
                # A "shown" whose quotes all failed verification (evidence.py) didn't count: its card says so.
                unverified_shown=sum(1 for e in evidence if e.claimed == "shown" and not e.quotes),
            )
        )
    return findings
