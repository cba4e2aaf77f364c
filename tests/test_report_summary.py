"""The reader's report in every format (#13): the scorecard, the reader's order, the legend,
the question each quote answers, a failed run, warnings by audience, older reports."""

from __future__ import annotations

import asyncio
import json
import typing
from datetime import date
from html import unescape
from io import StringIO

import pytest
from rich.console import Console

from transcript_judge import service
from transcript_judge.ingest import Source
from transcript_judge.llm.base import ChatRequest, ChatResult, Usage
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.planning import AnalysisSettings
from transcript_judge.report import render, render_terminal
from transcript_judge.report.model import WARNING_AUDIENCE, Report, Warning, WarningKind
from transcript_judge.report.summary import (
    LEGEND,
    Questions,
    by_section,
    interview_date,
    reader_warnings,
    scorecard,
    time_order,
    verdict_label,
)
from transcript_judge.rubric import load_rubric
from transcript_judge.transcript import Turn

RUBRIC = load_rubric()
TRANSCRIPT = "\n\n".join(
    [
        "[00:00:05] Int: Tell me about a production AI system you built that failed.",
        "[00:00:20] Cand: Our support chatbot cited retired pages. I traced it to the index job, which had "
        "skipped a shard, so I added a check on document counts and a fallback to the previous index.",
        "[00:01:10] Int: How would you pick the model for it?",
        "[00:01:30] Cand: Honestly I'd just use the biggest model on the leaderboard.",
        "[00:02:00] Int: And if the model service is down?",
        "[00:02:20] Cand: Then we fall back to the previous index and alert on the fallback rate.",
    ]
)
SHOWN = {
    "systems_thinking": ["fall back to the previous index", "added a check on document counts"],
    "model_obsession": ["use the biggest model on the leaderboard"],
}


def _judge(request: ChatRequest) -> ChatResult:
    """Shown where a phrase of SHOWN is in the chunk's candidate lines, quoting it (the later
    quote first, so time order differs from the stored order); otherwise not shown."""
    lines = subject_of(request).candidate_lines()
    out: dict[str, object] = {}
    for cid in subject_of(request).criteria:
        found = [(ln.turn, p) for p in SHOWN.get(cid, []) for ln in lines if p in ln.text]
        found.sort(reverse=True)
        verdict = "shown" if found else "not_shown"
        evidence = [{"turn": t, "text": p} for t, p in found]
        out[cid] = {"evidence": evidence, "reasoning": "scripted", "verdict": verdict, "confidence": 0.8}
    return ChatResult(content=json.dumps(out), usage=Usage(prompt_tokens=100, completion_tokens=20), model="m")


def _failing(request: ChatRequest) -> ChatResult:
    return ChatResult(content="Sure! Here is my assessment.", usage=Usage(prompt_tokens=10, completion_tokens=5))


def _run(llm: FakeLLM, name: str = "screen_2025-03-14.txt") -> tuple[Report, tuple[Turn, ...]]:
    transcript, roles = service.read(Source(data=TRANSCRIPT.encode(), name=name), service.ReadChoices(candidate="Cand"))
    prepared = service.prepare(transcript, roles, source_name=name, rubric=RUBRIC, settings=AnalysisSettings())
    return asyncio.run(service.run(prepared, llm)).report, transcript.turns


def test_every_warning_kind_has_one_audience() -> None:
    kinds = set(typing.get_args(WarningKind))
    assert set(WARNING_AUDIENCE) == kinds
    assert WARNING_AUDIENCE["token_estimate"] == "operator" and WARNING_AUDIENCE["lexical_baseline"] == "operator"
    assert WARNING_AUDIENCE["prompt_injection"] == "reader"


def test_the_legend_explains_every_verdict_label() -> None:
    from transcript_judge.report.model import Finding

    labels = {label for label, _ in LEGEND}
    for verdict in ("shown", "not_shown", "insufficient_evidence", "not_probed"):
        for probed in (None, True, False):
            f = Finding(criterion_id="x", kind="strength", title="X", verdict=verdict, confidence=0.5,
                        rationale="-", probed=probed)
            assert verdict_label(f) in labels


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Phone screen 2024-11-21", "x.vtt"), date(2024, 11, 21)),
        ((None, "google_meet_polygon_ppgc07_2023-09-07.md"), date(2023, 9, 7)),
        ((None, "call_2023_02_30.vtt"), None),  # not a real day
        ((None, "h01.vtt"), None),
        ((None, "build-20231107123.vtt"), None),  # part of a longer number
    ],
)
def test_the_interview_date_comes_from_the_title_or_file_name(
    texts: tuple[str | None, str], expected: date | None
) -> None:
    assert interview_date(*texts) == expected


