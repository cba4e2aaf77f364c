"""The pages: plain server-rendered HTML; a little JavaScript only enhances them.

Every form posts with the session's CSRF token. Transcript text reaches the page only
through autoescaped templates, and the Content-Security-Policy forbids inline script.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from ..errors import InputError, RubricError
from ..ingest import available_formats
from ..report.model import NOTICE, Report
from .api import read_upload, service_of
from .pipeline import CandidateNeeded, UploadOptions
from .security import check_form_csrf, csrf_token
from .service import AnalysisView, Service
from .views import report_view

__all__ = ["page", "router"]

router = APIRouter(include_in_schema=False)

ALL_SPEECH = "__all_speech__"


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    service = service_of(request)
    html = env.get_template(template).render(
        csrf=csrf_token(request),
        notice=NOTICE,
        lexical=service.settings.analysis.tagger == "lexical",
        **context,
    )
    return HTMLResponse(html, status)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, 303)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes")


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, deleted: str | None = None, responses: int | None = None) -> HTMLResponse:
    service = service_of(request)
    return page(
        request,
        "index.html.j2",
        analyses=service.views(),
        rubrics=service.rubrics.choices(),
        default_rubric=service.rubrics.default,
        formats=available_formats(),
        max_mb=service.settings.max_upload_bytes / 1_048_576,
        deleted=deleted,
        responses_deleted=responses,
    )


def _error(
    request: Request, status: int, title: str, message: str, hint: str | None = None, **context: Any
) -> HTMLResponse:
    return page(request, "error.html.j2", status, title=title, message=message, hint=hint, **context)


@router.post("/analyses", response_model=None)
async def upload(
    request: Request,
    csrf: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    pending: Annotated[str, Form()] = "",
    candidate: Annotated[str, Form()] = "",
    speaker: Annotated[str, Form()] = "",
    rubric: Annotated[str, Form()] = "",
    redact: Annotated[str, Form()] = "",
    redact_names: Annotated[str, Form()] = "",
    input_format: Annotated[str, Form()] = "",
) -> Response:
    check_form_csrf(request, csrf)
    service = service_of(request)
    if pending:
        held = service.take(pending)
        if held is None:
            return _error(request, 410, "Upload expired", "That upload is no longer held here. Upload the file again.")
        data, name, options = held.data, held.name, held.options
        if speaker == ALL_SPEECH:
            options = UploadOptions(**{**options.recorded(), "candidate": None, "all_speech": True})
        elif speaker:
            options = UploadOptions(**{**options.recorded(), "candidate": speaker, "all_speech": False})
        if input_format:
            options = UploadOptions(**{**options.recorded(), "input_format": input_format})
    else:
        if file is None or not file.filename:
            return _error(request, 400, "No file", "Choose a transcript file to upload.")
        data, name = await read_upload(file, service.settings.max_upload_bytes)
        options = UploadOptions(
            candidate=candidate.strip() or None,
            rubric=rubric or None,
            redact=_flag(redact) or _flag(redact_names),
            redact_names=_flag(redact_names),
            input_format=input_format or None,
        )
    try:
        analysis_id = await service.submit(data, name, options)
    except CandidateNeeded as e:
        key = service.hold(data, name, options)
        return page(
            request,
            "candidate.html.j2",
            pending=key,
            name=name,
            message=e.message,
            speakers=e.speakers,
            labelled=e.labelled,
            tried=options.candidate,
            all_speech=ALL_SPEECH,
        )
    except InputError as e:
        retry = None
        if not options.input_format and "doesn't look like a transcript" in e.message:
            retry = service.hold(data, name, options)  # offer to read it as plain text
        return _error(
            request, 400, "Not a transcript we can read", e.message, _web_hint(e.hint), name=name, retry=retry
        )
    except RubricError as e:
        return _error(request, 400, "Unknown rubric", e.message, e.hint)
    return _see(f"/analyses/{analysis_id}")


def _web_hint(hint: str | None) -> str | None:
    """The CLI's hints name flags; on the page, say it the page's way."""
    if hint is None:
        return None
    return hint.replace("--max-file-mb", "the server's --max-file-mb").replace(
        "pass --input-format plain to read it anyway", "read it as plain text below"
    )


def _found(service: Service, analysis_id: str) -> AnalysisView:
    view = service.view(analysis_id)
    if view is None:
        raise HTTPException(404, f"There is no analysis {analysis_id!r} (it may have been deleted).")
    return view


@router.get("/analyses/{analysis_id}", response_class=HTMLResponse)
async def analysis_page(request: Request, analysis_id: str) -> HTMLResponse:
    service = service_of(request)
    view = _found(service, analysis_id)
    report: Report | None = service.report(analysis_id) if view.has_report else None
    if report is None:
        return page(request, "job.html.j2", a=view)
    transcript = service.transcript(analysis_id, view.options)
    return page(
        request,
        "report.html.j2",
        a=view,
        v=report_view(report, transcript.turns if transcript else None),
        speakers=[s for s in (transcript.speakers if transcript else []) if s != report.roles.candidate],
    )


@router.post("/analyses/{analysis_id}/resume", response_model=None)
async def resume(request: Request, analysis_id: str, csrf: Annotated[str, Form()] = "") -> Response:
    check_form_csrf(request, csrf)
    service = service_of(request)
    _found(service, analysis_id)
    new_id = await service.resume(analysis_id)
    if new_id is None:
        return _error(
            request,
            409,
            "Can't resume",
            "This analysis is finished, still running, already resumed, or was started outside the web page.",
        )
    return _see(f"/analyses/{new_id}")


@router.post("/analyses/{analysis_id}/rerun", response_model=None)
async def rerun(
    request: Request, analysis_id: str, csrf: Annotated[str, Form()] = "", candidate: Annotated[str, Form()] = ""
) -> Response:
    check_form_csrf(request, csrf)
    service = service_of(request)
    _found(service, analysis_id)
    try:
        new_id = await service.resume(analysis_id, candidate=candidate.strip() or None) if candidate.strip() else None
    except CandidateNeeded as e:
        return _error(request, 400, "Not a speaker", e.message, e.hint)
    if new_id is None:
        return _error(
            request,
            409,
            "Can't run it again",
            "Choose a speaker; the analysis must be finished and its transcript kept.",
        )
    return _see(f"/analyses/{new_id}")


@router.post("/analyses/{analysis_id}/delete", response_model=None)
async def delete(request: Request, analysis_id: str, csrf: Annotated[str, Form()] = "") -> Response:
    check_form_csrf(request, csrf)
    gone = await service_of(request).delete(analysis_id)
    if gone is None:
        return _see("/")
    return _see(f"/?deleted={gone.analyses[0]}&responses={gone.responses_deleted}#history")
