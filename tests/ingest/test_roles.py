"""Who is the candidate: labels, inference, panels, diarized ids, channels, bots,
unknown speakers, and transcripts that can't be attributed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from transcript_judge.errors import NoCandidateError
from transcript_judge.ingest import read_transcript
from transcript_judge.roles import assign_roles, is_bot
from transcript_judge.transcript import Transcript

ParseText = Callable[..., Transcript]


def _interview(a: str, b: str) -> str:
    return (f"{a}: Thanks for joining. Can you tell me about your last role?\n"
            f"{b}: I built data pipelines for a bank.\n"
            f"{a}: What was hard about it?\n"
            f"{b}: Late data. We added watermarks.\n"
            f"{a}: Why watermarks?\n"
            f"{b}: They bound how long we wait.\n")


@pytest.mark.parametrize(("a", "b"), [("A", "B"), ("spk_0", "spk_1"), ("Speaker 0", "Speaker 1"),
                                      ("Channel 1", "Channel 2")])
def test_anonymous_labels_are_inferred_not_taken_as_roles(
    parse_text: ParseText, a: str, b: str
) -> None:
    roles = assign_roles(parse_text(_interview(a, b)))
    assert roles.candidate == b
    assert roles.method == "inferred"
    assert roles.reason == "answers 3 of 3 questions asked by others, and asks 0"
    assert roles.interviewers == [a]


def test_labelled_candidate(fixtures: Path) -> None:
    roles = assign_roles(read_transcript(fixtures / "interviewer_candidate.txt"))
    assert (roles.candidate, roles.method) == ("Candidate", "labelled")
    assert roles.reason == "labelled 'Candidate' in the transcript"


def test_q_and_a_labels(fixtures: Path) -> None:
    roles = assign_roles(read_transcript(fixtures / "qa_interview.txt"))
    assert (roles.candidate, roles.method) == ("A", "labelled")


def test_single_diarized_a_is_not_a_candidate_label(fixtures: Path, corpus: Path) -> None:
    t = read_transcript(corpus / "assemblyai" / "assemblyai_transcript_speaker_labels.json")
    with pytest.raises(NoCandidateError, match="Only one identified speaker"):
        assign_roles(t)


def test_panel_unknown_speaker_and_bot(fixtures: Path) -> None:
    roles = assign_roles(read_transcript(fixtures / "unknown_speaker_panel.txt"))
    assert roles.candidate == "Tom Alvarez"
    assert roles.interviewers == ["Maya Chen", "Luis Ortega"]
    assert roles.unattributed == ["Unknown Speaker"]
    assert roles.reason.startswith("answers 4 of 5 questions asked by others, and asks 0")
    assert "panel" in roles.reason and "'Unknown Speaker' turns are left unattributed" in roles.reason


def test_unknown_speaker_is_never_inferred_as_the_candidate(parse_text: ParseText) -> None:
    text = ("Maya: What's your name?\nUnknown Speaker: Tom.\nMaya: Where do you work?\n"
            "Unknown Speaker: At a bank.\nMaya: Why?\nUnknown Speaker: The data.\n"
            "Tom Alvarez: Sorry, I dropped off. Can you repeat?\n")
    # Only the unknown speaker answers: no named speaker can be inferred as the candidate.
    with pytest.raises(NoCandidateError, match="No speaker answers"):
        assign_roles(parse_text(text))
    # ...unless the user says so.
    assert assign_roles(parse_text(text), candidate="unknown speaker").candidate == (
        "Unknown Speaker")


def test_bots_are_excluded(parse_text: ParseText) -> None:
    assert is_bot("Fireflies.ai Notetaker Parth") and is_bot("Otter.ai") and not is_bot("Abbot")
    from transcript_judge.ingest import Source, parse_source
    from transcript_judge.transcript import Turn

    t = parse_source(Source(data=_interview("Maya", "Tom").encode(), name="x.txt"))
    bot_turn = Turn(index=len(t.turns), speaker="Read.ai Meeting Notes", text="Recording?")
    t = t.model_copy(update={"turns": (*t.turns, bot_turn)})
    roles = assign_roles(t)
    assert roles.excluded == ["Read.ai Meeting Notes"]
    assert "Read.ai Meeting Notes" not in roles.interviewers


def test_captions_need_an_explicit_choice(fixtures: Path) -> None:
    t = read_transcript(fixtures / "zoom_closed_captions.cc.vtt")
    with pytest.raises(NoCandidateError, match="no speaker labels") as err:
        assign_roles(t)
    assert "--all-speech-is-candidate" in (err.value.hint or "")
    roles = assign_roles(t, all_speech_is_candidate=True)
    assert roles.method == "all_speech" and roles.interviewers == []


def test_given_candidate(fixtures: Path) -> None:
    t = read_transcript(fixtures / "zoom_cloud_interview.vtt")
    roles = assign_roles(t, candidate="maya")
    assert (roles.candidate, roles.method) == ("Maya Chen", "given")
    assert roles.reason == "given with --candidate 'maya'"
    with pytest.raises(NoCandidateError, match="not a speaker") as err:
        assign_roles(t, candidate="Nobody")
    hint = err.value.hint or ""
    assert "'Maya Chen': asks 3 questions" in hint and "'Tom Alvarez': asks 0 questions" in hint


def test_single_speaker_needs_an_explicit_choice(corpus: Path) -> None:
    t = read_transcript(corpus / "zoom" / "zoom_cloud_chemistry_lesson_single_speaker.vtt")
    with pytest.raises(NoCandidateError, match="Only one identified speaker"):
        assign_roles(t)
    assert assign_roles(t, all_speech_is_candidate=True).candidate == "Caleob King"


def test_no_questions_means_no_inference(parse_text: ParseText) -> None:
    with pytest.raises(NoCandidateError, match="No one asks questions"):
        assign_roles(parse_text("Maya: Hello.\nTom: Hi.\nMaya: Good.\nTom: Fine.\n"))


def test_unpunctuated_prompts_count_as_questions(parse_text: ParseText) -> None:
    text = ("spk_0: tell me about your last project\nspk_1: we built a search engine\n"
            "spk_0: how did you test it\nspk_1: with a labelled query set\n")
    assert assign_roles(parse_text(text)).candidate == "spk_1"


def test_court_witness_is_the_candidate(corpus: Path) -> None:
    t = read_transcript(corpus / "interviews" / "senate_transcribed_interview_QA.TRUNCATED.txt")
    roles = assign_roles(t)
    assert roles.candidate == "MR. SIMPSON"
    assert roles.reason.startswith("answers ")
