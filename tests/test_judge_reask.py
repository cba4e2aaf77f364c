"""The re-ask in ``judge_chunk``, tested directly with the shipped FakeLLM (#12 item 10):
what survives an answer that is partly or wholly unusable, and what the re-ask asks for."""

from __future__ import annotations

import json

from transcript_judge.chunking import Chunk, ChunkLine
from transcript_judge.judge import JudgeSettings, judge_chunk
from transcript_judge.llm.base import ChatResult
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.prompting import PromptBuilder
from transcript_judge.rubric import load_rubric

RUBRIC = load_rubric()
IDS = list(RUBRIC.ids)
CHUNK = Chunk(
    index=0,
    lines=(
        ChunkLine(turn=0, speaker="Ann", role="interviewer", text="How do you know it works?", start=0.0),
        ChunkLine(turn=1, speaker="Maya", role="candidate", text="We run an eval on 200 labelled cases.", start=5.0),
    ),
    tokens=40,
)


def judgement(ids: list[str]) -> dict[str, object]:
    return {
        cid: {"evidence": [], "reasoning": "Nothing here shows it.", "verdict": "not_shown", "confidence": 0.6}
        for cid in ids
    }


async def _judge(fake: FakeLLM, *, max_reasks: int = 1):  # type: ignore[no-untyped-def]
    return await judge_chunk(
        fake,
        PromptBuilder(RUBRIC),
        CHUNK,
        settings=JudgeSettings(model="fake", max_reasks=max_reasks),
        interviewers=["Ann"],
        total_chunks=1,
    )


async def test_a_partial_answer_is_kept_and_the_reask_asks_only_for_the_rest() -> None:
    first, rest = IDS[:6], IDS[6:]
    fake = FakeLLM().enqueue_json(judgement(first)).enqueue_json(judgement(rest))
    outcome = await _judge(fake)
    assert outcome.status == "ok" and outcome.calls == 2 and outcome.missing == []
    assert list(outcome.assessments or {}) == IDS and outcome.detail == "1 re-ask(s)"
    reask = fake.requests[1]
    assert sorted(reask.json_schema["required"]) == sorted(rest)  # only what is missing
    assert reask.messages[-2]["role"] == "assistant" and json.loads(reask.messages[-2]["content"]) == judgement(first)
    # the re-ask is about the same chunk, narrowed to what is missing; its key ignores that
    asked, again = subject_of(fake.requests[0]), subject_of(reask)
    assert again.lines == asked.lines and (again.index, again.total) == (asked.index, asked.total) == (0, 1)
    assert list(asked.criteria) == IDS and list(again.criteria) == reask.json_schema["required"]
    assert reask.key() == reask.model_copy(update={"subject": None}).key()


async def test_without_reasks_the_usable_part_stands_and_the_rest_is_named_missing() -> None:
    fake = FakeLLM().enqueue_json(judgement(IDS[:4]))
    outcome = await _judge(fake, max_reasks=0)
    assert outcome.status == "ok" and outcome.calls == 1
    assert outcome.missing == IDS[4:] and "no usable judgement for" in outcome.detail


async def test_garbage_twice_is_an_invalid_chunk_that_says_why() -> None:
    garbage = ChatResult(content="Sure! Here is my assessment of the candidate.")
    fake = FakeLLM().enqueue(garbage, garbage)
    outcome = await _judge(fake)
    assert outcome.status == "invalid" and outcome.calls == 2 and outcome.assessments is None
    assert outcome.detail.startswith("no usable judgement")
    assert "not a JSON object" in fake.requests[1].messages[-1]["content"]


async def test_judgements_survive_a_reask_that_is_cut_off() -> None:
    cut = ChatResult(content='{"systems_thinking": {"verd', finish_reason="length")
    fake = FakeLLM().enqueue_json(judgement(IDS[:5])).enqueue(cut)
    outcome = await _judge(fake)
    assert outcome.status == "ok" and list(outcome.assessments or {}) == IDS[:5]
    assert outcome.missing == IDS[5:]
