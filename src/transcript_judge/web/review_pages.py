"""The reviewer's controls on the report page: plain form posts, no JavaScript needed.

Each finding card has a form (``_review_finding.html.j2``): one radio group, the
verdict the reviewer would give (the model's own is "Agree"), a note and the reviewer's
name; after the findings, the overall note (``_review_overall.html.j2``). A post checks
the session's CSRF token, records the review (:mod:`transcript_judge.review`) and
redirects back to the card (``#criterion-<id>``) or the note.

:func:`install` adds the routes and the templates' ``review_of(id)``, which the partials
call to read the saved review.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import ReviewError
from ..evaluation.review_export import ExportChoices
from ..report.model import Report, ReportVerdict
from ..review import (
    MAX_NOTE_CHARS,
    MAX_REVIEWER_CHARS,
    VERDICTS,
    FindingReview,
    OverallNote,
    Review,
    ReviewSheet,
    default_reviewer,
    finding_entry,
    overall_entry,
    verdict_words,
)
from ..service import RedactChoices
from .actions import Service
from .api.common import service_of
from .api.datasets import dataset_filename, dataset_zip, parse_ids
from .pages import page
from .security import check_form_csrf, clip

__all__ = ["ReviewPage", "install", "router"]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class ReviewPage:
    """What the review partials show of one analysis's review."""

    review: Review
    reviewer: str  # the name the forms start with
    verdicts: tuple[ReportVerdict, ...] = VERDICTS
    max_note: int = MAX_NOTE_CHARS
    max_reviewer: int = MAX_REVIEWER_CHARS
    _sheets: dict[int, ReviewSheet] = field(default_factory=dict, compare=False)

    def finding(self, criterion_id: str) -> FindingReview | None:
        return self.review.findings.get(criterion_id)

    @property
    def overall(self) -> OverallNote | None:
        return self.review.overall

    def sheet(self, report: Report) -> ReviewSheet:
        if id(report) not in self._sheets:
            self._sheets[id(report)] = ReviewSheet.of(report, self.review)
        return self._sheets[id(report)]

    def choices(self, model_verdict: str) -> list[ReportVerdict]:
        """The verdicts to offer: the model's first (agreeing), then the others."""
        return sorted(self.verdicts, key=lambda v: v != model_verdict)

    @staticmethod
    def words(verdict: str) -> str:
        return verdict_words(verdict)


def review_page(service: Service, analysis_id: str) -> ReviewPage:
    review = service.store.reviews.get(analysis_id)
    names = review.reviewers()
    return ReviewPage(review, names[-1] if names else default_reviewer())


def install(app: FastAPI) -> None:
    """Add the review routes, and ``review_of(id)`` for the report page's partials."""
    app.include_router(router)
    service: Service = app.state.service
    app.state.templates.globals["review_of"] = lambda analysis_id: review_page(service, analysis_id)


def _report(service: Service, analysis_id: str) -> Report:
    report = service.report(analysis_id) if service.view(analysis_id) is not None else None
    if report is None:
        raise HTTPException(404, f"There is no report {clip(analysis_id, 40)!r} to review (it may have been deleted).")
    return report


def _refused(request: Request, analysis_id: str, anchor: str, e: ReviewError) -> Response:
    return page(
        request,
        "error.html.j2",
        400,
        title="Review not saved",
        message=e.message,
        hint=e.hint,
        link=f"/analyses/{analysis_id}#{anchor}",
    )


@router.post("/analyses/{analysis_id}/review/findings/{criterion_id}", response_model=None)
async def review_finding(
    request: Request,
    analysis_id: str,
    criterion_id: str,
    csrf: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=MAX_NOTE_CHARS + 200)] = "",
    reviewer: Annotated[str, Form(max_length=MAX_REVIEWER_CHARS + 50)] = "",
    withdraw: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Record (or withdraw) the review of one finding: the verdict the reviewer gives, the
    model's meaning agreement."""
    check_form_csrf(request, csrf)
    service = service_of(request)
    report = _report(service, analysis_id)
    anchor = f"criterion-{criterion_id}"
    try:
        if withdraw:
            if all(f.criterion_id != criterion_id for f in report.findings):
                raise ReviewError(f"The report has no finding {clip(criterion_id, 60)!r}.")
            service.store.reviews.clear_finding(analysis_id, criterion_id)
        elif not verdict:
            raise ReviewError("Choose the verdict you would give (the model's own means you agree).")
        else:
            model = next((f.verdict for f in report.findings if f.criterion_id == criterion_id), None)
            agree = verdict == model
            entry = finding_entry(
                report,
                criterion_id,
                agree=agree,
                verdict=None if agree else verdict,
                note=note,
                reviewer=reviewer or None,
            )
            service.store.reviews.save_finding(analysis_id, entry)
    except ReviewError as e:
        return _refused(request, analysis_id, anchor, e)
    return RedirectResponse(f"/analyses/{analysis_id}#{anchor}", 303)


@router.post("/analyses/{analysis_id}/review/overall", response_model=None)
async def review_overall(
    request: Request,
    analysis_id: str,
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=MAX_NOTE_CHARS + 200)] = "",
    reviewer: Annotated[str, Form(max_length=MAX_REVIEWER_CHARS + 50)] = "",
) -> Response:
    """Record the overall note (an empty one clears it)."""
    check_form_csrf(request, csrf)
    service = service_of(request)
    _report(service, analysis_id)
    try:
        service.store.reviews.save_overall(analysis_id, overall_entry(note, reviewer=reviewer or None))
    except ReviewError as e:
        return _refused(request, analysis_id, "review-overall", e)
    return RedirectResponse(f"/analyses/{analysis_id}#review-overall", 303)


@router.get("/reviews/export", response_model=None)
async def export_reviewed(
    request: Request,
    ids: str | None = None,
    accept_unreviewed: bool = False,
    redact: bool = False,
    redact_names: bool = False,
) -> Response:
    """The export form's answer: the dataset zip, or a page that says why not (a GET with
    no side effect, so no CSRF token: the same download as ``/api/reviews/dataset.zip``)."""
    service = service_of(request)
    back = f"/analyses/{ids}#review-export" if ids and "," not in ids else "/history"
    try:
        choices = ExportChoices(RedactChoices(redact, redact_names, ()), accept_unreviewed)
        body = await asyncio.to_thread(dataset_zip, service, parse_ids(ids), choices)
    except ReviewError as e:
        return page(request, "error.html.j2", 409, title="Nothing exported", message=e.message, hint=e.hint, link=back)
    return Response(body, media_type="application/zip", headers={"content-disposition": dataset_filename()})
