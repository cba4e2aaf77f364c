"""What the report page shows, prepared for the templates (which only lay it out).

Quotes are located in their turn here, so the page can mark the exact words: the
offsets are in UTF-16 code units, the unit of the browser's DOM ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..grounding import normalize_with_map
from ..report.model import LEXICAL_READER, Finding, Quote, Report, Warning
from ..report.summary import (
    LEGEND,
    Questions,
    Scorecard,
    by_section,
    chunk_problems,
    downgrade_note,
    operator_warnings,
    reader_warnings,
    scorecard,
    time_order,
    verdict_label,
)
from ..rubric import Criterion, Rubric
from ..transcript import Turn

__all__ = ["STATE_LABELS", "WARNING_LABELS", "ReportView", "matching_rubric", "quote_span", "report_view"]


STATE_LABELS = {
    "queued": "Queued",
    "analysing": "Analysing",
    "retrying": "Retrying after a rate limit",
    "candidate_needed": "Who is the candidate?",
    "done": "Done",
    "partial": "Partial",
    "failed": "Failed",
    "interrupted": "Interrupted",
}
WARNING_LABELS = {
    "quote_dropped": "Quotes dropped",
    "prompt_injection": "Injection suspected",
    "injection_review": "Needs review",
    "salvaged": "Answer repaired",
    "candidate_inferred": "Candidate inferred",
    "all_speech": "Everyone's words judged",
    "lexical_baseline": "Keyword baseline",
    "partial": "Partial result",
    "token_estimate": "Token estimate",
    "parse": "Transcript reading",
    "language": "Language",
    "redaction": "Redaction",
    "other": "Note",
}


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def quote_span(turn_text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` is in ``turn_text``, as UTF-16 offsets; None if it can't be found.

    Quotes are the transcript's own words, so an exact match is the rule; a normalised
    match (case, punctuation, spacing) covers quotes restored after redaction.
    """
    if not quote.strip():
        return None
    at = turn_text.find(quote)
    if at >= 0:
        return _utf16(turn_text, at), _utf16(turn_text, at + len(quote))
    hay, index = normalize_with_map(turn_text)
    needle = normalize_with_map(quote)[0]
    pos = hay.find(needle) if needle else -1
    if pos < 0:
        return None
    start, end = index[pos], index[pos + len(needle) - 1] + 1
    return _utf16(turn_text, start), _utf16(turn_text, end)


@dataclass(frozen=True)
class AskedView:
    """The interviewer's turn a quote answers."""

    turn: int
    timestamp: str
    text: str


@dataclass(frozen=True)
class QuoteView:
    turn: int
    timestamp: str
    text: str
    match: str
    start: int  # UTF-16 offsets in the turn's text; -1 when not located
    end: int
    linked: bool  # the transcript is on the page
    asked: AskedView | None = None  # the question it answers, when the transcript is known


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    verdict_label: str
    quotes: list[QuoteView]  # in time order
    downgrade: str | None = None  # why a "shown" the model gave didn't count
    criterion: Criterion | None = None  # the rubric's definition (None: an unknown or changed rubric)


@dataclass(frozen=True)
class SectionView:
    anchor: str
    heading: str
    blurb: str
    findings: list[FindingView]


@dataclass(frozen=True, slots=True)
class TurnView:
    index: int
    speaker: str
    text: str
    timestamp: str
    role: str  # "candidate", "interviewer" or "other"
    judged: bool  # False: the chunk holding it failed, so no verdict covers it
    flagged: bool  # a warning (e.g. suspected injection) points at it


@dataclass(frozen=True)
class WarningView:
    kind: str
    label: str
    message: str
    quote: str | None
    turn: int | None


@dataclass
class ReportView:
    report: Report
    strengths: list[FindingView]
    red_flags: list[FindingView]
    warnings: list[WarningView]  # every warning but the keyword baseline's (its banner says it)
    turns: list[TurnView] = field(default_factory=list)
    unjudged: list[tuple[int, int]] = field(default_factory=list)  # turn ranges nobody judged
    failed_chunks: list[str] = field(default_factory=list)
    card: Scorecard | None = None
    sections: list[SectionView] = field(default_factory=list)  # the reader's order; none for a failed run
    legend: tuple[tuple[str, str], ...] = LEGEND
    problems: list[tuple[str, str]] = field(default_factory=list)  # (plain sentence, raw detail) per failed part
    reader_warnings: list[WarningView] = field(default_factory=list)
    operator_warnings: list[WarningView] = field(default_factory=list)  # with the keyword baseline's how-to
    lexical_reader: str = LEXICAL_READER

    @property
    def failed(self) -> bool:
        """Nothing was judged: the page shows no verdicts."""
        return self.report.judged_nothing


