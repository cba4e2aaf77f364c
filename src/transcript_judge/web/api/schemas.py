"""The JSON API's public schema (what ``/openapi.json`` documents), and the one mapping
from the service's view of an analysis to it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ...candidate_question import CandidateFacts
from ..actions import AnalysisView

__all__ = ["AnalysisList", "AnalysisOut", "Deleted", "Links", "Problem", "Question", "out"]


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
    facts: CandidateFacts | None = Field(
        None, description="For candidate: each speaker's questions asked and answered and words spoken, "
        "the likely candidate, and a name the header or file name gives."
    )


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


def out(view: AnalysisView) -> AnalysisOut:
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
