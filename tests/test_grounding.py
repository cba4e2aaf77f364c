from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_judge.chunking import ChunkLine
from transcript_judge.grounding import GroundedQuote, RejectedQuote, ground_quote

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


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=127), max_size=60))
def test_ascii_fast_path_matches_the_unicode_path(text: str) -> None:
    from transcript_judge.grounding import _normalize_slow, normalize_text, normalize_with_map

    assert normalize_with_map(text) == _normalize_slow(text)
    assert normalize_text(text) == _normalize_slow(text)[0]
