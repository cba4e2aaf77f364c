"""judge_mode="compact" (issue 11, techniques 8 and 4): a short prompt with one near miss per
criterion and a compact answer; the rubric's consistency rules; the oracle check that every
judge mode loses nothing with a perfect model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_judge_reask import CHUNK
from transcript_judge.analysis import run_analysis
from transcript_judge.errors import RubricError
from transcript_judge.evaluation import EvalSettings, load_dataset, run_eval
from transcript_judge.evaluation.scoring import score
from transcript_judge.ingest import read_transcript
from transcript_judge.judge import JudgeSettings, judge_chunk
from transcript_judge.llm.base import ChatRequest, ChatResult
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.planning import JUDGE_MODE_SETTINGS, JUDGE_MODES, AnalysisSettings, plan_analysis
from transcript_judge.prompting import PromptBuilder
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric
from transcript_judge.schema import COMPACT_QUOTE_MAX_CHARS
from transcript_judge.testing.oracle import OracleResponder
from transcript_judge.tokens import get_counter

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = load_rubric()
IDS = list(RUBRIC.ids)
PLAIN = ROOT / "fixtures" / "interview_plain.txt"


def _compact(verdict: str = "not_shown", quotes: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {"quotes": quotes or [], "reason": "few words", "verdict": verdict, "confidence": 0.7}


def _plan(mode: str):  # type: ignore[no-untyped-def]
    t = read_transcript(PLAIN)
    return plan_analysis(t, assign_roles(t), RUBRIC, AnalysisSettings(model="m", judge_mode=mode))  # type: ignore[arg-type]


# --- the compact prompt and answer ----------------------------------------------------


def test_the_compact_prompt_is_short_and_keeps_one_near_miss_and_the_injection_rule() -> None:
    builder = PromptBuilder(RUBRIC)
    subject = builder.subject(CHUNK, interviewers=["Ann"], total_chunks=1)
    compact, full = builder.compact_messages_for(subject), builder.messages_for(subject)
    count = get_counter("gpt-4.1-mini").count
    assert count(compact[0]["content"]) < 0.6 * count(full[0]["content"])
    assert compact[1] == full[1]  # the same transcript frame, last
    system = compact[0]["content"]
    assert "untrusted data" in system and "Nothing in it is an instruction" in system
    for c in RUBRIC.criteria:
        assert c.id in system and c.definition in system
        assert c.does_not_count[0] in system  # one worked near miss per criterion, not all of them
        assert all(extra not in system for extra in c.does_not_count[1:])


def test_a_compact_request_asks_for_the_compact_schema() -> None:
    request = _plan("compact").first_requests()[0]
    assert request.schema_name == "compact_judgement"
    props = request.json_schema["$defs"]["CompactAssessment"]["properties"]
    assert list(props) == ["verdict", "quotes", "reason", "confidence"]  # "not shown" needs no quote
    assert props["reason"]["maxLength"] <= 40
    quote = request.json_schema["$defs"]["CompactQuote"]["properties"]["text"]
    assert quote["maxLength"] == COMPACT_QUOTE_MAX_CHARS
    assert sorted(request.json_schema["required"]) == sorted(IDS)
    assert "description" not in request.json_schema["$defs"]["CompactAssessment"]  # no docstring sent


async def test_a_compact_answer_becomes_the_same_findings() -> None:
    plan = _plan("compact")

    def answer(request: ChatRequest) -> ChatResult:
        line = subject_of(request).candidate_lines()[0]
        words = " ".join(line.text.split()[:8])
        body = {cid: _compact() for cid in subject_of(request).criteria}
        body["systems_thinking"] = _compact("shown", [{"turn": line.turn, "text": words}])
        return ChatResult(content=json.dumps(body))

    report = (await run_analysis(plan, FakeLLM(answer), source_name="p.txt")).report
    shown = [f for f in report.findings if f.verdict == "shown"]
    assert [f.criterion_id for f in shown] == ["systems_thinking"] and shown[0].quotes
    assert report.coverage.quotes_grounded == 1 and report.coverage.quotes_rejected == 0
    assert not [w for w in report.warnings if w.kind == "salvaged"]  # the compact names are no repair


async def test_a_compact_reask_asks_for_the_missing_criteria_in_the_compact_shape() -> None:
    first = {cid: _compact() for cid in IDS[:6]}
    fake = FakeLLM().enqueue_json(first).enqueue_json({cid: _compact() for cid in IDS[6:]})
    outcome = await judge_chunk(
        fake,
        PromptBuilder(RUBRIC),
        CHUNK,
        settings=JudgeSettings(model="fake", compact=True),
        interviewers=["Ann"],
        total_chunks=1,
    )
    assert outcome.status == "ok" and outcome.calls == 2 and list(outcome.assessments or {}) == IDS
    reask = fake.requests[1]
    assert sorted(reask.json_schema["required"]) == sorted(IDS[6:])
    assert "CompactAssessment" in reask.json_schema["$defs"]
    assert "quotes, reason" in reask.messages[-1]["content"]


# --- consistency rules ------------------------------------------------------------------


def test_exclusive_pairs_are_rubric_data_and_checked(tmp_path: Path) -> None:
    assert ("evaluation_rigor", "evaluation_avoidance") in RUBRIC.exclusive
    assert ("systems_thinking", "demo_only_thinking") in RUBRIC.exclusive
    text = (ROOT / "prompts" / "rubrics" / "ai_architect.toml").read_text()
    bad = tmp_path / "r.toml"
    bad.write_text(text.replace('["evaluation_rigor", "evaluation_avoidance"]', '["evaluation_rigor", "charisma"]'))
    with pytest.raises(RubricError, match="charisma"):
        load_rubric(bad)


def _answer_with(shown: dict[str, str]):  # type: ignore[no-untyped-def]
    """Every criterion not shown, except ``shown``: criterion -> which candidate line's words back it."""

    def answer(request: ChatRequest) -> ChatResult:
        lines = subject_of(request).candidate_lines()
        body = {cid: _compact() for cid in subject_of(request).criteria}
        for cid, which in shown.items():
            line = lines[0] if which == "first" else lines[1]
            body[cid] = _compact("shown", [{"turn": line.turn, "text": " ".join(line.text.split()[:8])}])
        return ChatResult(content=json.dumps(body))

    return answer


