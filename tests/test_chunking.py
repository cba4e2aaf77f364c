from __future__ import annotations

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
