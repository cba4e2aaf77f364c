"""judge_mode="confirm": the keyword baseline proposes, the model confirms each match."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from transcript_judge.analysis import run_analysis
from transcript_judge.confirm import read_confirmation, yes_probability
from transcript_judge.ingest import read_transcript
from transcript_judge.llm.base import ChatRequest, ChatResult, TokenLogprob
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.planning import AnalysisSettings, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric

RUBRIC = load_rubric()
PLAIN = Path(__file__).resolve().parents[1] / "fixtures" / "interview_plain.txt"


def _plans() -> tuple[object, object]:
    t = read_transcript(PLAIN)
    roles = assign_roles(t)
    lexical = plan_analysis(t, roles, RUBRIC, AnalysisSettings(tagger="lexical"))
    confirm = plan_analysis(t, roles, RUBRIC, AnalysisSettings(model="m", judge_mode="confirm"))
    return lexical, confirm


def _sentence(request: ChatRequest) -> str:
    return request.messages[1]["content"].rsplit('(CANDIDATE): "', 1)[1].split('"\n', 1)[0]


@pytest.mark.parametrize(
    ("content", "value"),
    [('{"answer": "yes"}', True), ('{"answer": "no"}', False), ("Yes.", True), ('```json\n{"answer":"No"}\n```', False),
     ('{"answer": true}', True), ("maybe", None), ("", None)],
)  # fmt: skip
def test_read_confirmation(content: str, value: bool | None) -> None:
    assert read_confirmation(content) is value


async def test_confirmed_matches_stay_and_rejected_ones_go() -> None:
    lexical_plan, plan = _plans()
    lexical = (await run_analysis(lexical_plan, None, source_name="p.txt")).report  # type: ignore[arg-type]
    proposed = {f.criterion_id for f in lexical.findings if f.verdict == "shown"}
    assert len(proposed) >= 2  # the fixture gives the baseline something to propose
    keep = sorted(proposed)[0]

    def answer(request: ChatRequest) -> ChatResult:
        question = subject_of(request).question
        assert question is not None
        return ChatResult(content=json.dumps({"answer": "yes" if question.criterion == keep else "no"}))

    fake = FakeLLM(answer)
    result = await run_analysis(plan, fake, source_name="p.txt")  # type: ignore[arg-type]
    report = result.report
    shown = {f.criterion_id for f in report.findings if f.verdict == "shown"}
    assert shown == {keep}
    assert len(fake.requests) == len(plan.first_requests())  # type: ignore[attr-defined]
    for request in fake.requests:  # the transcript first, the question last: one shared prefix
        assert request.messages[0] == fake.requests[0].messages[0]
        assert request.messages[1]["content"].startswith(fake.requests[0].messages[1]["content"][:200])
        assert _sentence(request) and request.max_output_tokens <= 16
        question = subject_of(request).question
        assert question is not None and _sentence(request) == question.sentence  # the prompt asks what it says
        assert f"Criterion: {RUBRIC.get(question.criterion).title} (" in request.messages[1]["content"]
    assert report.tagger == "llm" and "confirmed by the model" in report.coverage.chunks[0].detail


async def test_an_oracle_confirmer_reproduces_the_baseline() -> None:
    """Saying yes to everything loses nothing: the pipeline adds no error of its own."""
    lexical_plan, plan = _plans()
    lexical = (await run_analysis(lexical_plan, None, source_name="p.txt")).report  # type: ignore[arg-type]
    fake = FakeLLM(lambda r: ChatResult(content='{"answer": "yes"}'))
    report = (await run_analysis(plan, fake, source_name="p.txt")).report  # type: ignore[arg-type]
    assert {f.criterion_id: f.verdict for f in report.findings} == {f.criterion_id: f.verdict for f in lexical.findings}


async def test_an_unreadable_confirmation_is_counted_not_guessed() -> None:
    _, plan = _plans()
    fake = FakeLLM(lambda r: ChatResult(content="I think so, maybe"))
    result = await run_analysis(plan, fake, source_name="p.txt")  # type: ignore[arg-type]
    assert not [f for f in result.report.findings if f.verdict == "shown"]
    assert result.outcomes[0].repairs["confirmation_unreadable"] == len(fake.requests) > 0


def _with_p_yes(p_yes: float, *, word: str | None = None) -> ChatResult:
    """A confirmation as llama-cpp-python streams it with ``top_logprobs`` (capture 12):
    the answer token among its alternatives, "yes" and "no" both there."""
    word = word or ("yes" if p_yes >= 0.5 else "no")
    top = {"yes": math.log(p_yes), "no": math.log(1 - p_yes), "maybe": math.log(0.001)}
    tokens = (TokenLogprob(token='{"', top={'{"': -0.2}), TokenLogprob(token="answer", top={"answer": 0.0}),
              TokenLogprob(token=' "', top={' "': 0.0, " yes": -9.0}), TokenLogprob(token=word, top=top))  # fmt: skip
    return ChatResult(content=json.dumps({"answer": word}), logprobs=tokens)


@pytest.mark.parametrize(
    ("result", "expected"),
    [(_with_p_yes(0.8), 0.8), (_with_p_yes(0.2), 0.2), (_with_p_yes(0.4, word="yes"), 0.4),
     (ChatResult(content='{"answer": "yes"}'), None),
     (ChatResult(content="x", logprobs=(TokenLogprob(token="maybe", top={"maybe": -0.1}),)), None)],
)  # fmt: skip
def test_yes_probability_is_read_at_the_answer_token(result: ChatResult, expected: float | None) -> None:
    p = yes_probability(result)
    assert p == pytest.approx(expected, abs=1e-3) if expected is not None else p is None


@pytest.mark.parametrize("threshold", [0.3, 0.6])
async def test_the_threshold_decides_and_p_yes_is_the_confidence(threshold: float) -> None:
    """With log-probabilities, a match is confirmed when P(yes) reaches confirm_threshold,
    whatever the answer's word (a small model's P(yes) sits low); P(yes) is its confidence."""
    lexical_plan, _ = _plans()
    t = read_transcript(PLAIN)
    settings = AnalysisSettings(model="m", judge_mode="confirm", confirm_threshold=threshold)
    plan = plan_analysis(t, assign_roles(t), RUBRIC, settings)
    lexical = (await run_analysis(lexical_plan, None, source_name="p.txt")).report  # type: ignore[arg-type]
    proposed = sorted(f.criterion_id for f in lexical.findings if f.verdict == "shown")
    p_of = {cid: 0.45 if i % 2 else 0.7 for i, cid in enumerate(proposed)}  # 0.45 is a "no" by the word

    def answer(request: ChatRequest) -> ChatResult:
        assert request.top_logprobs >= 2  # asked for, so "yes" and "no" both come back
        question = subject_of(request).question
        assert question is not None
        return _with_p_yes(p_of[question.criterion])

    report = (await run_analysis(plan, FakeLLM(answer), source_name="p.txt")).report  # type: ignore[arg-type]
    shown = {f.criterion_id: f.confidence for f in report.findings if f.verdict == "shown"}
    assert shown == {cid: pytest.approx(p) for cid, p in p_of.items() if p >= threshold}
    rejected = {
        f.criterion_id: f.confidence for f in report.findings if f.criterion_id in p_of and f.verdict != "shown"
    }
    assert rejected == {cid: pytest.approx(1 - p) for cid, p in p_of.items() if p < threshold}
