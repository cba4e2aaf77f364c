"""A person's review of an analysis: per finding, agree or disagree (with the verdict they
would give) and a note; and an overall note. Each entry says who and when.

This module is the one definition of the review's shape (the store keeps it,
:mod:`.store.reviews`; the CLI, the JSON API, the page and the downloads show it). It
checks a review against its report: the criterion must be one of the report's findings,
a disagreement needs a verdict other than the model's, an agreement takes none.

Example:
    >>> entry = finding_entry(report, "systems_thinking", agree=False, verdict="not_shown")  # doctest: +SKIP
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .errors import ReviewError
from .report.model import Finding, Report, ReportVerdict
from .report.summary import VERDICT_WORDS

__all__ = [
    "MAX_NOTE_CHARS",
    "MAX_REVIEWER_CHARS",
    "VERDICTS",
    "Decision",
    "FindingReview",
    "OverallNote",
    "Review",
    "ReviewSheet",
    "ReviewedFinding",
    "default_reviewer",
    "finding_entry",
    "finding_of",
    "overall_entry",
    "verdict_words",
]

Decision = Literal["agree", "disagree"]
#: Every verdict a reviewer may give, in the report's order.
VERDICTS: tuple[ReportVerdict, ...] = get_args(ReportVerdict)
MAX_NOTE_CHARS = 4000
MAX_REVIEWER_CHARS = 100


class FindingReview(BaseModel):
    """A reviewer's word on one finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    criterion_id: str = Field(description="The finding's criterion.")
    decision: Decision = Field(description="Whether the reviewer agrees with the model's verdict.")
    verdict: ReportVerdict | None = Field(
        None, description="The verdict the reviewer would give: required when disagreeing, absent when agreeing."
    )
    note: str = Field("", max_length=MAX_NOTE_CHARS, description="The reviewer's note, free text.")
    reviewer: str = Field(min_length=1, max_length=MAX_REVIEWER_CHARS)
    reviewed_at: AwareDatetime = Field(description="When, in UTC.")

    def label(self, model_verdict: ReportVerdict) -> ReportVerdict:
        """The verdict this review stands for: the model's when agreeing, else the reviewer's."""
        return model_verdict if self.decision == "agree" or self.verdict is None else self.verdict


