"""Interview coverage (#15): probes found in the interviewer's questions, "not probed"
verdicts, suggested follow-ups, and reports from before schema 1.1 still loading.

These are the unit cases; the held-out set (``evals/heldout/probes``) and the dev set's
``probes`` labels measure the detector without having shaped it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from clirun import run
from transcript_judge import service
from transcript_judge.ingest import Source
from transcript_judge.llm.base import ChatRequest, ChatResult, Usage
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.llm.subject import JudgedChunk
from transcript_judge.planning import AnalysisSettings
from transcript_judge.probes import asks, find_probes
from transcript_judge.report import render
from transcript_judge.report.model import Report
from transcript_judge.roles import RoleAssignment
from transcript_judge.rubric import Rubric, load_rubric
from transcript_judge.store import store_path
from transcript_judge.transcript import Turn

RUBRIC = load_rubric()
ROLES = RoleAssignment(candidate="Cand", interviewers=["Int"], method="given", reason="test", confidence=1.0)

NO_EVALUATION = "\n\n".join(
    [
        (
            'Int: Thanks for joining. Tell me about a production AI system you built that failed, and how you '
            'fixed it.'
        ),
        (
            'Cand: Our support chatbot started citing retired policy pages. I traced it to the nightly index job,'
            ' which had silently skipped a shard, so I added a check on document counts and a fallback to the '
            'previous index.'
        ),
        (
            'Int: Why would you choose one model over another for that support chatbot?'
        ),
        (
            'Cand: Latency and cost per conversation mattered more than benchmark scores; we needed a long '
            'context window for policy documents.'
        ),
        (
            'Int: When would you use LangChain, and when would you build custom orchestration?'
        ),
        (
            'Cand: LangChain was fine for the prototype. In production we wrote our own retrieval and retry '
            'logic, because we needed custom failure handling.'
        ),
    ]
)


def _report(text: str, rubric: Rubric = RUBRIC) -> Report:
    transcript, roles = service.read(Source(data=text.encode(), name="i.txt"), service.ReadChoices(candidate="Cand"))
    prepared = service.prepare(
        transcript, roles, source_name="i.txt", rubric=rubric, settings=AnalysisSettings(tagger="lexical")
    )
    return asyncio.run(service.run(prepared, None)).report


def _turn(i: int, speaker: str, text: str) -> Turn:
    return Turn(index=i, speaker=speaker, text=text, start=60.0 * i, end=60.0 * i + 30)


@pytest.mark.parametrize(
    ("sentence", "asking"),
    [
        ("What metrics do you use in production?", True),
        ("Walk me through how you would debug it", True),
        ("We use LangChain here, fyi.", False),
        ("That's a great answer.", False),
    ],
)
def test_a_probe_is_a_sentence_that_asks(sentence: str, asking: bool) -> None:
    assert asks(sentence) is asking


def test_only_the_interviewers_questions_are_probes() -> None:
    turns = [
        _turn(0, "Int", "We use LangChain here, fyi. Tell me about yourself."),
        _turn(1, "Cand", "What metrics do you use? I always ask that: we measured precision on a labelled set."),
        _turn(2, "Int", "Good. How would you know it's broken?"),
    ]
    found = find_probes(turns, ROLES, RUBRIC.probes)
    assert [(p.probe_id, p.quote.turn, p.quote.text) for p in found] == [
        ("quality_metrics", 2, "How would you know it's broken?")
    ]
    assert found[0].quote.timestamp == "00:02:00"


def test_an_interview_that_never_asks_about_evaluation_says_not_probed_and_suggests_a_question() -> None:
    report = _report(NO_EVALUATION)
    by_id = {f.criterion_id: f for f in report.findings}
    for cid in ("evaluation_rigor", "evaluation_avoidance"):
        assert by_id[cid].verdict == "not_probed" and by_id[cid].probed is False
    assert by_id["model_obsession"].probed and by_id["model_obsession"].probes_asked == ["model_selection"]
    assert by_id["failure_diagnosis"].verdict == "shown"  # shown beats any coverage question
    follow = next(f for f in report.follow_ups if f.probe_id == "quality_metrics")
    assert "evaluation_avoidance" in follow.criteria and follow.reason == "not_probed"
    suggested_for = {c for f in report.follow_ups for c in f.criteria}
    assert {"evaluation_rigor", "evaluation_avoidance"} <= suggested_for
    assert follow.question.startswith("You described the support chatbot.")
    assert follow.mention is not None and "support chatbot" in follow.mention.text and follow.mention.turn == 1
    assert report.interview is not None
    covered = {a.area for a in report.interview.areas if a.covered}
    assert covered == {"Failure story", "Model selection", "Build vs buy"}
    assert {s.speaker for s in report.interview.talk_time} == {"Int", "Cand"}
    assert report.schema_version >= "1.1"  # the schema that added coverage, or later


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_every_format_shows_not_probed_and_the_follow_ups(fmt: str) -> None:
    text = render(_report(NO_EVALUATION), fmt)  # type: ignore[arg-type]
    assert "not probed" in text and "Suggested follow-ups" in text and "What the interview covered" in text
    assert "What metrics do you use to measure system quality in production?" in text


def test_a_rubric_without_probes_turns_the_feature_off_and_says_so() -> None:
    plain = RUBRIC.model_copy(update={"probes": []})
    report = _report(NO_EVALUATION, plain)
    assert all(f.probed is None and f.verdict != "not_probed" for f in report.findings)
    assert report.follow_ups == []
    assert report.interview is not None and not report.interview.probes_available
    assert "no probes" in (report.interview.unavailable_reason or "")


def _as_schema_1_0(data: dict[str, object]) -> dict[str, object]:
    data = {k: v for k, v in data.items() if k not in ("interview", "follow_ups")}
    data["schema_version"] = "1.0"
    for key in ("strengths", "red_flags"):
        for f in data[key]:  # type: ignore[attr-defined]
            f.pop("probed", None)
            f.pop("probes_asked", None)
            if f["verdict"] == "not_probed":
                f["verdict"] = "insufficient_evidence"
    return data


def test_a_report_from_before_schema_1_1_still_loads_in_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "i.txt"
    source.write_text(NO_EVALUATION)
    assert run(["analyse", str(source), "--tagger", "lexical", "--candidate", "Cand", "--quiet"]) == 0
    with sqlite3.connect(store_path()) as db:
        (analysis_id, stored), *_ = db.execute("SELECT id, report FROM analyses").fetchall()
        old = json.dumps(_as_schema_1_0(json.loads(stored)))
        db.execute("UPDATE analyses SET report = ? WHERE id = ?", (old, analysis_id))
    capsys.readouterr()
    assert run(["show", analysis_id]) == 0
    assert "Evaluation before shipping" in capsys.readouterr().out
    out = tmp_path / "old.html"
    assert run(["show", analysis_id, "-o", str(out)]) == 0
    assert "What the interview covered" not in out.read_text()  # an old report has no coverage to show


def _model_run(answer_probes: Callable[[JudgedChunk], str]) -> Report:
    """NO_EVALUATION through the llm tagger with ``probe_detection = "model"``: the fake
    judges every criterion not shown, and answers the probe question with ``answer_probes``."""

    def respond(request: ChatRequest) -> ChatResult:
        subject = subject_of(request)
        if subject.probes:
            content = answer_probes(subject)
        else:
            nothing = {"evidence": [], "reasoning": "-", "verdict": "not_shown", "confidence": 0.5}
            content = json.dumps({c: nothing for c in subject.criteria})
        return ChatResult(content=content, usage=Usage(prompt_tokens=100, completion_tokens=10), model="fake")

    source = Source(data=NO_EVALUATION.encode(), name="i.txt")
    transcript, roles = service.read(source, service.ReadChoices(candidate="Cand"))
    settings = AnalysisSettings(probe_detection="model")
    prepared = service.prepare(transcript, roles, source_name="i.txt", rubric=RUBRIC, settings=settings)
    return asyncio.run(service.run(prepared, FakeLLM(respond))).report


def test_the_model_finds_probes_at_interviewer_lines_only_and_its_calls_are_counted() -> None:
    def answer(subject: JudgedChunk) -> str:
        assert {ln.role for ln in subject.lines} == {"interviewer"}  # it is shown only the interviewer
        first = subject.lines[0].turn
        asked = [
            {"probe": "failure_story", "turn": first},
            {"probe": "model_selection", "turn": 3},  # the candidate's answer: placed at the question, turn 2
            {"probe": "telepathy", "turn": first},  # not a probe: dropped
        ]
        return json.dumps({"asked": asked})

    report = _model_run(answer)
    assert report.interview is not None and report.interview.method == "model"
    found = [(p.probe_id, p.quote.turn) for p in report.interview.probes]
    assert found == [("failure_story", 0), ("model_selection", 2)]
    assert report.interview.probes[0].quote.text.startswith("Tell me about a production AI system")
    by_id = {f.criterion_id: f for f in report.findings}
    assert by_id["evaluation_rigor"].verdict == "not_probed" and by_id["model_obsession"].probed
    assert report.usage.calls == 2  # one judgement, one probe question
    note = next(w.message for w in report.warnings if w.kind == "other" and "probe(s)" in w.message)
    assert "1 probe(s) named at a line after" in note and "1 probe(s) with an unknown id" in note


def test_an_unusable_probe_answer_falls_back_to_the_cues_and_says_so() -> None:
    report = _model_run(lambda subject: "I think they asked about failures.")
    assert report.interview is not None
    assert {p.probe_id for p in report.interview.probes} == {"failure_story", "model_selection", "build_vs_buy"}
    assert any("read by cue phrases" in w.message for w in report.warnings)


def test_the_terminal_summary_says_not_probed_and_suggests_follow_ups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "i.txt"
    source.write_text(NO_EVALUATION)
    assert run(["analyse", str(source), "--tagger", "lexical", "--candidate", "Cand"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "not probed" in out and "Suggested follow-ups (suggestions, not findings)" in out
    assert "Interview covered: Failure story" in out and "not covered:" in out
    assert "What metrics do you use to measure system quality in production?" in out
