"""The pages: plain server-rendered HTML; a little JavaScript only enhances them.

Every form posts with the session's CSRF token. Transcript text reaches the page only
through autoescaped templates, and the Content-Security-Policy forbids inline script.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from jinja2 import Environment

from ..candidate_question import CandidateFacts
from ..errors import RubricError
from ..ingest import available_formats
from ..report.model import NOTICE, Report
from .actions import AnalysisView, Service
from .api.common import service_of
from .api.submit import read_upload
from .listing import HistoryPage, group_runs, history_filter
from .pipeline import UploadOptions
from .security import TOO_LARGE_KEY, UploadTooLarge, check_form_csrf, clip, csrf_token
from .storage import HistoryFilter
from .views import matching_rubric, report_view

__all__ = ["page", "router"]

router = APIRouter(include_in_schema=False)

ALL_SPEECH = "__all_speech__"


def _render(request: Request, template: str, **context: Any) -> str:
    env: Environment = request.app.state.templates
    service = service_of(request)
    return env.get_template(template).render(
        csrf=csrf_token(request),
        notice=NOTICE,
        lexical=service.settings.analysis.tagger == "lexical",
        **context,
    )


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_render(request, template, **context), status)


def _blocks(pieces: Iterator[str], size: int = 1 << 16) -> Iterator[bytes]:
    """The template's output in blocks of about ``size`` characters, encoded."""
    held: list[str] = []
    n = 0
    for piece in pieces:
        held.append(piece)
        n += len(piece)
        if n >= size:
            yield "".join(held).encode()
            held, n = [], 0
    if held:
        yield "".join(held).encode()


def _stream(request: Request, template: str, **context: Any) -> StreamingResponse:
    """A page rendered as it is sent (Starlette iterates it on a worker thread)."""
    env: Environment = request.app.state.templates
    pieces = env.get_template(template).generate(
        csrf=csrf_token(request),
        notice=NOTICE,
        lexical=service_of(request).settings.analysis.tagger == "lexical",
        **context,
    )
    return StreamingResponse(_blocks(pieces), media_type="text/html; charset=utf-8")


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, 303)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes")


def _form_context(service: Service) -> dict[str, Any]:
    """What the upload form (``_upload_form.html.j2``) needs: one definition for both pages."""
    return {
        "rubrics": service.rubrics.choices(),
        "default_rubric": service.rubrics.default,
        "formats": available_formats(),
        "max_mb": service.settings.max_upload_bytes / 1_048_576,
    }


#: Transcripts the upload page lists (the history page has them all, a page at a time).
INDEX_HISTORY = 10


def _history(service: Service, f: HistoryFilter, *, ops: bool = False) -> HistoryPage:
    """One page of the history, by transcript (bounded: see :meth:`.WebStore.history_page`)."""
    runs, more = service.store.history_page(f)
    groups = group_runs(runs, lambda r: service.view_of(r.record, r.resumed_by))
    return HistoryPage(filter=f, groups=groups, more=more, ops=ops)


@router.get("/history", response_class=HTMLResponse)
async def history_page(
    request: Request,
    q: str | None = None,
    state: str | None = None,
    verdict: str | None = None,
    page_: Annotated[int | None, Query(alias="page")] = None,
    ops: str | None = None,
) -> HTMLResponse:
    """The history: search (candidate or file name), filter (state, verdicts), a page at a time."""
    service = service_of(request)
    h = await asyncio.to_thread(_history, service, history_filter(q, state, verdict, page_), ops=_flag(ops))
    return page(request, "history.html.j2", h=h)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, deleted: str | None = None, responses: int | None = None) -> HTMLResponse:
    service = service_of(request)
    h = await asyncio.to_thread(_history, service, history_filter(None, None, None, 1, per_page=INDEX_HISTORY))
    return page(
        request,
        "index.html.j2",
        h=h,
        **_form_context(service),
        deleted=deleted,
        responses_deleted=responses,
    )


#: The upload form's fields that a refused upload gives back (never the file, never the CSRF token).
KEPT_FIELDS = ("candidate", "rubric", "redact", "redact_names", "input_format")


def _refused(request: Request, status: int, message: str, hint: str | None, fields: Mapping[str, str]) -> HTMLResponse:
    """The upload form again, with why the upload was refused and the choices as sent."""
    choices = {k: clip(fields[k], 200) for k in KEPT_FIELDS if fields.get(k)}
    return page(
        request,
        "upload.html.j2",
        status,
        upload_error={"message": message, "hint": hint},
        choices=choices,
        **_form_context(service_of(request)),
    )


def _problem_text(exc: HTTPException) -> tuple[str, str | None]:
    """An HTTP error's message and hint (an API problem is a dict; others a string)."""
    detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
    hint = detail.get("hint")
    return clip(str(detail.get("message", "")), 1000), clip(str(hint), 1000) if hint else None


def _error(
    request: Request, status: int, title: str, message: str, hint: str | None = None, **context: Any
) -> HTMLResponse:
    return page(request, "error.html.j2", status, title=title, message=message, hint=hint, **context)


