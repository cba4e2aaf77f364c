"""What a report's reader reads first: the scorecard, the order of the findings, the words.

One definition for every format (the web page, the HTML and Markdown downloads, the
terminal): red flags shown come first, then strengths shown, then what the interview left
open, then what wasn't shown; a legend says what each verdict means; each quote comes in
time order with the interviewer's question it answers, where the transcript is known.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ..transcript import Turn
from .model import Finding, Quote, Report, Warning

__all__ = [
    "CHUNK_PROBLEMS",
    "LEGEND",
    "SECTIONS",
    "VERDICT_WORDS",
    "Questions",
    "ScoreLine",
    "Scorecard",
    "by_section",
    "chunk_problems",
    "downgrade_note",
    "has_conclusion",
    "interview_date",
    "interview_length",
    "operator_warnings",
    "reader_warnings",
    "scorecard",
    "section_of",
    "time_order",
    "verdict_label",
]

#: Each verdict value in words (``not_shown`` is "not shown"), the same in every format.
VERDICT_WORDS = {
    "shown": "shown",
    "not_shown": "not shown",
    "insufficient_evidence": "insufficient evidence",
    "not_probed": "not probed",
}


def verdict_label(finding: Finding) -> str:
    """A verdict in words, the same in every format: *probed, not shown* where the
    interview gave the candidate the chance, *not probed* where it didn't."""
    if finding.verdict == "not_shown" and finding.probed:
        return "probed, not shown"
    return VERDICT_WORDS[finding.verdict]


def has_conclusion(finding: Finding) -> bool:
    """Whether the verdict concludes anything (so its confidence means something)."""
    return finding.verdict in ("shown", "not_shown")


#: Every verdict label (:func:`verdict_label`) in plain words, in the legend's order.
LEGEND: tuple[tuple[str, str], ...] = (
    ("shown", "The candidate's own words show it; the quotes are the evidence. For a red flag, this is the concern."),
    ("probed, not shown", "The interviewer asked about it and the answers didn't show it."),
    ("not shown", "It didn't come up in the candidate's answers. Whether anyone asked about it is not known."),
    (
        "insufficient evidence",
        "Too little was said to tell either way, or the quotes the model gave for it couldn't be "
        "found in the transcript. Read the interview yourself.",
    ),
    ("not probed", "No question gave the candidate the chance to show it, so the report draws no conclusion."),
)

#: The report's sections in the reader's order: (anchor, heading, what it holds).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("flags-shown", "Red flags shown", "Concerns the candidate's own words show."),
    ("strengths-shown", "Strengths shown", "What the candidate's own words show they can do."),
    ("open", "Left open", "Not enough evidence to say either way, or never asked about."),
    ("not-shown", "Not shown", "Looked for, and not found in the candidate's answers."),
)


def section_of(finding: Finding) -> str:
    """The anchor of the section ``finding`` goes in (see :data:`SECTIONS`)."""
    if finding.verdict == "shown":
        return "flags-shown" if finding.kind == "red_flag" else "strengths-shown"
    if finding.verdict == "not_shown":
        return "not-shown"
    return "open"


def by_section(report: Report) -> list[tuple[str, str, str, list[Finding]]]:
    """The findings by section, in the reader's order (rubric order within a section;
    red flags before strengths); empty sections are left out."""
    findings = [*report.red_flags, *report.strengths]
    out = []
    for anchor, heading, blurb in SECTIONS:
        items = [f for f in findings if section_of(f) == anchor]
        if items:
            out.append((anchor, heading, blurb, items))
    return out


def downgrade_note(finding: Finding) -> str | None:
    """What the card of a "shown" that didn't count says (None for the others)."""
    if not finding.downgraded:
        return None
    n = finding.unverified_shown
    parts = "one part" if n == 1 else f"{n} parts"
    return (
        f"The model judged this shown in {parts} of the interview, but none of its quotes could be "
        "found in the candidate's words, so that judgement doesn't count here. Read the transcript yourself."
    )