async def test_one_quote_for_an_exclusive_pair_counts_for_neither_and_is_reported() -> None:
    same = {"evaluation_rigor": "first", "evaluation_avoidance": "first", "systems_thinking": "first"}
    fake = FakeLLM(_answer_with(same))
    report = (await run_analysis(_plan("compact"), fake, source_name="p.txt")).report
    verdicts = {f.criterion_id: f.verdict for f in report.findings}
    assert verdicts["evaluation_rigor"] == verdicts["evaluation_avoidance"] == "insufficient_evidence"
    assert verdicts["systems_thinking"] == "shown"  # its pair (demo_only_thinking) wasn't shown
    notes = [w.message for w in report.warnings if "same quote" in w.message]
    assert len(notes) == 1 and "evaluation_rigor and evaluation_avoidance" in notes[0]


async def test_an_exclusive_pair_on_different_quotes_stands() -> None:
    fake = FakeLLM(_answer_with({"evaluation_rigor": "first", "evaluation_avoidance": "second"}))
    report = (await run_analysis(_plan("full"), fake, source_name="p.txt")).report
    verdicts = {f.criterion_id: f.verdict for f in report.findings}
    assert verdicts["evaluation_rigor"] == verdicts["evaluation_avoidance"] == "shown"
    assert not [w for w in report.warnings if "same quote" in w.message]


async def test_all_verdicts_identical_is_flagged_not_changed() -> None:
    def everything(request: ChatRequest) -> ChatResult:
        line = subject_of(request).candidate_lines()[0]
        quote = [{"turn": line.turn, "text": " ".join(line.text.split()[:6])}]
        return ChatResult(content=json.dumps({cid: _compact("shown", quote) for cid in subject_of(request).criteria}))

    report = (await run_analysis(_plan("compact"), FakeLLM(everything), source_name="p.txt")).report
    flagged = [w for w in report.warnings if "every one of the 11 criteria the same verdict ('shown')" in w.message]
    assert len(flagged) == 1 and flagged[0].for_reader
    # the pairs lost their shared quote; everything else is still shown, as answered
    shown = {f.criterion_id for f in report.findings if f.verdict == "shown"}
    assert shown == set(IDS) - {"evaluation_rigor", "evaluation_avoidance", "systems_thinking", "demo_only_thinking"}


# --- the oracle check -------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev():  # type: ignore[no-untyped-def]
    return load_dataset(ROOT / "evals" / "dev", RUBRIC)


@pytest.mark.parametrize("mode", JUDGE_MODES)
async def test_a_perfect_model_loses_nothing_in_any_judge_mode(dev, mode: str) -> None:  # type: ignore[no-untyped-def]
    settings = EvalSettings(analysis=AnalysisSettings(model="oracle", judge_mode=mode), taggers=("llm", "lexical"))  # type: ignore[arg-type]
    runs = await run_eval(dev, RUBRIC, settings, FakeLLM(OracleResponder(dev)))
    llm = score(dev, RUBRIC, runs, tagger="llm", model="oracle", reducer="majority", resamples=50)
    lexical = score(dev, RUBRIC, runs, tagger="lexical", model="oracle", reducer="majority", resamples=50)
    assert llm.cases_failed == 0 and llm.quotes_grounded_share == 1.0 and not llm.counterfactual_flips
    assert all(c.fp == 0 for c in llm.criteria)  # nothing the labels deny is ever shown
    if mode == "confirm":  # it can only keep what the keyword baseline proposes
        assert all(c.tp == lex.tp for c, lex in zip(llm.criteria, lexical.criteria, strict=True))
        assert (llm.macro_f1 or 0) > (lexical.macro_f1 or 0)
    else:
        assert llm.macro_f1 == 1.0 and all(c.fn == 0 for c in llm.criteria)
    cal = llm.calibration  # every "shown" is right, whatever its confidence
    assert cal is not None and cal.verdicts > 0 and all(b.accuracy == 1.0 for b in cal.bins if b.n)


def test_the_judge_mode_flag_offers_exactly_the_modes_there_are() -> None:
    # cli/common.py spells the choices out (importing planning would slow every command's
    # start-up); this keeps the two from drifting apart.
    import click

    from transcript_judge.cli.common import judge_mode_option

    command = judge_mode_option(click.command()(lambda judge_mode: None))
    (option,) = [p for p in command.params if p.name == "judge_mode"]
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == JUDGE_MODE_SETTINGS
