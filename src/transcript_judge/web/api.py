"""The JSON API: the same things the pages do, for scripts. Documented at ``/openapi.json``.

Writes from a browser need the ``X-CSRF-Token`` header; scripts on this machine, or
with ``Authorization: Bearer <token>`` when the server has a token, don't.

``POST /api/analyses`` answers 202 as soon as the upload is stored: the transcript is
parsed in the job. A transcript whose candidate can't be told safely then stops in the
state ``candidate_needed``, with the ``question`` (the speakers to choose from); answer
it with ``POST /api/analyses/{id}/answer``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from ..errors import RubricError
from ..report import render
from ..transcript import Turn
from .pipeline import UploadOptions
from .security import check_api_csrf, clip, safe_filename
from .service import AnalysisView, Service
from .uploads import MAX_FIELD_BYTES, UploadForm, read_upload_form

__all__ = ["read_upload", "router", "service_of"]

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


class Question(BaseModel):
    """What a run asks before it can go on. Answer with ``POST /api/analyses/{id}/answer``."""

    kind: Literal["candidate", "format"] = Field(
        description="candidate: which speaker is the candidate (send candidate=NAME or all_speech=true); "
        "format: no reader recognised the file (send input_format=plain to read it as plain text)."
    )
    speakers: list[str] = Field(default_factory=list, description="For candidate: the speakers to choose from.")
    labelled: bool = Field(True, description="For candidate: whether the transcript has speaker labels at all.")
    tried: str | None = Field(None, description="For candidate: the name given, if it was not one of the speakers.")


class AnalysisOut(BaseModel):
    """An analysis and where it stands."""

    id: str
    source_name: str
    state: Literal[
        "queued", "analysing", "retrying", "candidate_needed", "done", "partial", "failed", "interrupted"
    ] = Field(
        description="queued (waiting for a slot), analysing (reading the transcript, then judging its chunks), "
        "retrying (after a rate limit or server error), candidate_needed (see question), done, partial "
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
    question: Question | None = Field(None, description="What the run asks before it can go on, if anything.")
    links: Links


class AnalysisList(BaseModel):
    analyses: list[AnalysisOut]


class Problem(BaseModel):
    code: str
    message: str
    hint: str | None = None


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
    problem = Problem(code=code, message=clip(message, 1000), hint=clip(hint, 1000) if hint else None, **extra)
    return HTTPException(status, problem.model_dump())


def _found(service: Service, analysis_id: str) -> AnalysisView:
    view = service.view(analysis_id)
    if view is None:
        raise _problem(404, "not_found", f"No analysis {clip(analysis_id, 40)!r}.")
    return view


async def read_upload(
    request: Request,
    service: Service,
    *,
    before_file: Callable[[Mapping[str, str]], None] | None = None,
    require_file: bool = True,
) -> UploadForm:
    """The upload form, its file spooled to the store's folder as it streams in.

    Raises:
        HTTPException: 400 malformed, no file or an empty one; 413 the file or a field too large.
    """
    form = await read_upload_form(
        request,
        spool_dir=service.store.spool_dir,
        max_file_bytes=service.settings.max_upload_bytes,
        before_file=before_file,
    )
    if form.file is not None and form.file.size == 0:
        form.file.discard()
        raise _problem(400, "bad_transcript", f"{form.file.name} is empty.", "Upload the exported transcript file.")
    if require_file and form.file is None:
        raise _problem(400, "no_file", "Send the transcript in a multipart field named 'file'.")
    return form


_TRUE, _FALSE = {"1", "true", "on", "yes"}, {"", "0", "false", "off", "no"}


def form_flag(form: UploadForm, name: str) -> bool:
    """A boolean form field (true/false, 1/0, on/off, yes/no; absent is false).

    Raises:
        HTTPException: 422 anything else (not echoed back).
    """
    value = form.get(name).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _problem(422, "bad_field", f"The form field {name!r} must be true or false.")


_UPLOAD_FIELDS: dict[str, tuple[str, str]] = {
    "candidate": ("string", "The candidate's speaker label (default: inferred; the report says how)."),
    "all_speech": ("boolean", "No speaker labels: all speech is the candidate's."),
    "rubric": ("string", "A rubric key from GET /api/rubrics."),
    "redact": ("boolean", "Replace emails, phones and URLs before sending."),
    "redact_names": ("boolean", "Also redact the speakers' names."),
    "input_format": ("string", "Force a reader instead of detecting the format."),
}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The transcript; its format is detected from the content. "
                            "Streamed to disk and refused (413) past the server's --max-file-mb.",
                        },
                        **{
                            name: {"type": kind, "description": f"{text} At most {MAX_FIELD_BYTES} bytes."}
                            for name, (kind, text) in _UPLOAD_FIELDS.items()
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/analyses",
    status_code=202,
    response_model=AnalysisOut,
    dependencies=[Depends(csrf_ok)],
    responses={400: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
    summary="Upload a transcript and start analysing it",
    openapi_extra=_UPLOAD_BODY,
)
async def create_analysis(request: Request, service: ServiceDep) -> AnalysisOut:
    """Returns 202 with the analysis (``queued`` or ``analysing``) as soon as the upload is
    stored; follow ``links.events`` or poll ``links.self``. The transcript is read in the
    job: one that isn't a transcript ends ``failed`` with the reason, and one whose
    candidate can't be told safely stops as ``candidate_needed`` with the ``question``
    (answer it with ``POST /api/analyses/{id}/answer``).
    """
    form = await read_upload(request, service)
    assert form.file is not None
    try:
        options = UploadOptions(
            candidate=form.get("candidate").strip() or None,
            all_speech=form_flag(form, "all_speech"),
            rubric=form.get("rubric") or None,
            redact=form_flag(form, "redact") or form_flag(form, "redact_names"),
            redact_names=form_flag(form, "redact_names"),
            input_format=form.get("input_format").strip() or None,
        )
        analysis_id = await service.submit(form.file, options)
    except RubricError as e:
        raise _problem(400, "bad_rubric", e.message, e.hint) from e
    finally:
        form.file.discard()
    return _out(_found(service, analysis_id))


@router.post(
    "/analyses/{analysis_id}/answer",
    status_code=202,
    response_model=AnalysisOut,
    dependencies=[Depends(csrf_ok)],
    responses={404: {"model": Problem}, 409: {"model": Problem}},
    summary="Answer the question an analysis stopped with, and run it on",
)
async def answer_analysis(
    analysis_id: str,
    service: ServiceDep,
    candidate: Annotated[str, Form(max_length=200, description="The candidate's speaker label.")] = "",
    all_speech: Annotated[bool, Form(description="All speech is the candidate's (no speaker labels).")] = False,
    input_format: Annotated[str, Form(max_length=64, description="A reader name, e.g. plain.")] = "",
) -> AnalysisOut:
    """For ``candidate_needed``: send ``candidate`` (one of ``question.speakers``) or
    ``all_speech=true``. For a ``failed`` run whose question is ``format``: send
    ``input_format=plain``. The analysis runs again under the same id (it may ask again)."""
    _found(service, analysis_id)
    try:
        ok = service.answer(
            analysis_id,
            candidate=candidate.strip() or None,
            all_speech=all_speech,
            input_format=input_format.strip() or None,
        )
    except RubricError as e:
        raise _problem(400, "bad_rubric", e.message, e.hint) from e
    if not ok:
        raise _problem(
            409,
            "no_question",
            f"Analysis {analysis_id} isn't waiting for that answer (nothing asked, already answered, "
            "running, or the answer was empty).",
        )
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
    transcript = await service.transcript(analysis_id, view.options) if fmt == "html" else None
    turns: Sequence[Turn] | None = transcript.turns if transcript is not None else None
    # A long transcript's HTML report takes a while: off the event loop.
    body = await asyncio.to_thread(render, report, fmt, turns=turns)
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
    try:
        new_id = await service.resume(analysis_id)
    except RubricError as e:
        raise _problem(400, "bad_rubric", e.message, e.hint) from e
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
