"""The downloaded reports with the review beside the model's verdicts.

A reviewed analysis's report carries its review, always labelled apart from the model's
judgement ("Model's verdict" and "Reviewer"):

- JSON: the report's own fields, plus a ``review`` object (a
  :class:`~transcript_judge.review.ReviewSheet`) beside them. Without a review the
  download is exactly the report (``Report.model_validate`` reads it; with one, pop
  ``review`` first).
- Markdown and HTML: a "Reviewer's review" section (the overall note, then one line per
  finding: the model's verdict, the reviewer's, the note, who and when), after the
  report's own content.

The report's own rendering (:mod:`.render`) is unchanged; this wraps it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import datetime

from ..review import Review, ReviewedFinding, ReviewSheet, verdict_words
from ..transcript import Turn
from .model import Report
from .render import Format, _md, render

__all__ = ["HEADING", "render_reviewed", "reviewer_words"]

HEADING = "Reviewer's review"
_KIND = {"strength": "strength", "red_flag": "red flag"}


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def reviewer_words(row: ReviewedFinding) -> str:
    """The reviewer's word on a finding, in words: "agrees", "disagrees: not shown", "not reviewed"."""
    r = row.review
    if r is None:
        return "not reviewed"
    return "agrees" if r.verdict is None else f"disagrees: {verdict_words(r.verdict)}"


def _summary(sheet: ReviewSheet) -> str:
    text = f"Reviewed {sheet.reviewed} of {sheet.total} findings"
    if sheet.disagreements:
        text += f"; the reviewer disagreed with the model's verdict on {len(sheet.disagreements)}"
    return text + ". The model's verdicts above are unchanged; the reviewer's are beside them here."


def _markdown(sheet: ReviewSheet) -> str:
    lines = ["", f"## {HEADING}", "", _summary(sheet), ""]
    if sheet.overall is not None:
        o = sheet.overall
        lines += [f"**Overall note** ({_md(o.reviewer)}, {_when(o.reviewed_at)}): {_md(o.note)}", ""]
    lines += ["| Finding | Model's verdict | Reviewer | Note | Who, when |", "|---|---|---|---|---|"]
    for row in sheet.findings:
        r = row.review
        who = f"{_md(r.reviewer)}, {_when(r.reviewed_at)}" if r is not None else ""
        word = reviewer_words(row)
        word = f"**{word}**" if r is not None and r.decision == "disagree" else word
        lines.append(
            f"| {_md(row.title)} ({_KIND[row.kind]}) | {verdict_words(row.model_verdict)} | {word} | "
            f"{_md(r.note) if r is not None else ''} | {who} |"
        )
    return "\n".join(lines) + "\n"


def _html(sheet: ReviewSheet) -> str:
    e = html.escape
    parts = [f'<section class="review" id="review" aria-labelledby="h-review"><h2 id="h-review">{e(HEADING)}</h2>']
    parts.append(f"<p>{e(_summary(sheet))}</p>")
    if sheet.overall is not None:
        o = sheet.overall
        parts.append(
            f"<p><strong>Overall note</strong> ({e(o.reviewer)}, {e(_when(o.reviewed_at))}): {e(o.note)}</p>"
        )
    parts.append(
        "<table><thead><tr><th>Finding</th><th>Model's verdict</th><th>Reviewer</th><th>Note</th>"
        "<th>Who, when</th></tr></thead><tbody>"
    )
    for row in sheet.findings:
        r = row.review
        who = f"{e(r.reviewer)}, {e(_when(r.reviewed_at))}" if r is not None else ""
        word = e(reviewer_words(row))
        word = f"<strong>{word}</strong>" if r is not None and r.decision == "disagree" else word
        parts.append(
            f'<tr><td><a href="#criterion-{e(row.criterion_id)}">{e(row.title)}</a> ({_KIND[row.kind]})</td>'
            f"<td>{e(verdict_words(row.model_verdict))}</td><td>{word}</td>"
            f"<td>{e(r.note) if r is not None else ''}</td><td>{who}</td></tr>"
        )
    parts.append("</tbody></table></section>\n")
    return "".join(parts)


def _beside(body: str, section: str, fmt: Format) -> str:
    if fmt == "md":
        return body.rstrip("\n") + "\n" + section
    at = body.rfind("</body>")
    return body + section if at < 0 else body[:at] + section + body[at:]


def render_reviewed(
    report: Report, fmt: Format, review: Review | None, *, turns: Sequence[Turn] | None = None
) -> str:
    """The report in ``fmt`` (:func:`.render.render`), with the review beside it when there is one."""
    if review is None or review.empty:
        return render(report, fmt, turns=turns)
    sheet = ReviewSheet.of(report, review)
    if fmt == "json":
        data = report.model_dump(mode="json")
        data["review"] = sheet.model_dump(mode="json")
        return json.dumps(data, indent=2, ensure_ascii=False)
    section = _markdown(sheet) if fmt == "md" else _html(sheet)
    return _beside(render(report, fmt, turns=turns), section, fmt)
