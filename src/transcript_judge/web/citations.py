"""Which turns the report cites, and for which criteria: the transcript's "cited by" badges.

The report page's transcript marks every turn a finding quotes, with a small link back to
that finding's card (``#criterion-<id>``), so a reader who arrives at a turn can see why it
matters and return to the card.

Example:
    >>> cited_by(report)[12]  # doctest: +SKIP
    [Citation(criterion_id='failure_diagnosis', title='Failure diagnosis', kind='strength', verdict='shown')]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..report.model import Report

__all__ = ["Citation", "cited_by"]


@dataclass(frozen=True, slots=True)
class Citation:
    """One finding that quotes a turn."""

    criterion_id: str
    title: str
    kind: str  # "strength" or "red_flag"
    verdict: str


def cited_by(report: Report) -> dict[int, list[Citation]]:
    """Turn index -> the findings quoting it: red flags first, then strengths, each in the
    report's order, and each finding once per turn however many of its quotes are there."""
    cited: dict[int, list[Citation]] = {}
    for finding in [*report.red_flags, *report.strengths]:
        citation = Citation(finding.criterion_id, finding.title, finding.kind, finding.verdict)
        for quote in finding.quotes:
            at = cited.setdefault(quote.turn, [])
            if citation not in at:
                at.append(citation)
    return cited