class OverallNote(BaseModel):
    """A reviewer's note on the whole interview."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)
    reviewer: str = Field(min_length=1, max_length=MAX_REVIEWER_CHARS)
    reviewed_at: AwareDatetime


class Review(BaseModel):
    """Everything reviewed of one analysis (empty until someone reviews it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    analysis_id: str
    findings: dict[str, FindingReview] = Field(default_factory=dict, description="By criterion id.")
    overall: OverallNote | None = None

    @property
    def empty(self) -> bool:
        return not self.findings and self.overall is None

    def of(self, finding: Finding) -> FindingReview | None:
        return self.findings.get(finding.criterion_id)

    def unreviewed(self, report: Report) -> list[str]:
        """The report's criteria that have no review yet, in the report's order."""
        return [f.criterion_id for f in report.findings if f.criterion_id not in self.findings]

    def disagreements(self) -> list[str]:
        return [c for c, r in self.findings.items() if r.decision == "disagree"]

    def reviewers(self) -> list[str]:
        names = [r.reviewer for r in self.findings.values()]
        if self.overall is not None:
            names.append(self.overall.reviewer)
        return list(dict.fromkeys(names))


class ReviewedFinding(BaseModel):
    """One finding: the model's verdict, and the reviewer's word on it (None: not reviewed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    criterion_id: str
    kind: Literal["strength", "red_flag"]
    title: str
    model_verdict: ReportVerdict = Field(description="The model's verdict, as in the report.")
    review: FindingReview | None = Field(None, description="The reviewer's; None until it is reviewed.")


class ReviewSheet(BaseModel):
    """The review beside the model's verdicts: what ``review ID``, the JSON API and the
    downloaded reports show (one shape for all three)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    analysis_id: str
    reviewed: int = Field(description="Findings reviewed.")
    total: int = Field(description="Findings in the report.")
    disagreements: list[str] = Field(description="Criteria where the reviewer disagreed with the model.")
    overall: OverallNote | None = None
    findings: list[ReviewedFinding]

    @classmethod
    def of(cls, report: Report, review: Review) -> ReviewSheet:
        """The report's findings (strengths, then red flags) with their reviews."""
        rows = [
            ReviewedFinding(
                criterion_id=f.criterion_id, kind=f.kind, title=f.title, model_verdict=f.verdict, review=review.of(f)
            )
            for f in report.findings
        ]
        return cls(
            analysis_id=review.analysis_id,
            reviewed=sum(r.review is not None for r in rows),
            total=len(rows),
            disagreements=[r.criterion_id for r in rows if r.review is not None and r.review.decision == "disagree"],
            overall=review.overall,
            findings=rows,
        )


def verdict_words(verdict: str) -> str:
    """A verdict value in words, as the reports write it (``not_shown`` → "not shown")."""
    return VERDICT_WORDS.get(verdict, verdict.replace("_", " "))


def default_reviewer(given: str | None = None) -> str:
    """Who is reviewing: ``given``, else ``TJ_REVIEWER``, else the OS user (the one place
    this is decided). Names are trimmed and cut to :data:`MAX_REVIEWER_CHARS`."""
    for candidate in (given, os.environ.get("TJ_REVIEWER")):
        if candidate and candidate.strip():
            return _name(candidate)
    try:
        return _name(getpass.getuser()) or "unknown"
    except (OSError, KeyError):  # no user name in the environment or the password database
        return "unknown"


def _name(value: str) -> str:
    return " ".join(value.split())[:MAX_REVIEWER_CHARS]


def finding_of(report: Report, criterion_id: str) -> Finding:
    """The report's finding on ``criterion_id``.

    Raises:
        ReviewError: the report has no such finding (the hint lists its criteria).
    """
    for f in report.findings:
        if f.criterion_id == criterion_id:
            return f
    known = ", ".join(f.criterion_id for f in report.findings)
    raise ReviewError(
        f"The report has no finding {criterion_id[:80]!r}.", hint=f"Its criteria: {known}." if known else None
    )


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_CHARS:
        raise ReviewError(f"The note is {len(text)} characters long; the most is {MAX_NOTE_CHARS}.")
    return text


def finding_entry(
    report: Report,
    criterion_id: str,
    *,
    agree: bool,
    verdict: str | None = None,
    note: str | None = None,
    reviewer: str | None = None,
    now: datetime | None = None,
) -> FindingReview:
    """A checked review of one finding of ``report``.

    Raises:
        ReviewError: no such finding; a disagreement without a verdict, with an unknown
            one, or with the model's own; an agreement with a verdict; a note too long.
    """
    finding = finding_of(report, criterion_id)
    if agree and verdict:
        raise ReviewError("An agreement takes no verdict: the model's verdict is the one agreed with.")
    if not agree:
        if not verdict:
            raise ReviewError(
                "A disagreement needs the verdict you would give.", hint="One of: " + ", ".join(VERDICTS) + "."
            )
        if verdict not in VERDICTS:
            raise ReviewError(f"Unknown verdict {verdict[:40]!r}.", hint="One of: " + ", ".join(VERDICTS) + ".")
        if verdict == finding.verdict:
            raise ReviewError(
                f"The model's verdict is already {verdict_words(verdict)!r}: that is agreeing.",
                hint="Agree instead, or give another verdict.",
            )
    return FindingReview(
        criterion_id=criterion_id,
        decision="agree" if agree else "disagree",
        verdict=None if agree else verdict,  # checked against VERDICTS above
        note=_note(note),
        reviewer=default_reviewer(reviewer),
        reviewed_at=now or datetime.now(UTC),
    )


def overall_entry(
    note: str, *, reviewer: str | None = None, now: datetime | None = None
) -> OverallNote | None:
    """A checked overall note; None for an empty one (saving it clears the note).

    Raises:
        ReviewError: the note is too long.
    """
    text = _note(note)
    if not text:
        return None
    return OverallNote(note=text, reviewer=default_reviewer(reviewer), reviewed_at=now or datetime.now(UTC))
