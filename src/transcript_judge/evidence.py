"""Step 7: from chunk answers to evidence — every quote checked against the transcript.

A quote the model gave is evidence only if it is the candidate's own words in the chunk
it judged (:func:`.grounding.ground_quote`), and not part of a suspected prompt injection
(:func:`.injection.quote_is_injection`). Every quote dropped is a warning that says why.
A "shown" verdict left with no quote becomes "insufficient evidence": the report never
shows a strength or a red flag it can't back with the candidate's words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .aggregation import CriterionEvidence
from .chunking import Chunk
from .grounding import GroundedQuote, RejectedQuote, ground_quote
from .injection import quote_is_injection
from .judge import ChunkOutcome
from .report.model import Warning
from .schema import Assessment

__all__ = ["DROP_REASONS", "ground_outcomes"]

#: Why a quote was dropped, as the report says it.
DROP_REASONS = {
    "not_found": "not found in the candidate's words in that part of the transcript",
    "interviewer": "the interviewer said it, not the candidate",
    "too_short": "too short to verify",
    "error": "could not be checked",
    "injection": "part of a suspected prompt injection, not evidence",
}


def ground_outcomes(
    outcomes: Sequence[ChunkOutcome], warnings: list[Warning], tally: Counter[str]
) -> list[dict[str, CriterionEvidence]]:
    """Each judged chunk's evidence by criterion, with only the quotes that hold up.

    Appends a warning to ``warnings`` for every dropped quote, and counts ``grounded``,
    ``rejected`` and each reason in ``tally``. Turns already flagged as injections (their
    warnings come first) make their chunks' answers suspect.
    """
    flagged = {w.turn for w in warnings if w.kind == "prompt_injection" and w.turn is not None}
    per_chunk: list[dict[str, CriterionEvidence]] = []
    downgraded = 0
    for outcome in outcomes:
        if not outcome.ok or outcome.assessments is None:
            continue
        suspect = bool(flagged & {ln.turn for ln in outcome.chunk.lines})
        criteria = tuple(outcome.assessments)
        evidence: dict[str, CriterionEvidence] = {}
        for cid, a in outcome.assessments.items():
            grounded, injected = _grounded_quotes(cid, a, outcome.chunk, criteria, warnings, tally)
            suspect = suspect or injected
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


def _grounded_quotes(
    cid: str,
    assessment: Assessment,
    chunk: Chunk,
    criteria: tuple[str, ...],
    warnings: list[Warning],
    tally: Counter[str],
) -> tuple[list[GroundedQuote], bool]:
    """The assessment's quotes that hold up, and whether any was part of an injection."""
    grounded: list[GroundedQuote] = []
    injected = False
    for q in assessment.evidence:
        checked = ground_quote(q.turn, q.text, chunk.lines)
        reason: str | None = None
        if isinstance(checked, RejectedQuote):
            reason = checked.reason
        elif _in_injection(checked, chunk, criteria):
            reason, injected = "injection", True
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
                message=f"{cid}: quote dropped ({DROP_REASONS[reason or 'error']})",
            )
        )
    return grounded, injected


def _in_injection(quote: GroundedQuote, chunk: Chunk, criteria: tuple[str, ...] = ()) -> bool:
    """Words that address the assessor are not evidence, even when the candidate said them;
    nor are words that name a criterion or a verdict, or a passage in another language."""
    context = " ".join(ln.text for ln in chunk.lines if ln.turn == quote.turn)
    interview = " ".join(ln.text for ln in chunk.lines)
    return quote_is_injection(quote.text, context, criteria=criteria, interview=interview)
