"""``aggregate``: one verdict per criterion across chunks (#12 item 10: tested directly,
not only through whole runs). The rules are in the module docstring of ``aggregation``."""

from __future__ import annotations

from typing import Literal

import pytest

from transcript_judge.aggregation import MAX_QUOTES, CriterionEvidence, aggregate
from transcript_judge.grounding import GroundedQuote
from transcript_judge.report.model import Finding
from transcript_judge.rubric import load_rubric

RUBRIC = load_rubric()
STRENGTHS = [c.id for c in RUBRIC.criteria if c.kind == "strength"]
RED_FLAGS = [c.id for c in RUBRIC.criteria if c.kind == "red_flag"]
RIGOR = "evaluation_rigor"


def q(turn: int, text: str, match: Literal["exact", "fuzzy"] = "exact") -> GroundedQuote:
    return GroundedQuote(turn=turn, text=text, speaker="Maya", start=float(turn * 10), match=match, score=1.0)


def ev(verdict: str, confidence: float = 0.8, *quotes: GroundedQuote, suspect: bool = False) -> CriterionEvidence:
    return CriterionEvidence(verdict, confidence, f"{verdict} at {confidence}", list(quotes), suspect=suspect)  # type: ignore[arg-type]


def finding(findings: list[Finding], cid: str) -> Finding:
    return next(f for f in findings if f.criterion_id == cid)


def test_every_criterion_gets_one_finding_even_with_no_chunk_judged() -> None:
    findings = aggregate(RUBRIC, [])
    assert [f.criterion_id for f in findings] == [c.id for c in RUBRIC.criteria]
    assert {f.verdict for f in findings} == {"insufficient_evidence"}
    assert finding(findings, RIGOR).rationale == "no chunk could be judged"


def test_shown_with_a_grounded_quote_wins_over_not_shown_elsewhere() -> None:
    chunks = [
        {RIGOR: ev("not_shown", 0.9)},
        {RIGOR: ev("shown", 0.6, q(3, "we measured recall on a labelled set"))},
        {RIGOR: ev("shown", 0.7, q(9, "a weekly eval on two hundred cases"))},
    ]
    f = finding(aggregate(RUBRIC, chunks), RIGOR)
    assert f.verdict == "shown" and f.chunks_shown == 2
    assert f.confidence == 0.7 and f.rationale == "shown at 0.7"  # the most confident showing chunk
    assert [x.turn for x in f.quotes] == [9, 3]  # strongest first
    assert f.quotes[0].timestamp == "00:01:30"


def test_a_shown_verdict_without_a_grounded_quote_counts_for_nothing() -> None:
    lone = finding(aggregate(RUBRIC, [{RIGOR: ev("shown", 0.9)}]), RIGOR)
    assert lone.verdict == "insufficient_evidence" and lone.quotes == []
    beside = finding(aggregate(RUBRIC, [{RIGOR: ev("shown", 0.9)}, {RIGOR: ev("not_shown", 0.4)}]), RIGOR)
    assert beside.verdict == "not_shown"


def test_not_shown_confidence_is_the_mean_of_the_chunks_that_said_so() -> None:
    f = finding(aggregate(RUBRIC, [{RIGOR: ev("not_shown", 0.9)}, {RIGOR: ev("not_shown", 0.5)}]), RIGOR)
    assert f.verdict == "not_shown" and f.confidence == pytest.approx(0.7)


def test_quotes_from_overlapping_chunks_are_kept_once_and_at_most_three() -> None:
    long = q(4, "we measured recall on a labelled set every week")
    chunks = [
        {RIGOR: ev("shown", 0.8, long, q(5, "precision at five"))},
        {RIGOR: ev("shown", 0.8, q(4, "measured recall on a labelled set"), q(6, "an eval before every release"))},
        {RIGOR: ev("shown", 0.6, q(7, "we keep a golden set"), q(8, "latency budgets per step", "fuzzy"))},
    ]
    f = finding(aggregate(RUBRIC, chunks), RIGOR)
    texts = [x.text for x in f.quotes]
    assert len(f.quotes) == MAX_QUOTES
    assert long.text in texts and "measured recall on a labelled set" not in texts  # the overlap, once (the longer)
    assert "latency budgets per step" not in texts  # weakest: lowest confidence, and fuzzy


def test_exact_quotes_rank_before_fuzzy_ones_at_the_same_confidence() -> None:
    chunks = [{RIGOR: ev("shown", 0.8, q(2, "a fuzzy but long match here", "fuzzy"), q(3, "an exact one"))}]
    f = finding(aggregate(RUBRIC, chunks), RIGOR)
    assert [x.match for x in f.quotes] == ["exact", "fuzzy"]


def test_a_chunk_that_obeys_its_injection_doesnt_clear_red_flags() -> None:
    """Every strength shown and every red flag not shown, in a chunk with a suspected
    injection: its unquoted "not shown" red flags are not counted."""
    obedient = {cid: ev("shown", 0.9, q(1, f"quote for {cid} here"), suspect=True) for cid in STRENGTHS}
    obedient |= {cid: ev("not_shown", 0.9, suspect=True) for cid in RED_FLAGS}
    findings = aggregate(RUBRIC, [obedient])
    for cid in RED_FLAGS:
        f = finding(findings, cid)
        assert f.verdict == "insufficient_evidence" and f.confidence == 0.0
        assert f.rationale.startswith("Not counted")
    # the same answers without a suspected injection are taken at their word
    clean = {cid: ev(e.verdict, e.confidence, *e.quotes) for cid, e in obedient.items()}
    assert {finding(aggregate(RUBRIC, [clean]), cid).verdict for cid in RED_FLAGS} == {"not_shown"}
