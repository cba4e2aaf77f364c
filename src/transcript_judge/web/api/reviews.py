"""A person's review of an analysis, as a resource: read it beside the model's verdicts,
record the review of one finding, or the overall note.

``GET /api/analyses/{id}/review``, ``PUT``/``DELETE .../review/findings/{criterion}`` and
``PUT .../review/overall`` (an empty note clears it). Every answer is the whole
:class:`~transcript_judge.review.ReviewSheet`. Writes follow the API's CSRF rule
(:func:`.common.csrf_ok`); without a ``reviewer`` the server's default is used
(``TJ_REVIEWER``, else the user the server runs as).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ...errors import ReviewError
from ...report.model import Report, ReportVerdict
from ...review import MAX_NOTE_CHARS, MAX_REVIEWER_CHARS, Decision, ReviewSheet, finding_entry, overall_entry
from ..actions import Service
from ..security import clip
from .common import ServiceDep, csrf_ok, found, problem
from .schemas import Problem

__all__ = ["FindingReviewIn", "OverallNoteIn", "router"]

router = APIRouter()


class FindingReviewIn(BaseModel):
    """The review of one finding."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    verdict: ReportVerdict | None = Field(None, description="The verdict you would give: required to disagree.")
    note: str = Field("", max_length=MAX_NOTE_CHARS)
    reviewer: str | None = Field(None, max_length=MAX_REVIEWER_CHARS, description="Default: the server's.")


class OverallNoteIn(BaseModel):
    """The overall note (empty: clear it)."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=MAX_NOTE_CHARS)
    reviewer: str | None = Field(None, max_length=MAX_REVIEWER_CHARS, description="Default: the server's.")


def _report(service: Service, analysis_id: str) -> Report:
    """The analysis's report, or a 404/409 problem."""
    view = found(service, analysis_id)
    report = service.report(analysis_id)
    if report is None:
        raise problem(409, "not_ready", f"Analysis {analysis_id} has no report to review: it is {view.state}.")
    return report


def _criterion(report: Report, criterion_id: str) -> None:
    if all(f.criterion_id != criterion_id for f in report.findings):
        raise problem(
            404,
            "unknown_criterion",
            f"The report has no finding {clip(criterion_id, 60)!r}.",
            "Its criteria: " + ", ".join(f.criterion_id for f in report.findings),
        )


def _sheet(service: Service, report: Report, analysis_id: str) -> ReviewSheet:
    return ReviewSheet.of(report, service.store.reviews.get(analysis_id))


_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": Problem}, 409: {"model": Problem}, 422: {"model": Problem}}


@router.get(
    "/analyses/{analysis_id}/review",
    response_model=ReviewSheet,
    responses=_ERRORS,
    summary="The review beside the model's verdicts",
)
async def get_review(analysis_id: str, service: ServiceDep) -> ReviewSheet:
    return _sheet(service, _report(service, analysis_id), analysis_id)


@router.put(
    "/analyses/{analysis_id}/review/findings/{criterion_id}",
    response_model=ReviewSheet,
    dependencies=[Depends(csrf_ok)],
    responses=_ERRORS,
    summary="Agree or disagree with one finding's verdict, with a note",
)
async def put_finding_review(
    analysis_id: str, criterion_id: str, body: FindingReviewIn, service: ServiceDep
) -> ReviewSheet:
    report = _report(service, analysis_id)
    _criterion(report, criterion_id)
    try:
        entry = finding_entry(
            report,
            criterion_id,
            agree=body.decision == "agree",
            verdict=body.verdict,
            note=body.note,
            reviewer=body.reviewer,
        )
    except ReviewError as e:
        raise problem(422, "invalid_review", e.message, e.hint) from e
    service.store.reviews.save_finding(analysis_id, entry)
    return _sheet(service, report, analysis_id)


@router.delete(
    "/analyses/{analysis_id}/review/findings/{criterion_id}",
    response_model=ReviewSheet,
    dependencies=[Depends(csrf_ok)],
    responses=_ERRORS,
    summary="Withdraw the review of one finding",
)
async def delete_finding_review(analysis_id: str, criterion_id: str, service: ServiceDep) -> ReviewSheet:
    report = _report(service, analysis_id)
    _criterion(report, criterion_id)
    service.store.reviews.clear_finding(analysis_id, criterion_id)
    return _sheet(service, report, analysis_id)


@router.put(
    "/analyses/{analysis_id}/review/overall",
    response_model=ReviewSheet,
    dependencies=[Depends(csrf_ok)],
    responses=_ERRORS,
    summary="Write (or, empty, clear) the overall note",
)
async def put_overall_note(analysis_id: str, body: OverallNoteIn, service: ServiceDep) -> ReviewSheet:
    report = _report(service, analysis_id)
    try:
        note = overall_entry(body.note, reviewer=body.reviewer)
    except ReviewError as e:
        raise problem(422, "invalid_review", e.message, e.hint) from e
    service.store.reviews.save_overall(analysis_id, note)
    return _sheet(service, report, analysis_id)
