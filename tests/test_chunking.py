from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_judge.chunking import chunk_transcript
from transcript_judge.roles import RoleAssignment
from transcript_judge.transcript import Transcript, Turn

ROLES = RoleAssignment(candidate="C", interviewers=["I"], method="given", reason="test", confidence=1.0)


def count(text: str) -> int:
    return len(text.split())


words = st.lists(
    st.sampled_from(["data", "model", "eval.", "latency", "ok?", "we", "ship", "it."]), min_size=1, max_size=400
)


@st.composite
def transcripts(draw: st.DrawFn) -> Transcript:
    n = draw(st.integers(1, 40))
    turns = []
    for i in range(n):
        speaker = "I" if i % 2 == 0 else "C"
        turns.append(Turn(index=i, speaker=speaker, text=" ".join(draw(words)), start=float(i * 10)))
    return Transcript(turns=tuple(turns), source_format="test")


@settings(max_examples=60, deadline=None)
@given(transcripts(), st.integers(60, 600))
def test_every_candidate_turn_lands_in_a_chunk_within_budget(t: Transcript, budget: int) -> None:
    chunks = chunk_transcript(t, ROLES, budget=budget, count_tokens=count, overlap_tokens=30)
    covered = {ln.turn for ch in chunks for ln in ch.lines if not ln.overlap}
    assert {x.index for x in t.turns_by("C")} <= covered
    assert all(any(ln.role == "candidate" and not ln.overlap for ln in ch.lines) for ch in chunks)
    for ch in chunks:
        assert ch.tokens <= budget
    # every candidate word appears in some chunk (pieces of split turns add up)
    for turn in t.turns_by("C"):
        pieces = [ln.text for ch in chunks for ln in ch.lines if ln.turn == turn.index and not ln.overlap]
        assert " ".join(pieces).split() == turn.text.split()


def test_long_single_turn_is_split_at_sentences() -> None:
    long = " ".join(f"Sentence number {i} is about retrieval quality." for i in range(200))
    t = Transcript(
        turns=(Turn(index=0, speaker="I", text="Tell me everything?"), Turn(index=1, speaker="C", text=long)),
        source_format="test",
    )
    chunks = chunk_transcript(t, ROLES, budget=300, count_tokens=count, overlap_tokens=40)
    parts = [ln for ch in chunks for ln in ch.lines if ln.turn == 1 and not ln.overlap]
    assert len(parts) > 3 and all(p.text.endswith(".") for p in parts)
    assert parts[0].part == 1 and parts[-1].part == parts[-1].parts


def test_answer_travels_with_its_question() -> None:
    turns = []
    for i in range(30):
        turns.append(Turn(index=2 * i, speaker="I", text=f"Question {i} about evaluation?"))
        turns.append(Turn(index=2 * i + 1, speaker="C", text="word " * 40))
    t = Transcript(turns=tuple(turns), source_format="test")
    chunks = chunk_transcript(t, ROLES, budget=200, count_tokens=count, overlap_tokens=20)
    assert len(chunks) > 3
    for ch in chunks:
        first_own = next(ln for ln in ch.lines if not ln.overlap)
        if first_own.role == "candidate":
            assert any(ln.role == "interviewer" for ln in ch.lines if ln.overlap)
        else:
            assert first_own.role == "interviewer"


# -- splitting one very long turn: linear, and the same pieces as re-counting every trial --


