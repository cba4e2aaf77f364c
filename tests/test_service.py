"""The application layer every front end shares (:mod:`transcript_judge.service`): the
choice of tagger, reading, the budget, redaction, and the run through the caller's stack."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from transcript_judge import service
from transcript_judge.errors import BudgetExceededError, ConfigError
from transcript_judge.ingest import Source
from transcript_judge.llm.base import LLM, ChatRequest, ChatResult, Usage
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.planning import AnalysisSettings
from transcript_judge.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[1]
PLAIN = ROOT / "fixtures" / "interview_plain.txt"
RUBRIC = load_rubric()


def test_the_tagger_is_the_model_unless_none_is_configured_or_the_baseline_was_asked_for() -> None:
    assert service.choose_tagger(None, llm_configured=True) == "llm"
    assert service.choose_tagger("lexical", llm_configured=True) == "lexical"
    assert service.choose_tagger(None, llm_configured=False) == "lexical"
    with pytest.raises(ConfigError):
        service.choose_tagger("llm", llm_configured=False)
    with pytest.raises(ConfigError):
        service.choose_tagger(None, llm_configured=False, require_llm=True)


def test_a_candidate_who_isnt_a_speaker_names_the_speakers_to_ask_about() -> None:
    data = b"Alex: Hello there, how are you today?\n\nSam: Fine thanks, and you?\n"
    with pytest.raises(service.CandidateNeeded) as info:
        service.read(Source(data=data, name="two.txt"), service.ReadChoices(candidate="Jordan"))
    assert set(info.value.speakers) == {"Alex", "Sam"}
    assert info.value.labelled


def test_a_budget_is_checked_before_anything_is_sent_and_the_baseline_has_none() -> None:
    transcript, roles = service.read(PLAIN, service.ReadChoices())
    kwargs = {"source_name": PLAIN.name, "rubric": RUBRIC}
    with pytest.raises(BudgetExceededError, match="over --max-tokens 10"):
        service.prepare(transcript, roles, settings=AnalysisSettings(), budget=service.Budget(max_tokens=10), **kwargs)
    with pytest.raises(BudgetExceededError, match="price of 'my-local-model' is unknown"):
        service.prepare(
            transcript, roles, settings=AnalysisSettings(model="my-local-model"), budget=service.Budget(0.01), **kwargs
        )
    lexical = AnalysisSettings(tagger="lexical")
    prepared = service.prepare(transcript, roles, settings=lexical, budget=service.Budget(0.0, 0), **kwargs)
    assert prepared.plan.estimate().calls == 0


def _quote_first_candidate_line(request: ChatRequest) -> ChatResult:
    subject = subject_of(request)
    line = subject.candidate_lines()[0]
    answer = {
        cid: {"evidence": [], "reasoning": "-", "verdict": "not_shown", "confidence": 0.5} for cid in subject.criteria
    }
    answer["demo_only_thinking"] = {
        "evidence": [{"turn": line.turn, "text": line.text}],
        "reasoning": "a hackathon demo",
        "verdict": "shown",
        "confidence": 0.8,
    }
    return ChatResult(content=json.dumps(answer), usage=Usage(prompt_tokens=10, completion_tokens=5), model="fake")


def test_run_redacts_before_sending_goes_through_the_callers_stack_and_restores_the_quotes() -> None:
    data = PLAIN.read_bytes().replace(b"sales team", b"sales team (mail me at jo@example.com)")
    transcript, roles = service.read(Source(data=data, name="plain.txt"), service.ReadChoices())
    prepared = service.prepare(
        transcript,
        roles,
        source_name="plain.txt",
        rubric=RUBRIC,
        settings=AnalysisSettings(),
        redaction=service.RedactChoices(redact=True),
    )
    fake = FakeLLM(_quote_first_candidate_line)
    wrapped: list[LLM] = []

    def wrap(llm: LLM) -> LLM:
        wrapped.append(llm)
        return llm

    result = asyncio.run(service.run(prepared, fake, wrap=wrap))
    assert wrapped == [fake]
    sent = json.dumps([r.messages for r in fake.requests])
    assert "jo@example.com" not in sent
    demo = next(f for f in result.report.red_flags if f.criterion_id == "demo_only_thinking")
    assert demo.verdict == "shown"
    assert "jo@example.com" in demo.quotes[0].text  # mapped back to the words said
    assert prepared.digest == service.prepare(
        transcript, roles, source_name="x", rubric=RUBRIC, settings=AnalysisSettings(tagger="lexical")
    ).digest  # of the transcript as read, redaction or not


def test_run_without_a_model_is_the_keyword_baseline_and_wraps_nothing() -> None:
    transcript, roles = service.read(PLAIN, service.ReadChoices())
    prepared = service.prepare(
        transcript, roles, source_name=PLAIN.name, rubric=RUBRIC, settings=AnalysisSettings(tagger="lexical")
    )
    calls: list[LLM] = []
    result = asyncio.run(service.run(prepared, FakeLLM(), wrap=lambda llm: calls.append(llm) or llm))
    assert calls == [] and result.report.tagger == "lexical" and result.report.usage.calls == 0
