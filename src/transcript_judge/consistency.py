"""Step 6d: consistency rules from the rubric, checked on what a model answered.

A small model's failures are often degenerate rather than subtle (issue 11): every
criterion "shown", strengths and red flags alike, or none; one quote backing opposite
criteria. Two rules catch them, and what each does is fixed here:

- **Exclusive pairs** (``exclusive`` in the rubric, e.g. ``evaluation_rigor`` and
  ``evaluation_avoidance``): one quote can't show both. When a chunk's answer backs both
  with the same quote, that quote is **taken away from both** (the model contradicted
  itself about it); a criterion left with no quote is **downgraded** to
  ``insufficient_evidence``, one with other quotes stays shown on those. Nothing is
  re-asked: a second answer from the same model about the same quote is no more
  trustworthy, and on a CPU it costs a minute. The report carries a warning naming the
  pair.
- **All verdicts identical** in the model's answers over the interview (every criterion
  shown, or none; checked before the pair rule changes anything): **flagged, not
  changed**. It is suspicious, not wrong (a weak candidate can show no strength): the
  report says to read the verdicts with care.

Both apply to model answers only; the keyword baseline is reported as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from .grounding import normalize_text
from .judge import ChunkOutcome
from .report.model import Warning
from .report.summary import VERDICT_WORDS
from .rubric import Rubric
from .schema import Assessment, QuoteRef

__all__ = [
    "DOWNGRADED_CONFIDENCE",
    "IDENTICAL_WARNING_START",
    "all_identical_warning",
    "answered_verdicts",
    "apply_exclusive_pairs",
    "same_quote",
]

#: The confidence of a "shown" downgraded because its only quote also backed the opposite.
DOWNGRADED_CONFIDENCE = 0.5
#: How the all-identical warning starts (the eval counts the interviews that have it).
IDENTICAL_WARNING_START = "The model's answer gave every one of the"
#: Fewer criteria than this and "all identical" says nothing.
_MIN_CRITERIA = 4


def same_quote(a: QuoteRef, b: QuoteRef) -> bool:
    """Whether two quotes are the same evidence: one turn, and one text inside the other."""
    if a.turn != b.turn:
        return False
    na, nb = normalize_text(a.text), normalize_text(b.text)
    return bool(na and nb) and (na in nb or nb in na)


def _without(a: Assessment, shared: Sequence[QuoteRef], other: str) -> Assessment:
    kept = [q for q in a.evidence if not any(q is s for s in shared)]
    if kept:
        return a.model_copy(update={"evidence": kept})
    return Assessment(
        evidence=[],
        reasoning=f"its quote also backed {other}, which it can't both show",
        verdict="insufficient_evidence",
        confidence=min(a.confidence, DOWNGRADED_CONFIDENCE),
    )


def _check_pair(assessments: dict[str, Assessment], a: str, b: str) -> bool:
    """Take the quotes shared by a shown pair away from both; True if there were any."""
    first, second = assessments.get(a), assessments.get(b)
    if first is None or second is None or first.verdict != "shown" or second.verdict != "shown":
        return False
    shared_a = [q for q in first.evidence if any(same_quote(q, r) for r in second.evidence)]
    shared_b = [r for r in second.evidence if any(same_quote(q, r) for q in first.evidence)]
    if not shared_a:
        return False
    assessments[a] = _without(first, shared_a, b)
    assessments[b] = _without(second, shared_b, a)
    return True


def apply_exclusive_pairs(rubric: Rubric, outcomes: Sequence[ChunkOutcome]) -> list[Warning]:
    """Apply the rubric's exclusive pairs to every chunk's answer, in place; one warning per
    pair that fired (with the chunks it fired in)."""
    fired: dict[tuple[str, str], list[int]] = {}
    for outcome in outcomes:
        if not outcome.assessments:
            continue
        for a, b in rubric.exclusive:
            if _check_pair(outcome.assessments, a, b):
                fired.setdefault((a, b), []).append(outcome.chunk.index + 1)
    return [
        Warning(
            kind="other",
            message=f"The model backed both {a} and {b} with the same quote (part {', '.join(map(str, parts))}); "
            "one quote can't show both, so it counts for neither, and a criterion left without a quote "
            "is 'insufficient evidence'.",
        )
        for (a, b), parts in fired.items()
    ]


def answered_verdicts(rubric: Rubric, outcomes: Sequence[ChunkOutcome]) -> dict[str, str]:
    """Each criterion's verdict over the interview as the model answered it (before any rule
    or quote check): shown in some part, else not shown in some part, else insufficient."""
    out: dict[str, str] = {}
    for cid in rubric.ids:
        said = {o.assessments[cid].verdict for o in outcomes if o.assessments and cid in o.assessments}
        if said:
            out[cid] = next(v for v in ("shown", "not_shown", "insufficient_evidence") if v in said)
    return out


def all_identical_warning(rubric: Rubric, outcomes: Sequence[ChunkOutcome]) -> Warning | None:
    """A warning when the model gave every criterion the same verdict (all shown, or none):
    a small model's degenerate answer looks like this. The verdicts are left as they are."""
    verdicts = answered_verdicts(rubric, outcomes)
    values = set(verdicts.values())
    if len(rubric.criteria) < _MIN_CRITERIA or len(verdicts) != len(rubric.criteria) or len(values) != 1:
        return None
    (verdict,) = values
    said = VERDICT_WORDS[verdict]
    return Warning(
        kind="other",
        message=f"{IDENTICAL_WARNING_START} {len(verdicts)} criteria the same verdict "
        f"('{said}'), strengths and red flags alike. An answer that doesn't tell criteria apart is "
        "suspicious: read the verdicts and their quotes with care, or judge again with a stronger model.",
    )
