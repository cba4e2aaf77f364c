"""The transcript's "cited by" badges: which findings quote which turns."""

from __future__ import annotations

import asyncio

from transcript_judge import service
from transcript_judge.ingest import Source
from transcript_judge.planning import AnalysisSettings
from transcript_judge.report.model import Report
from transcript_judge.rubric import load_rubric
from transcript_judge.web.citations import Citation, cited_by

from .support import CANDIDATE, INTERVIEW, plain


def _report() -> Report:
    """A real (keyword-baseline) report of the test interview."""
    transcript, roles = service.read(
        Source(data=plain(INTERVIEW), name="i.txt"), service.ReadChoices(candidate=CANDIDATE)
    )
    prepared = service.prepare(
        transcript, roles, source_name="i.txt", rubric=load_rubric(), settings=AnalysisSettings(tagger="lexical")
    )
    return asyncio.run(service.run(prepared, None)).report


def test_every_quoted_turn_names_the_findings_quoting_it() -> None:
    report = _report()
    cited = cited_by(report)
    quoted = {(q.turn, f.criterion_id) for f in [*report.strengths, *report.red_flags] for q in f.quotes}
    assert quoted, "the keyword baseline quotes nothing in the test interview"
    assert {(turn, c.criterion_id) for turn, cs in cited.items() for c in cs} == quoted
    for cs in cited.values():
        kinds = [c.kind for c in cs]
        assert kinds == sorted(kinds, key=lambda k: k != "red_flag")  # red flags first
        assert len({c.criterion_id for c in cs}) == len(cs)


def test_a_finding_quoting_a_turn_twice_is_one_badge() -> None:
    report = _report()
    finding = next(f for f in report.strengths if f.quotes)
    twice = finding.model_copy(update={"quotes": [finding.quotes[0], finding.quotes[0]]})
    doubled = report.model_copy(update={"strengths": [twice], "red_flags": []})
    assert cited_by(doubled) == {
        finding.quotes[0].turn: [Citation(finding.criterion_id, finding.title, "strength", finding.verdict)]
    }
