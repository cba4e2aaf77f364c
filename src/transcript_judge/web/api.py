"""The JSON API: the same things the pages do, for scripts. Documented at ``/openapi.json``.

Writes from a browser need the ``X-CSRF-Token`` header; scripts on this machine, or
with ``Authorization: Bearer <token>`` when the server has a token, don't.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from ..errors import InputError, RubricError
from ..report import render
from .pipeline import CandidateNeeded, UploadOptions
from .security import check_api_csrf, safe_filename
from .service import AnalysisView, Service

__all__ = ["router", "service_of"]

router = APIRouter(prefix="/api", tags=["analyses"])

SSE_TICK_S = 5.0


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def csrf_ok(request: Request) -> None:
    check_api_csrf(request, request.app.state.settings.token)


ServiceDep = Annotated[Service, Depends(service_of)]


class Links(BaseModel):
    page: str = Field(description="The analysis page for people.")
    self: str
    events: str = Field(description="Server-sent events with live progress.")
    report_json: str | None = None
    report_md: str | None = None
    report_html: str | None = None


class AnalysisOut(BaseModel):
    """An analysis and where it stands."""

    id: str
    source_name: str
    state: Literal["queued", "analysing", "retrying", "done", "partial", "failed", "interrupted"] = Field(
        description="queued, analysing, retrying (after a rate limit or server error), done, partial "
        "(some chunks could not be judged), failed, or interrupted (the server stopped; resumable)."
    )
    label: str
    message: str
    started_at: str
    finished_at: str | None
    model: str
    prompt_version: str
    chunks_planned: int
    chunks_ok: int | None
    cost_usd: float | None
    resumed_from: str | None
    resumed_by: str | None
    resumable: bool
    error: str | None
    progress: dict[str, Any] | None = Field(description="Live progress while it runs (counts, no transcript text).")
    links: Links


class AnalysisList(BaseModel):
    analyses: list[AnalysisOut]


class Problem(BaseModel):
    code: str
    message: str
    hint: str | None = None
    speakers: list[str] | None = Field(
        None, description="For candidate_needed: the speakers to choose from (send candidate=NAME)."
    )


class Deleted(BaseModel):
    analyses: list[str] = Field(description="The analysis and the interrupted runs it resumed.")
    responses_deleted: int
    responses_kept: int = Field(description="Cached responses another analysis also used.")


def _out(view: AnalysisView) -> AnalysisOut:
    base = f"/api/analyses/{view.id}"
    reports = view.has_report
    links = Links(
        page=f"/analyses/{view.id}",
        self=base,
        events=f"{base}/events",
        report_json=f"{base}/report.json" if reports else None,
        report_md=f"{base}/report.md" if reports else None,
        report_html=f"{base}/report.html" if reports else None,
    )
    # The public schema is a deliberate subset of the view: copy its fields by name.
    fields = {name: getattr(view, name) for name in AnalysisOut.model_fields if name != "links"}
    return AnalysisOut(**fields, links=links)


def _problem(status: int, code: str, message: str, hint: str | None = None, **extra: Any) -> HTTPException:
    return HTTPException(status, Problem(code=code, message=message, hint=hint, **extra).model_dump())


def _found(service: Service, analysis_id: str) -> AnalysisView:
    view = service.view(analysis_id)
    if view is None:
        raise _problem(404, "not_found", f"No analysis {analysis_id!r}.")
    return view


async def read_upload(file: UploadFile, limit: int) -> tuple[bytes, str]:
    """The upload's bytes (at most ``limit``) and a safe display name.

    Raises:
        HTTPException: 413 over the limit, 400 empty.
    """
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise _problem(
            413,
            "too_large",
            f"The file is over this server's limit of {limit / 1_048_576:.0f} MB.",
            "Split the transcript, or start the server with a larger --max-file-mb.",
        )
    return data, safe_filename(file.filename)


async def start(service: Service, data: bytes, name: str, options: UploadOptions) -> str:
    """Submit, turning the pipeline's refusals into API problems."""
    try:
        return await service.submit(data, name, options)
    except CandidateNeeded as e:
        raise _problem(422, "candidate_needed", e.message, e.hint, speakers=e.speakers) from e
    except InputError as e:
        raise _problem(413 if " limit is " in e.message else 400, "bad_transcript", e.message, e.hint) from e
    except RubricError as e:
        raise _problem(400, "bad_rubric", e.message, e.hint) from e


