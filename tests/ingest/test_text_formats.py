"""Text layouts: plain, Markdown, Zoom "Save transcript", Otter, Google Meet, court
reporter, timestamped lines, Whisper console text and older Teams blocks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from transcript_judge.ingest import read_transcript
from transcript_judge.transcript import Transcript

ParseText = Callable[..., Transcript]


def test_plain_name_colon_text(fixtures: Path) -> None:
    t = read_transcript(fixtures / "plain_interview.txt")
    assert t.source_format == "plain"
    assert t.speakers == ["Maya Chen", "Tom Alvarez"]
    assert len(t.turns) == 7
    # Wrapped lines continue the turn; "So the lesson: ..." is speech, not a speaker.
    assert t.turns[1].text == ("Sure. I led the evaluation work for a support chatbot. We built a "
                               "test set from 300 real tickets and scored answers with a rubric.")
    assert t.turns[3].text.endswith("So the lesson: calibrate the judge first.")


@pytest.mark.parametrize(
    ("name", "speakers"),
    [("interviewer_candidate.txt", ["Interviewer", "Candidate"]), ("qa_interview.txt", ["Q", "A"])],
)
def test_role_labels(fixtures: Path, name: str, speakers: list[str]) -> None:
    t = read_transcript(fixtures / name)
    assert t.speakers == speakers
    assert len(t.turns) == 4


def test_markdown_bold_names(fixtures: Path) -> None:
    t = read_transcript(fixtures / "markdown_bold_names.md")
    assert t.source_format == "markdown"
    assert t.title == "Mock interview: ML engineer"  # front matter skipped, heading kept
    assert t.speakers == ["Maya Chen", "Tom Alvarez"]  # "**Break:**" is not a speaker
    assert t.turns[1].text == ("A ranking model for search. See our write-up for details. It "
                               "replaced a hand-tuned scorer [laughter] that nobody dared touch.")
    assert t.turns[2].start == 12 * 60 + 45
    assert t.turns[3].text == 'Click-through and a weekly "golden" query set.'


def test_markdown_bold_name_bracket_time(fixtures: Path) -> None:
    t = read_transcript(fixtures / "markdown_bold_name_time.md")
    assert [(x.speaker, x.start) for x in t.turns] == [
        ("Maya", 0.0), ("Tom", 12.0), ("Maya", 15.0), ("Tom", 62.0)]
    assert t.turns[0].text == "Welcome back to the show. Today we're talking about interviews."


def test_time_then_name_lines(parse_text: ParseText) -> None:
    t = parse_text("[00:00:05] Maya: Hi there.\n[00:00:09] Tom: Hello.\n[00:00:12] Maya: Ready?\n")
    assert [(x.speaker, x.start) for x in t.turns] == [("Maya", 5.0), ("Tom", 9.0), ("Maya", 12.0)]


def test_clock_times_are_not_speaker_labels(parse_text: ParseText) -> None:
    t = parse_text("Maya: We met at 10:30 and again at 11:45.\nTom: Meeting ended after 00:18:10.\n"
                   "Maya: Right.\n")
    assert t.speakers == ["Maya", "Tom"]


def test_zoom_saved_transcript_times_cross_midnight(fixtures: Path) -> None:
    t = read_transcript(fixtures / "zoom_saved_transcript.txt")
    assert t.source_format == "zoom-text"
    assert [(x.speaker, x.start) for x in t.turns] == [
        ("Maya Chen", 0.0), ("Tom Alvarez", 5.0), ("Maya Chen", 13.0), ("Tom Alvarez", 20.0)]
    assert any("wall-clock" in w for w in t.warnings)


def test_otter_export(fixtures: Path) -> None:
    t = read_transcript(fixtures / "otter_export.txt")
    assert t.source_format == "otter"
    assert t.speakers == ["Maya Chen", "Tom Alvarez", "Unknown Speaker"]
    assert t.turns[1].text == ("Sure. I'm an ML engineer working on recommendation systems. "
                               "Mostly ranking and evaluation.")
    assert [x.start for x in t.turns] == [0, 5, 31, 59 * 60 + 58, 3604]  # m:ss then h:mm:ss
    assert "otter.ai" not in t.turns[-1].text  # the footer is not speech


def test_google_meet_export(fixtures: Path) -> None:
    t = read_transcript(fixtures / "google_meet_export.txt")
    assert t.source_format == "google-meet"
    assert t.title == "Interview: Tom Alvarez - 2024/05/01 10:00 CEST - Transcript"
    assert t.speakers == ["Maya Chen", "Tom Alvarez", "Luis Ortega"]
    assert t.turns[0].text == "Good morning, Tom. How are you?"
    assert t.turns[3].speaker == "Luis Ortega" and t.turns[3].start == 300.0
    assert "Meeting ended" not in t.turns[-1].text
    assert any("Fireflies.ai Notetaker Maya" in w for w in t.warnings)


def test_court_reporter_q_and_a(fixtures: Path) -> None:
    t = read_transcript(fixtures / "court_deposition.txt")
    assert t.source_format == "court"
    assert t.title == "DEPOSITION OF: JANE ROE"
    assert [x.speaker for x in t.turns] == [
        "MR. DOE", "THE WITNESS", "MR. DOE", "THE WITNESS", "MR. DOE", "MS. LANE",
        "THE WITNESS", "MR. DOE", "THE WITNESS", "MR. DOE", "THE WITNESS"]
    assert t.turns[0].text == "Good morning. Please state your name for the record."
    assert all("Exhibit" not in x.text and "EXAMINATION" not in x.text for x in t.turns)


def test_court_witness_is_matched_by_surname(parse_text: ParseText) -> None:
    text = ("INTERVIEW OF:  GLENN SIMPSON\n"
            "      MR. DAVIS:  Please state your name.\n      MR. SIMPSON:  Glenn Simpson.\n"
            "BY MR. DAVIS:\n      Q. Where do you work?\n      A. Fusion GPS.\n"
            "      Q. Since when?\n      A. 2011.\n      Q. And before?\n      A. Journalism.\n")
    t = parse_text(text)
    assert [x.speaker for x in t.turns][-2:] == ["MR. DAVIS", "MR. SIMPSON"]
    assert t.speakers == ["MR. DAVIS", "MR. SIMPSON"]


def test_timed_lines_without_speakers(fixtures: Path) -> None:
    t = read_transcript(fixtures / "timed_lines.txt")
    assert t.source_format == "timed-lines"
    assert not t.has_speaker_labels
    assert " ".join(x.text for x in t.turns).startswith("Welcome to the show, this week we talk about hiring. My guest")


def test_timed_lines_with_speakers(parse_text: ParseText) -> None:
    t = parse_text("00:00:01 Maya: Hi.\n00:00:03 Tom: Hello.\n00:00:05 Maya: Shall we?\n")
    assert t.source_format == "timed-lines"
    assert [(x.speaker, x.start) for x in t.turns] == [("Maya", 1.0), ("Tom", 3.0), ("Maya", 5.0)]


def test_whisper_console_text(fixtures: Path) -> None:
    t = read_transcript(fixtures / "whisper_console.txt")
    assert t.source_format == "whisper-text"
    assert not t.has_speaker_labels
    assert (t.turns[0].start, t.turns[-1].end) == (0.0, 3602.5)


def test_older_teams_blocks(fixtures: Path) -> None:
    t = read_transcript(fixtures / "teams_old_blocks.txt")
    assert t.source_format == "teams-text"
    assert t.speakers == ["Priya Natarajan", "Sam O'Neil"]
    assert t.turns[-1].text == "Our evaluation dashboard. It tracks rubric scores per release."
    assert (t.turns[0].start, t.turns[0].end) == (0.0, 3.41)


def test_bots_in_turns_are_excluded(fixtures: Path) -> None:
    t = read_transcript(fixtures / "unknown_speaker_panel.txt")
    assert "Fireflies.ai Notetaker" not in t.speakers
    assert any("Fireflies.ai Notetaker" in w for w in t.warnings)


def test_plain_text_without_labels_needs_an_explicit_format(parse_text: ParseText) -> None:
    text = "We talked about the launch.\n\nThen about hiring.\n"
    t = parse_text(text, input_format="plain")
    assert not t.has_speaker_labels
    assert [x.text for x in t.turns] == ["We talked about the launch.", "Then about hiring."]


def test_labels_in_any_script_and_fullwidth_colons(parse_text: ParseText) -> None:
    t = parse_text("田中太郎：今日はよろしくお願いします。\n김철수: 안녕하세요?\n田中太郎：はい。\n")
    assert t.speakers == ["田中太郎", "김철수"]
