"""The analyses as resources: the history, one analysis, its report, deleting and
resuming it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...errors import RubricError
from ...report.review_render import render_reviewed
from ...transcript import Turn
from ..security import safe_filename
from .common import ServiceDep, csrf_ok, found, problem
from .schemas import AnalysisList, AnalysisOut, Deleted, Problem, out

__all__ = ["router"]

router = APIRouter()


@router.get("/analyses", response_model=AnalysisList, summary="The history, newest first")
async def list_analyses(service: ServiceDep, limit: int = 50) -> AnalysisList:
    return AnalysisList(analyses=[out(v) for v in service.views(max(1, min(limit, 500)))])


@router.get(
    "/analyses/{analysis_id}",
    response_model=AnalysisOut,
    responses={404: {"model": Problem}},
    summary="One analysis: its state, live progress and links",
)
async def get_analysis(analysis_id: str, service: ServiceDep) -> AnalysisOut:
    return out(found(service, analysis_id))


_MEDIA = {"json": "application/json", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@router.get(
    "/analyses/{analysis_id}/report.{fmt}",
    responses={200: {"content": {m: {} for m in _MEDIA.values()}}, 404: {"model": Problem}, 409: {"model": Problem}},
    summary="The report as JSON, Markdown or self-contained HTML",
)
async def get_report(
    analysis_id: str, fmt: Literal["json", "md", "html"], service: ServiceDep, download: bool = True
) -> Response:
    view = found(service, analysis_id)
    report = service.report(analysis_id)
    if report is None:
        raise problem(409, "not_ready", f"Analysis {analysis_id} has no report: it is {view.state}.")
    transcript = await service.transcript(analysis_id, view.options) if fmt in ("html", "md") else None
    turns: Sequence[Turn] | None = transcript.turns if transcript is not None else None
    # A long transcript's HTML report takes a while: off the event loop.
    review = service.store.reviews.get(analysis_id)  # the reviewer's verdicts go beside the model's
    body = await asyncio.to_thread(render_reviewed, report, fmt, review, turns=turns)
    stem = view.source_name.rsplit(".", 1)[0] or "report"
    headers = {}
    if download:
        headers["content-disposition"] = f'attachment; filename="{safe_filename(stem)}-{analysis_id}.{fmt}"'
    if fmt == "html":
        # Opened from this server, the file can't run anything, whatever it contains.
        headers["content-security-policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    return Response(body, media_type=_MEDIA[fmt], headers=headers)


@router.delete(
    "/analyses/{analysis_id}",
    response_model=Deleted,
    dependencies=[Depends(csrf_ok)],
    responses={404: {"model": Problem}},
    summary="Delete an analysis and its cached responses",
)
async def delete_analysis(analysis_id: str, service: ServiceDep) -> Deleted:
    gone = await service.delete(analysis_id)
    if gone is None:
        raise problem(404, "not_found", f"No analysis {analysis_id!r}.")
    return Deleted(analyses=gone.analyses, responses_deleted=gone.responses_deleted, responses_kept=gone.responses_kept)


@router.post(
    "/analyses/{analysis_id}/resume",
    status_code=202,
    response_model=AnalysisOut,
    dependencies=[Depends(csrf_ok)],
    responses={404: {"model": Problem}, 409: {"model": Problem}},
    summary="Resume an interrupted, failed or partial analysis (cached answers are reused)",
)
async def resume_analysis(analysis_id: str, service: ServiceDep) -> AnalysisOut:
    found(service, analysis_id)
    try:
        new_id = await service.resume(analysis_id)
    except RubricError as e:
        raise problem(400, "bad_rubric", e.message, e.hint) from e
    if new_id is None:
        raise problem(
            409,
            "not_resumable",
            f"Analysis {analysis_id} can't be resumed (finished, running, "
            "already resumed, or started outside the web app).",
        )
    return out(found(service, new_id))