def test_the_scorecard_order_and_questions_of_an_llm_report() -> None:
    report, turns = _run(FakeLLM(_judge))
    card = scorecard(report)
    assert card.candidate == "Cand" and card.date == date(2025, 3, 14) and card.length == "2 min"
    assert [ln.finding.criterion_id for ln in card.red_flags] == ["model_obsession"]
    assert [ln.finding.criterion_id for ln in card.strengths] == ["systems_thinking"]
    anchors = [anchor for anchor, *_ in by_section(report)]
    assert anchors[:2] == ["flags-shown", "strengths-shown"]
    st = next(f for f in report.findings if f.criterion_id == "systems_thinking")
    assert [q.turn for q in time_order(st.quotes)] == sorted(q.turn for q in st.quotes)
    questions = Questions(turns, report)
    asked = questions.before(5)
    assert asked is not None and asked.text == "And if the model service is down?"
    assert questions.before(0) is None


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_downloads_carry_the_scorecard_order_legend_and_questions(fmt: str) -> None:
    report, turns = _run(FakeLLM(_judge))
    text = render(report, fmt, turns=turns)  # type: ignore[arg-type]
    at = [text.index(s) for s in ("Scorecard", "Red flags shown", "Strengths shown", "What the verdicts mean")]
    assert at == sorted(at)
    assert text.index("Model obsession") < text.index("Systems thinking")
    assert "And if the model service is down?" in text and "Interview of 2025-03-14" in text
    for label, _ in LEGEND:
        assert label in text
    without = render(report, fmt)  # type: ignore[arg-type]  # no transcript: no questions, no crash
    assert "*Asked [" not in without and 'class="asked"' not in without and "Scorecard" in without


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_run_with_nothing_judged_is_failed_in_every_format(fmt: str) -> None:
    report, turns = _run(FakeLLM(_failing))
    assert report.judged_nothing and report.outcome == "failed"
    text = render(report, fmt, turns=turns)  # type: ignore[arg-type]
    assert "Failed: no part of the interview could be judged" in text
    assert "Partial result" not in text and "cover only the rest" not in text
    assert "Red flags shown" not in text and "What the verdicts mean" not in text
    assert "wasn't in the form the tool needs" in unescape(text)
    out = StringIO()
    render_terminal(report, Console(file=out, width=120))
    assert "FAILED" in out.getvalue() and "Red flags shown" not in out.getvalue()
    assert all(w.kind != "partial" for w in reader_warnings(report))


def test_warnings_are_split_by_audience_in_the_downloads() -> None:
    report, turns = _run(FakeLLM(_judge))
    note = Warning(kind="token_estimate", message="Token counts are estimates (set TIKTOKEN_CACHE_DIR).")
    report = report.model_copy(update={"warnings": [*report.warnings, note]})
    md = render(report, "md", turns=turns)
    assert md.index("## For whoever runs the tool") < md.index("TIKTOKEN")  # "_" is escaped in Markdown
    html = render(report, "html", turns=turns)
    assert html.index('id="operator"') < html.index("TIKTOKEN_CACHE_DIR")
    out = StringIO()
    render_terminal(report, Console(file=out, width=200))
    terminal = out.getvalue()
    assert terminal.index("For whoever runs the tool") < terminal.index("TIKTOKEN_CACHE_DIR")


def test_a_keyword_baseline_download_tells_the_reader_what_it_means_and_the_operator_what_to_do() -> None:
    source = Source(data=TRANSCRIPT.encode(), name="i.txt")
    transcript, roles = service.read(source, service.ReadChoices(candidate="Cand"))
    prepared = service.prepare(
        transcript, roles, source_name="i.txt", rubric=RUBRIC, settings=AnalysisSettings(tagger="lexical")
    )
    report = asyncio.run(service.run(prepared, None)).report
    html = render(report, "html")
    operator = html.index('id="operator"')
    assert "Keyword baseline, not an AI judgement" in html[:operator]
    assert "OPENAI_API_KEY" not in html[:operator] and "OPENAI_API_KEY" in html[operator:]


def test_a_shown_that_lost_its_quotes_says_so_in_every_format() -> None:
    def unverifiable(request: ChatRequest) -> ChatResult:
        result = _judge(request)
        out = json.loads(result.content or "{}")
        turn = subject_of(request).candidate_lines()[0].turn
        out["evaluation_rigor"] = {
            "evidence": [{"turn": turn, "text": "we ran a nightly evaluation over six hundred questions"}],
            "reasoning": "evaluates",
            "verdict": "shown",
            "confidence": 0.9,
        }
        return ChatResult(content=json.dumps(out), usage=result.usage, model="m")

    report, turns = _run(FakeLLM(unverifiable))
    rigor = next(f for f in report.findings if f.criterion_id == "evaluation_rigor")
    assert rigor.verdict != "shown" and rigor.unverified_shown >= 1 and rigor.downgraded
    for fmt in ("md", "html"):
        text = render(report, fmt, turns=turns)  # type: ignore[arg-type]
        assert "none of its quotes could be found in the candidate" in text


def test_a_report_from_before_schema_1_2_loads_and_renders() -> None:
    report, _ = _run(FakeLLM(_judge))
    data = json.loads(report.model_dump_json())
    data["schema_version"] = "1.1"
    for f in data["strengths"] + data["red_flags"]:
        del f["unverified_shown"]
    old = Report.model_validate(data)
    assert all(f.unverified_shown == 0 and not f.downgraded for f in old.findings)
    for fmt in ("md", "html"):
        assert "Scorecard" in render(old, fmt)  # type: ignore[arg-type]
    out = StringIO()
    render_terminal(old, Console(file=out, width=120))
    assert "Red flags shown" in out.getvalue()


def test_the_terminal_summary_is_in_the_readers_order_with_the_labels_it_uses_explained() -> None:
    report, _ = _run(FakeLLM(_judge))
    out = StringIO()
    render_terminal(report, Console(file=out, width=160))
    text = out.getvalue()
    assert "Interview: 2025-03-14 · 2 min" in text
    assert text.index("Red flags shown") < text.index("Strengths shown") < text.index("What the verdicts mean")
    used = {verdict_label(f) for f in report.findings}
    for label, meaning in LEGEND:
        assert (f"{label}: {meaning[:30]}" in text) == (label in used)