def _long_answer(words: int, *, sentences: bool = True) -> str:
    bank = ["we", "measured", "latency", "and", "the", "eval", "set", "grew", "every", "week"]
    out = []
    for i in range(words):
        w = bank[(i * 7 + i // 3) % len(bank)]
        out.append(w + ("." if sentences and i % 13 == 12 else ""))
    return " ".join(out)


def _recount_pack(parts: list[str], budget: int, count: Callable[[str], int]) -> list[str]:
    """The greedy packing as first written, re-counting the growing piece at every part: the
    oracle the linear packing must agree with (quadratic, so it lives here, not in the code)."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        trial = f"{current} {part}".strip()
        if current and count(trial) > budget:
            pieces.append(current)
            current = part.strip()
        else:
            current = trial
    if current:
        pieces.append(current)
    return pieces


def _exact_split(text: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """The split as first written: every trial piece re-counted (quadratic)."""
    from transcript_judge.chunking import _SENTENCE_END

    units: list[str] = []
    for s in _SENTENCE_END.split(text):
        if s:
            units.extend([s] if count(s) <= budget else _recount_pack(s.split(" "), budget, count))
    return _recount_pack(units, budget, count)


counters: dict[str, Callable[[str], int]] = {
    "words": count,
    "chars/3": lambda s: -(-len(s) // 3),
    "padded words": lambda s: -(-len(s.split()) * 11 // 10),  # like the o200k estimate's ceil(1.1 n)
}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(["data", "model", "eval.", "latency", "ok?", "we", "", "ship", "it."]), max_size=300),
    st.integers(3, 120),
    st.sampled_from(sorted(counters)),
)
def test_linear_packing_gives_the_pieces_of_the_exact_loop(words: list[str], budget: int, counter: str) -> None:
    from transcript_judge.chunking import _split_text

    text = " ".join(words)
    c = counters[counter]
    assert _split_text(text, budget, c) == _exact_split(text, budget, c)


def test_linear_packing_matches_the_real_tokenizer() -> None:
    from transcript_judge.chunking import _split_text
    from transcript_judge.tokens import get_counter

    counter = get_counter("gpt-4.1-mini").count
    for sentences in (True, False):
        text = _long_answer(3000, sentences=sentences)
        for budget in (60, 500, 2000):
            assert _split_text(text, budget, counter) == _exact_split(text, budget, counter)


def test_a_very_long_turn_is_split_in_linear_work() -> None:
    """Tokenizer work (characters counted) grows with the turn, not with its square."""
    for sentences in (True, False):
        for words in (3_000, 30_000):
            text = _long_answer(words, sentences=sentences)
            counted = 0

            def counting(s: str) -> int:
                nonlocal counted
                counted += len(s)
                return count(s)

            t = Transcript(
                turns=(Turn(index=0, speaker="I", text="Tell me?"), Turn(index=1, speaker="C", text=text)),
                source_format="test",
            )
            chunks = chunk_transcript(t, ROLES, budget=2000, count_tokens=counting, overlap_tokens=40)
            pieces = [ln.text for ch in chunks for ln in ch.lines if ln.turn == 1 and not ln.overlap]
            assert " ".join(pieces).split() == text.split()
            assert counted <= 40 * len(text), (words, sentences, counted / len(text))


def _squared(s: str) -> int:
    """Not subadditive (a join costs more than its parts): the linear packing's bound is
    wrong, so each piece is re-packed by exact counts."""
    return len(s.split()) ** 2 // 50


@pytest.mark.parametrize(
    ("sentences", "counter", "pieces"),
    [
        (True, count, [481] * 6 + [114]),
        (False, counters["padded words"], [442] * 6 + [348]),
        (True, _squared, [156] * 8 + [13] + [156] * 8 + [13] + [156] * 3 + [10]),
    ],
    ids=["sentences-words", "words-padded", "not-subadditive"],
)
def test_a_long_turn_is_split_at_pinned_boundaries(
    sentences: bool, counter: Callable[[str], int], pieces: list[int]
) -> None:
    """The pieces of one long turn, as words per piece (with the words in order, that is
    every boundary): a change to the packing that moves a boundary shows here."""
    text = _long_answer(3000, sentences=sentences)
    t = Transcript(
        turns=(Turn(index=0, speaker="I", text="Tell me?"), Turn(index=1, speaker="C", text=text)),
        source_format="test",
    )
    chunks = chunk_transcript(t, ROLES, budget=500, count_tokens=counter, overlap_tokens=40)
    lines = [ln for ch in chunks for ln in ch.lines]
    assert [(ln.turn, ln.part, ln.parts, ln.overlap) for ln in lines] == [
        (1, i, len(pieces), False) for i in range(1, len(pieces) + 1)
    ]
    assert [len(ln.text.split()) for ln in lines] == pieces
    assert " ".join(ln.text for ln in lines).split() == text.split()
    assert [ch.tokens for ch in chunks] == [counter(ln.text) + 12 for ln in lines]


def test_a_long_turn_split_for_a_tiny_budget_still_fits_it() -> None:
    # Found by the property test above: the pieces had a 50-token floor, so with room for
    # only ~47 a piece plus its label came to 61 tokens of a 60-token budget.
    t = Transcript(
        turns=(Turn(index=0, speaker="I", text="data"), Turn(index=1, speaker="C", text=" ".join(["data"] * 49))),
        source_format="test",
    )
    chunks = chunk_transcript(t, ROLES, budget=60, count_tokens=count, overlap_tokens=30)
    assert chunks and all(ch.tokens <= 60 for ch in chunks)
