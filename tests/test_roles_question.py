"""When the candidate can't be told: the facts the question carries (who asks, who
answers, words spoken, the likely candidate) and the command line's message, exit code 5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run
from conftest import FIXTURES
from transcript_judge.candidate_question import CandidateFacts, cli_listing
from transcript_judge.ingest import Source, parse_source, read_transcript
from transcript_judge.intake import CandidateNeeded, ReadChoices, attribute
from transcript_judge.roles import assign_roles
from transcript_judge.speakerstats import SpeakerStats

PLAIN = FIXTURES / "formats" / "plain_interview.txt"  # Maya Chen asks, Tom Alvarez answers


def _asked(path: Path, **choices: object) -> CandidateNeeded:
    with pytest.raises(CandidateNeeded) as err:
        attribute(read_transcript(path), ReadChoices(**choices), source_name=path.name)  # type: ignore[arg-type]
    return err.value


def test_a_wrong_name_asks_with_the_inferred_candidate() -> None:
    asked = _asked(PLAIN, candidate="Jane Doe")
    facts = asked.facts
    assert facts is not None and facts.why == "not_a_speaker"
    assert facts.inferred == "Tom Alvarez" == assign_roles(read_transcript(PLAIN)).candidate
    assert facts.inferred_reason == "answers 3 of 3 questions asked by others, and asks 1"
    by_name = {s.name: s for s in facts.speakers}
    assert [s.name for s in facts.speakers] == ["Maya Chen", "Tom Alvarez"]  # the transcript's order
    assert (by_name["Maya Chen"].questions_asked, by_name["Maya Chen"].questions_answered) == (3, 1)
    assert (by_name["Tom Alvarez"].questions_asked, by_name["Tom Alvarez"].questions_answered) == (1, 3)
    assert by_name["Maya Chen"].words + by_name["Tom Alvarez"].words == sum(
        len(t.text.split()) for t in read_transcript(PLAIN).turns
    )
    assert by_name["Maya Chen"].share + by_name["Tom Alvarez"].share == pytest.approx(1.0, abs=0.002)
    assert asked.speakers == ["Maya Chen", "Tom Alvarez"] and asked.labelled


@pytest.mark.parametrize(
    ("fixture", "why"),
    [("no_questions.txt", "no_questions"), ("single_speaker.txt", "one_speaker"),
     ("interviewers_only.txt", "interviewers_only"), ("captions_without_speakers.vtt", "no_labels")],
)
def test_each_reason_to_ask_is_named_and_nothing_is_guessed(fixture: str, why: str) -> None:
    asked = _asked(FIXTURES / "bad_input" / fixture)
    assert asked.facts is not None and asked.facts.why == why
    assert asked.facts.inferred is None  # no one answers questions: no guess to pre-select


def test_the_facts_survive_json_as_the_web_stores_them() -> None:
    facts = _asked(PLAIN, candidate="Nobody").facts
    assert facts is not None
    assert CandidateFacts.model_validate(json.loads(json.dumps(facts.model_dump(mode="json")))) == facts


def test_the_cli_listing_marks_the_likely_and_the_named_speaker() -> None:
    facts = CandidateFacts(
        why="no_answers",
        speakers=[SpeakerStats(name="A", turns=2, words=1200, questions_asked=1, questions_answered=0, share=0.6),
                  SpeakerStats(name="B", turns=1, words=800, questions_asked=0, questions_answered=1, share=0.4)],
        inferred="B", name="Bea Smith", name_source="header", name_speaker="B",
    )
    text = cli_listing(facts, labelled=True)
    assert "'A': asks 1 question, answers 0 of the others'; 1,200 words (60%)" in text
    assert "'B': asks 0 questions, answers 1 of the others'; 800 words (40%)  <- most likely the candidate; " \
           "named in the header" in text
    assert "Pass --candidate 'B' if that is right." in text


def test_analyse_stops_with_exit_5_and_lists_the_speakers(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyse", str(PLAIN), "--candidate", "Jane Doe", "--tagger", "lexical"]) == 5
    err = capsys.readouterr().err
    assert "--candidate 'Jane Doe' is not a speaker in this transcript." in err
    assert "'Maya Chen': asks 3 questions, answers 1 of the others'; 27 words (34%)" in err
    assert "'Tom Alvarez': asks 1 question, answers 3 of the others'; 52 words (66%)  <- most likely" in err
    assert "Pass --candidate 'Tom Alvarez' if that is right." in err


def test_unlabelled_captions_stop_with_exit_5_offering_the_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "interview_jane_doe.vtt"
    path.write_bytes((FIXTURES / "bad_input" / "captions_without_speakers.vtt").read_bytes())
    assert run(["analyse", str(path), "--tagger", "lexical"]) == 5
    err = capsys.readouterr().err
    assert "no speaker labels" in err and "The file name gives the name 'Jane Doe'" in err


def test_a_source_without_a_file_name_still_asks() -> None:
    t = parse_source(Source(data=b"Maya: Hello.\nTom: Hi.\nMaya: Good.\nTom: Fine.\n", name="x.txt"))
    with pytest.raises(CandidateNeeded) as err:
        attribute(t, ReadChoices())
    assert err.value.facts is not None and err.value.facts.name is None
