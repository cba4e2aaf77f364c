"""A request's subject (#12 item 10): what it asks, as data for fakes, outside its key
(re-asks: tests/test_judge_reask.py).

The subject is what the prompt renders from, so these tests read the wire text on
purpose: they prove the data and the prompt say the same thing, and that the key (which
keys the cache and the committed recordings) doesn't see the subject at all.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from transcript_judge.chunking import ChunkingSettings
from transcript_judge.ingest import read_transcript
from transcript_judge.llm.base import ChatRequest
from transcript_judge.llm.fake import subject_of
from transcript_judge.planning import AnalysisSettings, Plan, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric
from transcript_judge.testing.wire import subject_from_messages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUBRIC = load_rubric()


def _plan(name: str = "interview_zoom.vtt", **kw: object) -> Plan:
    t = read_transcript(FIXTURES / name)
    settings = AnalysisSettings(model="m", chunking=ChunkingSettings(chunk_tokens=500), **kw)  # type: ignore[arg-type]
    return plan_analysis(t, assign_roles(t), RUBRIC, settings)


def _without_subject(request: ChatRequest) -> ChatRequest:
    return request.model_copy(update={"subject": None})


def test_the_key_and_the_dump_ignore_the_subject() -> None:
    requests = _plan().first_requests() + _plan("interview_plain.txt", judge_mode="confirm").first_requests()
    assert requests and all(r.subject is not None for r in requests)
    for request in requests:
        bare = _without_subject(request)
        assert request.key() == bare.key()
        assert request.model_dump() == bare.model_dump() and "subject" not in request.model_dump()
        assert "subject" not in repr(request)


def test_the_subject_is_what_the_prompt_shows() -> None:
    plan = _plan()
    requests = plan.first_requests()
    assert len(requests) == len(plan.chunks) >= 3
    for chunk, request in zip(plan.chunks, requests, strict=True):
        subject = subject_of(request)
        user = request.messages[1]["content"]
        assert (subject.index, subject.total) == (chunk.index, len(plan.chunks))
        assert f"(part {chunk.index + 1} of {len(plan.chunks)})" in user
        assert list(subject.criteria) == request.json_schema["required"] == list(RUBRIC.ids)
        assert [ln.turn for ln in subject.lines] == [ln.turn for ln in chunk.lines]
        assert [ln.start for ln in subject.lines] == [ln.start for ln in chunk.lines]
        shown = [f"[{ln.label}] {ln.who}: {ln.text}" for ln in subject.lines]
        assert "\n".join(shown) + "\n" in user  # every line, in order, exactly as sent
        assert {ln.role for ln in subject.candidate_lines()} <= {"candidate"}
        assert not any(ln.context for ln in subject.own_lines())
    assert any(ln.context for r in requests for ln in subject_of(r).lines)  # the fixture has overlap


def test_the_wire_reading_matches_the_subject() -> None:
    """The one wire-text parser (for fakes behind respx) stays in step with the template."""
    requests = _plan().first_requests() + _plan("interview_plain.txt", judge_mode="confirm").first_requests()
    for request in requests:
        subject = subject_of(request)
        read = subject_from_messages(request.messages, subject.criteria)
        expected = replace(subject, lines=tuple(replace(ln, start=None) for ln in subject.lines), question=None)
        assert read == expected


def test_confirm_requests_name_their_question() -> None:
    requests = _plan("interview_plain.txt", judge_mode="confirm").first_requests()
    assert requests
    for request in requests:
        question = subject_of(request).question
        assert question is not None and subject_of(request).criteria == (question.criterion,)
        user = request.messages[1]["content"]
        assert f'(CANDIDATE): "{question.sentence}"' in user
        assert f"Criterion: {RUBRIC.get(question.criterion).title} (" in user