@router.post("/analyses", response_model=None)
async def upload(request: Request) -> Response:
    """The upload form. The file streams to disk; the CSRF field (first in the form) is
    checked before any of it is kept. A refused upload shows the form again with the
    reason and the choices that arrived (the fields after the file don't, when the file
    itself was refused while it streamed)."""
    fields: dict[str, str] = {}

    def csrf_first(seen: Mapping[str, str]) -> None:
        fields.update(seen)
        check_form_csrf(request, seen.get("csrf"))

    service = service_of(request)
    too_large = (
        str(UploadTooLarge(service.settings.max_upload_bytes).detail).split(". ", 1)[0] + ".",  # its size, its words
        "Split the transcript, or ask whoever runs the server to start it with a larger --max-file-mb.",
    )
    if request.scope.get(TOO_LARGE_KEY):  # its Content-Length says so: refused unread
        return _refused(request, 413, *too_large, fields)
    try:
        form = await read_upload(request, service, before_file=csrf_first, require_file=False, fields=fields)
    except UploadTooLarge:
        return _refused(request, 413, *too_large, fields)
    except HTTPException as e:
        return _refused(request, e.status_code, *_problem_text(e), fields)
    try:
        check_form_csrf(request, form.get("csrf"))
        if form.file is None:
            return _refused(request, 400, "Choose a transcript file to upload.", None, form.fields)
        options = UploadOptions(
            candidate=form.get("candidate").strip() or None,
            rubric=form.get("rubric") or None,
            redact=_flag(form.get("redact")) or _flag(form.get("redact_names")),
            redact_names=_flag(form.get("redact_names")),
            input_format=form.get("input_format").strip() or None,
        )
        analysis_id = await service.submit(form.file, options)
    except HTTPException as e:
        return _refused(request, e.status_code, *_problem_text(e), form.fields)
    except RubricError as e:
        return _refused(request, 400, e.message, e.hint, form.fields)
    finally:
        if form.file is not None:
            form.file.discard()
    return _see(f"/analyses/{analysis_id}")


@router.post("/analyses/{analysis_id}/answer", response_model=None)
async def answer(
    request: Request,
    analysis_id: str,
    csrf: Annotated[str, Form()] = "",
    speaker: Annotated[str, Form(max_length=400)] = "",
    input_format: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The answer to the question a run stopped with (the candidate; plain text)."""
    check_form_csrf(request, csrf)
    service = service_of(request)
    _found(service, analysis_id)
    try:
        ok = service.answer(
            analysis_id,
            candidate=speaker if speaker and speaker != ALL_SPEECH else None,
            all_speech=speaker == ALL_SPEECH,
            input_format=input_format or None,
        )
    except RubricError as e:
        return _error(request, 400, "Unknown rubric", e.message, e.hint)
    if not ok:
        return _error(
            request,
            409,
            "Already answered",
            "This analysis isn't waiting for an answer any more. Open it to see where it stands.",
            link=f"/analyses/{analysis_id}",
        )
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
        raise HTTPException(404, f"There is no analysis {clip(analysis_id, 40)!r} (it may have been deleted).")
    return view


@router.get("/analyses/{analysis_id}", response_class=HTMLResponse)
async def analysis_page(request: Request, analysis_id: str) -> Response:
    service = service_of(request)
    view = _found(service, analysis_id)
    report: Report | None = service.report(analysis_id) if view.has_report else None
    if report is None and view.state == "candidate_needed" and view.question is not None:
        return _candidate_page(request, view, view.question)
    if report is None:
        return page(request, "job.html.j2", a=view, message=_web_hint(view.message) or "")
    transcript = await service.transcript(analysis_id, view.options)
    speakers = [s for s in (transcript.speakers if transcript else []) if s != report.roles.candidate]
    # A long transcript is tens of thousands of turns to lay out: off the event loop, and
    # streamed as it renders rather than held whole (twice: as text, then as bytes).
    rubric = matching_rubric(report, (service.rubrics.get(c.key) for c in service.rubrics.choices()))
    title = getattr(transcript, "title", None)  # a parsed upload has one; kept turns don't
    v = await asyncio.to_thread(
        partial(report_view, rubric=rubric, title=title), report, transcript.turns if transcript else None
    )
    return _stream(request, "report.html.j2", a=view, v=v, speakers=speakers)


def _candidate_page(request: Request, view: AnalysisView, q: Mapping[str, Any]) -> HTMLResponse:
    """Who is the candidate: each speaker with who asks and who answers, the likely one
    chosen (records from before the facts were kept show the speakers alone)."""
    facts = CandidateFacts.model_validate(q["facts"]) if q.get("facts") else None
    speakers: list[str] = q.get("speakers") or []
    labelled = bool(q.get("labelled", True))
    likely = (facts.inferred or facts.name_speaker) if facts else None
    preselect = likely if likely in speakers else (ALL_SPEECH if not labelled or not speakers else None)
    return page(
        request,
        "candidate.html.j2",
        a=view,
        name=view.source_name,
        facts=facts,
        stats={st.name: st for st in facts.speakers} if facts else {},
        speakers=speakers,
        labelled=labelled,
        preselect=preselect,
        tried=clip(q["tried"], 80) if q.get("tried") else None,
        all_speech=ALL_SPEECH,
    )


@router.post("/analyses/{analysis_id}/resume", response_model=None)
async def resume(request: Request, analysis_id: str, csrf: Annotated[str, Form()] = "") -> Response:
    check_form_csrf(request, csrf)
    service = service_of(request)
    _found(service, analysis_id)
    try:
        new_id = await service.resume(analysis_id)
    except RubricError as e:
        return _error(request, 400, "Unknown rubric", e.message, e.hint)
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
    request: Request,
    analysis_id: str,
    csrf: Annotated[str, Form()] = "",
    candidate: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Run a finished analysis again for another speaker (a new analysis; a name that
    isn't a speaker makes it ask, like an upload)."""
    check_form_csrf(request, csrf)
    service = service_of(request)
    _found(service, analysis_id)
    try:
        new_id = await service.resume(analysis_id, candidate=candidate.strip()) if candidate.strip() else None
    except RubricError as e:
        return _error(request, 400, "Unknown rubric", e.message, e.hint)
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