@router.post(
    "/analyses",
    status_code=202,
    response_model=AnalysisOut,
    dependencies=[Depends(csrf_ok)],
    responses={400: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
    summary="Upload a transcript and start analysing it",
)
async def create_analysis(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="The transcript; its format is detected from the content.")],
    candidate: Annotated[str | None, Form(description="The candidate's speaker label.")] = None,
    all_speech: Annotated[bool, Form(description="No speaker labels: all speech is the candidate's.")] = False,
    rubric: Annotated[str | None, Form(description="A rubric key from GET /api/rubrics.")] = None,
    redact: Annotated[bool, Form(description="Replace emails, phones and URLs before sending.")] = False,
    redact_names: Annotated[bool, Form(description="Also redact the speakers' names.")] = False,
    input_format: Annotated[str | None, Form(description="Force a reader instead of detecting.")] = None,
) -> AnalysisOut:
    """Returns 202 with the analysis; follow ``links.events`` or poll ``links.self``.

    A transcript whose candidate can't be told safely gets 422 ``candidate_needed`` with
    the speakers: send the file again with ``candidate`` (or ``all_speech=true``).
    """
    data, name = await read_upload(file, service.settings.max_upload_bytes)
    options = UploadOptions(
        candidate=(candidate or "").strip() or None,
        all_speech=all_speech,
        rubric=rubric or None,
        redact=redact or redact_names,
        redact_names=redact_names,
        input_format=input_format or None,
    )
    analysis_id = await start(service, data, name, options)
    return _out(_found(service, analysis_id))


@router.get("/analyses", response_model=AnalysisList, summary="The history, newest first")
async def list_analyses(service: ServiceDep, limit: int = 50) -> AnalysisList:
    return AnalysisList(analyses=[_out(v) for v in service.views(max(1, min(limit, 500)))])


@router.get(
    "/analyses/{analysis_id}",
    response_model=AnalysisOut,
    responses={404: {"model": Problem}},
    summary="One analysis: its state, live progress and links",
)
async def get_analysis(analysis_id: str, service: ServiceDep) -> AnalysisOut:
    return _out(_found(service, analysis_id))


_MEDIA = {"json": "application/json", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@router.get(
    "/analyses/{analysis_id}/report.{fmt}",
    responses={200: {"content": {m: {} for m in _MEDIA.values()}}, 404: {"model": Problem}, 409: {"model": Problem}},
    summary="The report as JSON, Markdown or self-contained HTML",
)
async def get_report(
    analysis_id: str, fmt: Literal["json", "md", "html"], service: ServiceDep, download: bool = True
) -> Response:
    view = _found(service, analysis_id)
    report = service.report(analysis_id)
    if report is None:
        raise _problem(409, "not_ready", f"Analysis {analysis_id} has no report: it is {view.state}.")
    transcript = service.transcript(analysis_id, view.options) if fmt == "html" else None
    body = render(report, fmt, turns=transcript.turns if transcript else None)
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
        raise _problem(404, "not_found", f"No analysis {analysis_id!r}.")
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
    _found(service, analysis_id)
    new_id = await service.resume(analysis_id)
    if new_id is None:
        raise _problem(
            409,
            "not_resumable",
            f"Analysis {analysis_id} can't be resumed (finished, running, "
            "already resumed, or started outside the web app).",
        )
    return _out(_found(service, new_id))


@router.get(
    "/analyses/{analysis_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 404: {"model": Problem}},
    summary="Live progress as server-sent events (ends when the analysis does)",
)
async def analysis_events(analysis_id: str, service: ServiceDep) -> StreamingResponse:
    _found(service, analysis_id)

    async def stream() -> AsyncIterator[str]:
        seen, last = -1, ""
        runner = service.runner
        while not runner.stopping:
            view = service.view(analysis_id)
            if view is None:
                yield "event: gone\ndata: {}\n\n"
                return
            payload = json.dumps(_out(view).model_dump(mode="json"), sort_keys=True)
            if payload != last:
                yield f"data: {payload}\n\n"
                last = payload
            else:
                yield ": keep-alive\n\n"
            if view.terminal:
                return  # a closed connection ends the stream too: the next write fails
            job = runner.get(analysis_id)
            if job is None:
                for _ in range(int(SSE_TICK_S)):  # running elsewhere: look again now and then
                    if runner.stopping:
                        break
                    await asyncio.sleep(1)
            else:
                seen = await job.wait(seen, SSE_TICK_S)
        yield "event: bye\ndata: {}\n\n"  # the server is stopping; the page falls back to polling

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"})


@router.get("/rubrics", summary="The rubrics this server offers")
async def list_rubrics(service: ServiceDep) -> list[dict[str, str]]:
    return [{"key": c.key, "title": c.title} for c in service.rubrics.choices()]
