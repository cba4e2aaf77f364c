"""Starting an analysis: the upload (``POST /api/analyses``), and the answer to the
question a run stopped with (``POST /api/analyses/{id}/answer``).

The upload form is read here for the pages too (:func:`read_upload`): one reader, one
set of limits and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from ...errors import RubricError
from ..actions import Service
from ..pipeline import UploadOptions
from ..uploads import MAX_FIELD_BYTES, UploadForm, read_upload_form
from .common import ServiceDep, csrf_ok, found, problem
from .schemas import AnalysisOut, Problem, out

__all__ = ["form_flag", "read_upload", "router"]

router = APIRouter()


async def read_upload(
    request: Request,
    service: Service,
    *,
    before_file: Callable[[Mapping[str, str]], None] | None = None,
    require_file: bool = True,
    fields: dict[str, str] | None = None,
) -> UploadForm:
    """The upload form, its file spooled to the store's folder as it streams in
    (``before_file`` and ``fields``: see :func:`.read_upload_form`).

    Raises:
        HTTPException: 400 malformed, no file or an empty one; 413 the file or a field too large.
    """
    form = await read_upload_form(
        request,
        spool_dir=service.store.spool_dir,
        max_file_bytes=service.settings.max_upload_bytes,
        before_file=before_file,
        fields=fields,
    )
    if form.file is not None and form.file.size == 0:
        form.file.discard()
        raise problem(400, "bad_transcript", f"{form.file.name} is empty.", "Upload the exported transcript file.")
    if require_file and form.file is None:
        raise problem(400, "no_file", "Send the transcript in a multipart field named 'file'.")
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
    raise problem(422, "bad_field", f"The form field {name!r} must be true or false.")


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
        raise problem(400, "bad_rubric", e.message, e.hint) from e
    finally:
        form.file.discard()
    return out(found(service, analysis_id))


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
    found(service, analysis_id)
    try:
        ok = service.answer(
            analysis_id,
            candidate=candidate.strip() or None,
            all_speech=all_speech,
            input_format=input_format.strip() or None,
        )
    except RubricError as e:
        raise problem(400, "bad_rubric", e.message, e.hint) from e
    if not ok:
        raise problem(
            409,
            "no_question",
            f"Analysis {analysis_id} isn't waiting for that answer (nothing asked, already answered, "
            "running, or the answer was empty).",
        )
    return out(found(service, analysis_id))