def _unjudged(report: Report) -> tuple[set[int], list[tuple[int, int]]]:
    judged: set[int] = set()
    failed: set[int] = set()
    for c in report.coverage.chunks:
        turns = set(range(c.turns[0], c.turns[1] + 1))
        (judged if c.status == "ok" else failed).update(turns)
    missing = sorted(failed - judged)
    ranges: list[tuple[int, int]] = []
    for t in missing:
        if ranges and ranges[-1][1] == t - 1:
            ranges[-1] = (ranges[-1][0], t)
        else:
            ranges.append((t, t))
    return set(missing), ranges


_CLI_ADVICE = {
    "Pass --candidate NAME if this is wrong.": "If that is wrong, use “Wrong candidate?” below to run it again.",
}


def _web_words(message: str) -> str:
    """Warnings advise command-line flags; on the page, point at the page's controls."""
    for cli, web in _CLI_ADVICE.items():
        message = message.replace(cli, web)
    return message


def _shown_first(findings: list[FindingView]) -> list[FindingView]:
    """Findings with evidence first (rubric order within each group)."""
    return sorted(findings, key=lambda f: f.finding.verdict != "shown")


def matching_rubric(report: Report, rubrics: Iterable[Rubric]) -> Rubric | None:
    """The rubric ``report`` was judged with, by name and version (None: not on this server,
    or changed since: its definitions might not be the ones the model read)."""
    return next((r for r in rubrics if (r.name, r.version) == (report.rubric_name, report.rubric_version)), None)


def _criteria(rubric: Rubric | None) -> dict[str, Criterion]:
    return {c.id: c for c in rubric.criteria} if rubric is not None else {}


def _turn_views(report: Report, turns: Sequence[Turn], missing: set[int], flagged: set[int]) -> list[TurnView]:
    roles = report.roles

    def role(speaker: str) -> str:
        if speaker == roles.candidate:
            return "candidate"
        return "interviewer" if speaker in roles.interviewers else "other"

    return [
        TurnView(
            index=t.index,
            speaker=t.speaker,
            text=t.text,
            timestamp=t.timestamp,
            role=role(t.speaker),
            judged=t.index not in missing,
            flagged=t.index in flagged,
        )
        for t in turns
    ]


def report_view(
    report: Report, turns: Sequence[Turn] | None, *, rubric: Rubric | None = None, title: str | None = None
) -> ReportView:
    """What the report page shows. ``rubric``: the one it was judged with (for each card's
    definition); ``title``: the transcript's own title (it may date the interview)."""
    by_index = {t.index: t for t in turns or []}
    missing, ranges = _unjudged(report)
    flagged = {w.turn for w in report.warnings if w.turn is not None and w.kind == "prompt_injection"}
    questions = Questions(turns or [], report)
    criteria = _criteria(rubric)

    def quote(q: Quote) -> QuoteView:
        turn = by_index.get(q.turn)
        span = quote_span(turn.text, q.text) if turn is not None else None
        start, end = span if span is not None else (-1, -1)
        before = questions.before(q.turn)
        asked = AskedView(before.index, before.timestamp, before.text) if before is not None else None
        return QuoteView(q.turn, q.timestamp, q.text, q.match, start, end, turn is not None, asked)

    def finding(f: Finding) -> FindingView:
        quotes = [quote(q) for q in time_order(f.quotes)]
        return FindingView(f, verdict_label(f), quotes, downgrade_note(f), criteria.get(f.criterion_id))

    def warning(w: Warning) -> WarningView:
        message = _web_words(w.message) if by_index else w.message  # the page offers the re-run
        return WarningView(w.kind, WARNING_LABELS.get(w.kind, w.kind), message, w.quote, w.turn)

    turn_views = _turn_views(report, turns or [], missing, flagged)
    failed = [
        f"chunk {c.index} (turns {c.turns[0]}–{c.turns[1]}): {c.status}" + (f" — {c.detail}" if c.detail else "")
        for c in report.coverage.chunks
        if c.status != "ok"
    ]
    views = {f.criterion_id: finding(f) for f in report.findings}
    sections = [
        SectionView(anchor, heading, blurb, [views[f.criterion_id] for f in items])
        for anchor, heading, blurb, items in by_section(report)
    ]
    return ReportView(
        report=report,
        strengths=_shown_first([views[f.criterion_id] for f in report.strengths]),
        red_flags=_shown_first([views[f.criterion_id] for f in report.red_flags]),
        warnings=[warning(w) for w in report.warnings if w.kind != "lexical_baseline"],
        turns=turn_views,
        unjudged=ranges,
        failed_chunks=failed,
        card=scorecard(report, title=title),
        sections=[] if report.judged_nothing else sections,
        problems=chunk_problems(report),
        reader_warnings=[warning(w) for w in reader_warnings(report)],
        operator_warnings=[warning(w) for w in operator_warnings(report)],
    )
