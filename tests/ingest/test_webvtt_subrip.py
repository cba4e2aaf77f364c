"""WebVTT and SubRip readers, on the hand-written fixtures and inline snippets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from transcript_judge.errors import InputError
from transcript_judge.ingest import read_transcript
from transcript_judge.transcript import Transcript

ParseText = Callable[..., Transcript]


def test_generic_vtt_quirks(fixtures: Path) -> None:
    # BOM, CRLF, header text, Kind/Language, NOTE and STYLE blocks, cue ids, settings,
    # mm:ss.mmm timings, <b>/<i>/<c.x> markup and entities.
    t = read_transcript(fixtures / "vtt_quirks_bom_crlf.vtt")
    assert t.source_format == "webvtt"
    assert not t.has_speaker_labels
    assert t.title == "Mock interview captions"
    assert " ".join(x.text for x in t.turns) == (
        "Welcome to the mock interview. We'll talk about evaluation & testing. "
        "Ready when <you> are."
    )
    assert (t.turns[0].start, t.turns[-1].end) == (1.0, 9.0)


def test_zoom_continuation_cues_inherit_the_speaker(fixtures: Path) -> None:
    t = read_transcript(fixtures / "zoom_cloud_interview.vtt")
    assert t.source_format == "webvtt-zoom"
    assert t.speakers == ["Maya Chen", "Tom Alvarez"]
    answer = t.turns[3]
    assert answer.speaker == "Tom Alvarez"
    assert answer.text.endswith("and measured recall at ten on a labelled set of 400 queries.")
    assert (answer.start, answer.end) == (12.4, 23.3)
    assert t.turns[-1].text == "We swept 256 to 1024 tokens: 512 won & kept latency under 200 ms."


def test_zoom_cc_vtt_has_no_speakers(fixtures: Path) -> None:
    t = read_transcript(fixtures / "zoom_closed_captions.cc.vtt")
    assert not t.has_speaker_labels
    assert t.turns[0].start == 68.0


def test_teams_voices(fixtures: Path) -> None:
    # GUID cue ids, <v> with and without </v>, two voices in one cue, <v.loud Name>.
    t = read_transcript(fixtures / "teams_interview.vtt")
    assert t.source_format == "webvtt-voice"
    assert t.speakers == ["Priya Natarajan", "Sam O'Neil", "Luis Ortega"]
    assert [turn.speaker for turn in t.turns[-3:]] == ["Luis Ortega", "Sam O'Neil", "Luis Ortega"]
    assert t.turns[-2].text == "Cohen's kappa, per criterion."
    assert t.turns[-1].text == "Great — thank you."


def test_youtube_rolling_lines_are_not_doubled(fixtures: Path) -> None:
    t = read_transcript(fixtures / "youtube_autocaptions.en.vtt")
    assert t.source_format == "webvtt-youtube"
    assert t.turns[0].text == (
        "so tell me about your last project we built a search engine for legal documents"
    )


def test_repeated_lines_are_kept_when_captions_do_not_roll(parse_text: ParseText) -> None:
    vtt = ("WEBVTT\n\n00:01.000 --> 00:02.000\nNo.\n\n00:02.000 --> 00:03.000\nNo.\n\n"
           "00:03.000 --> 00:04.000\nYes.\n")
    assert [x.text for x in parse_text(vtt, name="x.vtt").turns] == ["No.", "No.", "Yes."]


def test_broadcast_turn_markers_are_removed_and_reported(parse_text: ParseText) -> None:
    vtt = ("WEBVTT\n\n00:01.000 --> 00:02.000\n>> Welcome to the show.\n\n"
           "00:02.000 --> 00:03.000\n>> Thanks for having me.\n")
    t = parse_text(vtt, name="x.vtt")
    assert not t.has_speaker_labels
    # a sentence a turn, each at its own time (no labels: see test_unlabelled_turns.py)
    assert [(x.start, x.text) for x in t.turns] == [(1.0, "Welcome to the show."), (2.0, "Thanks for having me.")]
    assert any("'>>'" in w for w in t.warnings)


def test_one_colon_caption_does_not_invent_a_speaker(parse_text: ParseText) -> None:
    vtt = ("WEBVTT\n\n00:01.000 --> 00:02.000\nRemember this: it matters.\n\n"
           "00:02.000 --> 00:03.000\nAnd so on.\n")
    t = parse_text(vtt, name="x.vtt")
    assert not t.has_speaker_labels
    assert [x.text for x in t.turns] == ["Remember this: it matters.", "And so on."]
    assert {x.speaker for x in t.turns} == {"Unknown"}


def test_vtt_without_header_is_read_with_a_warning(parse_text: ParseText) -> None:
    t = parse_text("00:01.000 --> 00:02.000\nHello.\n\n00:02.500 --> 00:03.000\nBye.\n",
                   name="x.vtt")
    assert t.source_format == "webvtt"
    assert any("no WEBVTT header" in w for w in t.warnings)


def test_header_only_vtt_is_refused(fixtures: Path) -> None:
    with pytest.raises(InputError, match=r"no cues \(only a header\)"):
        read_transcript(fixtures / "header_only.vtt")


def test_vtt_with_only_notes_is_refused(parse_text: ParseText) -> None:
    with pytest.raises(InputError, match="no cues") as err:
        parse_text("WEBVTT\n\nNOTE only a note\n", name="x.vtt")
    assert err.value.hint


def test_srt_speaker_prefixes_and_missing_final_blank_line(fixtures: Path) -> None:
    path = fixtures / "interview_speaker_prefixes.srt"
    assert not path.read_bytes().endswith(b"\n")
    t = read_transcript(path)
    assert t.source_format == "srt"
    assert t.speakers == ["Interviewer", "Candidate"]
    assert [turn.speaker for turn in t.turns] == [
        "Interviewer", "Candidate", "Interviewer", "Candidate"]
    assert t.turns[1].text == ("A race in our batching code: requests were dropped under load. "
                               "It only showed up above 50 requests a second.")
    assert t.turns[3].text == "Load tests, then a trace of the queue."  # <i>Candidate:</i>
    assert t.turns[3].end == 16.0


def test_srt_utf16_with_bom(fixtures: Path) -> None:
    t = read_transcript(fixtures / "captions_utf16_bom.srt")
    assert " ".join(x.text for x in t.turns[:2]) == "Café talk, naïve résumé. Second line."


def test_srt_garbage_is_refused_with_the_line(parse_text: ParseText) -> None:
    with pytest.raises(InputError, match="line 1"):
        parse_text("junk first\n\n1\n00:00:01,000 --> 00:00:02,000\nHello\n", name="x.srt",
                   input_format="srt")


def test_srt_markup_and_ssa_tags_are_stripped(parse_text: ParseText) -> None:
    srt = ('1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color="red">Red</font> '
           "and <b>bold</b>, 2<3\n")
    assert parse_text(srt, name="x.srt").turns[0].text == "Red and bold, 2<3"
