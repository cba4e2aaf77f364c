from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from openai_payloads import answer_for
from transcript_judge.analysis import run_analysis
from transcript_judge.chunking import ChunkLine
from transcript_judge.grounding import GroundedQuote, RejectedQuote, ground_quote
from transcript_judge.ingest import read_transcript
from transcript_judge.llm.base import ChatRequest, ChatResult
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.planning import AnalysisSettings, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric

ZOOM = Path(__file__).resolve().parents[1] / "fixtures" / "interview_zoom.vtt"

LINES = (
    ChunkLine(
        turn=0, speaker="Ann", role="interviewer", text="Honestly we just pick whatever tops the leaderboard here."
    ),
    ChunkLine(
        turn=1,
        speaker="Bo",
        role="candidate",
        start=61.0,
        text=(
            "I’d never pick a model because it tops a leaderboard; "
            "I’d compare two or three small models on our own labelled examples."
        ),
    ),
)


def test_exact_quote_with_curly_quotes_and_case() -> None:
    q = ground_quote(1, "I'd NEVER pick a model because it tops a leaderboard", LINES)
    assert isinstance(q, GroundedQuote) and q.match == "exact" and q.turn == 1
    assert q.text.startswith("I’d never pick")  # the transcript's own words are reported


def test_small_transcription_differences_are_tolerated() -> None:
    q = ground_quote(1, "I would compare two or three small model on our own labeled examples", LINES)
    assert isinstance(q, GroundedQuote) and q.match == "fuzzy"


def test_wrong_turn_number_is_corrected() -> None:
    q = ground_quote(7, "compare two or three small models", LINES)
    assert isinstance(q, GroundedQuote) and q.turn == 1


def test_made_up_quote_is_rejected() -> None:
    q = ground_quote(1, "we always chose the biggest model available", LINES)
    assert isinstance(q, RejectedQuote) and q.reason == "not_found"


def test_interviewer_quote_is_rejected() -> None:
    q = ground_quote(0, "we just pick whatever tops the leaderboard", LINES)
    assert isinstance(q, RejectedQuote) and q.reason == "interviewer"


def test_too_short_quote_is_rejected() -> None:
    assert isinstance(ground_quote(1, "never", LINES), RejectedQuote)


async def test_made_up_and_interviewer_quotes_are_dropped() -> None:
    """In a whole analysis: the finding loses the quote and the reader is told why."""
    t = read_transcript(ZOOM)
    rubric = load_rubric()
    plan = plan_analysis(t, assign_roles(t), rubric, AnalysisSettings(model="gpt-4.1-mini"))

    def respond(request: ChatRequest) -> ChatResult:
        asked = subject_of(request).interviewer_lines()[0]
        shown = {
            "model_obsession": (3, "we always just pick the top model on the leaderboard"),
            "prompt_tinkering": (asked.turn, asked.text),
        }
        return ChatResult(content=answer_for(rubric.ids, shown))

    r = (await run_analysis(plan, FakeLLM(respond), source_name="x.vtt")).report
    mo = next(f for f in r.red_flags if f.criterion_id == "model_obsession")
    pt = next(f for f in r.red_flags if f.criterion_id == "prompt_tinkering")
    for f in (mo, pt):  # no conclusion: thin evidence where it was asked about, else not probed
        assert f.verdict == ("insufficient_evidence" if f.probed else "not_probed")
    assert not mo.quotes and not pt.quotes
    dropped = [w for w in r.warnings if w.kind == "quote_dropped"]
    assert any("interviewer said it" in w.message for w in dropped)
    assert any("not found" in w.message for w in dropped)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=127), max_size=60))
def test_ascii_fast_path_matches_the_unicode_path(text: str) -> None:
    from transcript_judge.grounding import _normalize_slow, normalize_text, normalize_with_map

    assert normalize_with_map(text) == _normalize_slow(text)
    assert normalize_text(text) == _normalize_slow(text)[0]
