"""Step 8: one verdict per criterion across chunks, with the strongest grounded quotes.

- "shown" wins if any chunk shows it with at least one grounded quote;
- otherwise "not_shown" if any chunk judged it not shown;
- otherwise "insufficient_evidence".
Quotes from overlapping chunks are de-duplicated (same turn and overlapping words), and
the strongest (highest chunk confidence, exact before fuzzy, longer first) are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .grounding import GroundedQuote, normalize_text
from .report.model import Finding, Quote
from .rubric import Rubric
from .schema import Verdict
from .transcript import format_timestamp

__all__ = ["CriterionEvidence", "aggregate"]

MAX_QUOTES = 3


@dataclass
class CriterionEvidence:
    """One chunk's grounded judgement of one criterion."""

    verdict: Verdict
    confidence: float
    reasoning: str
    quotes: list[GroundedQuote] = field(default_factory=list)


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
    for c in rubric.criteria:
        evidence = [chunk[c.id] for chunk in per_chunk if c.id in chunk]
        shown = [e for e in evidence if e.verdict == "shown" and e.quotes]
        not_shown = [e for e in evidence if e.verdict == "not_shown"]
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
            )
        )
    return findings