#: Why a part of the interview couldn't be judged, in plain words (by chunk status).
CHUNK_PROBLEMS = {
    "refused": "the model declined to judge it",
    "truncated": "the model's answer was cut off before it was complete",
    "content_filter": "the model service's content filter blocked it",
    "empty": "the model gave an empty answer",
    "invalid": "the model's answer wasn't in the form the tool needs, even after it was asked again",
    "failed": "the model service couldn't be reached, or kept failing",
}


def chunk_problems(report: Report) -> list[tuple[str, str]]:
    """Each part that couldn't be judged: a plain sentence, and the raw detail for whoever
    runs the tool (validator text, status codes), which goes behind a disclosure."""
    total = report.coverage.chunks_total
    out = []
    for c in report.coverage.chunks:
        if c.status == "ok":
            continue
        why = CHUNK_PROBLEMS.get(c.status, "it couldn't be judged")
        out.append((f"Part {c.index + 1} of {total} (turns {c.turns[0]}–{c.turns[1]}): {why}.", c.detail))
    return out


def reader_warnings(report: Report) -> list[Warning]:
    """The warnings for the report's reader (:data:`.model.WARNING_AUDIENCE`). A failed run's
    "partial" warning is left out: the failure says it, and there is no rest to cover."""
    return [w for w in report.warnings if w.for_reader and not (report.judged_nothing and w.kind == "partial")]


def operator_warnings(report: Report) -> list[Warning]:
    """The warnings for whoever runs the tool: how the run was made, how to make it better."""
    return [w for w in report.warnings if not w.for_reader]


def time_order(quotes: Sequence[Quote]) -> list[Quote]:
    """The quotes as they came in the interview (they are stored strongest first)."""
    return sorted(quotes, key=lambda q: (q.turn, q.start if q.start is not None else 0.0))


class Questions:
    """The interviewer's question each quote answers: the nearest interviewer turn before it."""

    def __init__(self, turns: Sequence[Turn], report: Report) -> None:
        roles = report.roles
        interviewers = set(roles.interviewers)
        asked = [
            t for t in turns if (t.speaker in interviewers if interviewers else t.speaker != roles.candidate)
        ]
        self._turns = sorted(asked, key=lambda t: t.index)
        self._at = [t.index for t in self._turns]

    def before(self, turn: int) -> Turn | None:
        """The interviewer's last turn before ``turn`` (None: none, or the transcript isn't known)."""
        i = bisect.bisect_left(self._at, turn)
        return self._turns[i - 1] if i else None


@dataclass(frozen=True)
class ScoreLine:
    """One line of the scorecard: a criterion, its verdict, its strongest quote."""

    finding: Finding
    label: str
    quote: Quote | None


@dataclass(frozen=True)
class Scorecard:
    candidate: str
    date: date | None
    length: str | None
    red_flags: list[ScoreLine]
    strengths: list[ScoreLine]
    insufficient: list[ScoreLine]
    not_probed: list[ScoreLine]


_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)[-_.](\d\d)[-_.](\d\d)(?!\d)")


def interview_date(*texts: str | None) -> date | None:
    """The first real calendar date (``2023-09-07``, ``2023_09_07``) in the transcript's
    title or file name; None when neither names one."""
    for text in texts:
        for m in _DATE.finditer(text or ""):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
    return None


def interview_length(report: Report) -> str | None:
    """``52 min`` or ``1 h 05 min``; None when the source had no times."""
    if not report.duration_s:
        return None
    minutes = max(1, round(report.duration_s / 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def scorecard(report: Report, *, title: str | None = None) -> Scorecard:
    """The summary a reader reads first. ``title``: the transcript's own title, if known."""
    def lines(findings: Sequence[Finding]) -> list[ScoreLine]:
        return [ScoreLine(f, verdict_label(f), f.quotes[0] if f.quotes else None) for f in findings]

    every = [*report.red_flags, *report.strengths]
    return Scorecard(
        candidate=report.roles.shown_name,
        date=interview_date(title, report.source_name),
        length=interview_length(report),
        red_flags=lines([f for f in report.red_flags if f.verdict == "shown"]),
        strengths=lines([f for f in report.strengths if f.verdict == "shown"]),
        insufficient=lines([f for f in every if f.verdict == "insufficient_evidence"]),
        not_probed=lines([f for f in every if f.verdict == "not_probed"]),
    )
