"""Conformance over every file of the shared corpus (../shared/corpus/transcripts).

The table below was written by reading each file (and its MANIFEST.md notes), not by
copying the parser's output: the expected format, the number of speakers (or that
the file has no speaker labels), and the first turn's speaker and opening words; or,
for files that are not speech, the message the user gets. A test checks that the
table covers every file in the corpus, so a new file can't be skipped silently.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from transcript_judge.errors import InputError, NoCandidateError
from transcript_judge.ingest import read_transcript
from transcript_judge.roles import assign_roles

pytestmark = pytest.mark.corpus


@dataclass(frozen=True)
class Speech:
    """A file that parses into turns."""

    format: str
    #: Distinct speakers, or None for a file without speaker labels (captions).
    speakers: int | None
    #: The first turn's speaker (None: no labels, so it isn't checked).
    first_speaker: str | None
    #: How the first turn's text begins.
    first_text: str
    #: Text that must NOT be in the first turn (e.g. a rolling caption doubled).
    absent: str | None = None
    #: A substring of one of the transcript's warnings.
    warning: str | None = None


@dataclass(frozen=True)
class NotSpeech:
    """A file refused with an InputError whose message contains ``message``."""

    message: str


NO_LABELS = None

EXPECTED: dict[str, Speech | NotSpeech] = {
    # AssemblyAI
    "assemblyai/assemblyai_export_subtitles.srt": Speech(
        "srt", NO_LABELS, None, "Runner's knee runner's knee is a condition"),
    "assemblyai/assemblyai_transcript_speaker_labels.json": Speech(
        "assemblyai", 1, "A", "Yeah. As much as it's worth celebrating the first spacewalk"),
    "assemblyai/assemblyai_transcript_utterances_null.json": Speech(
        "assemblyai", 1, "A", "Yeah. As much as it's worth celebrating the first spacewalk",
        warning="rebuilt from the words"),
    # Amazon Transcribe: ch_1 speaks first (0.49 s), ch_0 from 15.09 s.
    "aws_transcribe/aws_transcribe_channel_identification.TRUNCATED.json": Speech(
        "aws-transcribe", 2, "Channel 2", "She was gone out into the village on some errand"),
    "aws_transcribe/aws_transcribe_speaker_identification.TRUNCATED.json": Speech(
        "aws-transcribe", 3, "spk_0", "She was gone out into the village on some errand"),
    # Deepgram
    "deepgram/deepgram_nova2_diarized_paragraphs_utterances.json": Speech(
        "deepgram", 3, "Speaker 0", "And, Jessica, Christina, we are so proud of you."),
    "deepgram/deepgram_nova2_utterances_no_diarize.json": Speech(
        "deepgram", NO_LABELS, None, "Yeah. As as much as, it's worth celebrating"),
    # Google Meet: attendees header, bots, timestamp lines and the footer are not turns.
    "google_meet/google_meet_polygon_ppgc07_2023-09-07.md": Speech(
        "google-meet", 5, "Harry Rook", "PIP 11, upgrade is on Mumbai.",
        warning="Fireflies.ai Notetaker Parth"),
    "google_meet/google_meet_polygon_ppgc27_2024-11-21.md": Speech(
        "google-meet", 7, "Harry Rook", "All right, awesome. Welcome to PPGC 27.",
        warning="Liminal Notetaker"),
    # Interviews
    "interviews/changelog_gotime82_hiring_and_interviews.md": Speech(
        "markdown", 4, "Mat Ryer", "Welcome to Go Time! I'm Mat Ryer."),
    "interviews/otter_interview_gigasword_jack_breen.md": Speech(
        "otter", 3, "Jonas Rosland",
        "Hello everyone and welcome to yet another Indie Game Preservation interview"),
    "interviews/senate_transcribed_interview_QA.TRUNCATED.txt": Speech(
        "court", 14, "MR. DAVIS",
        "Good morning. This is the transcribed interview of Glenn Simpson."),
    "interviews/talkpython_123_100_python_job_interviews.txt": Speech(
        "timed-lines", NO_LABELS, None,
        "What if you could take the experience and insight from 100 job interviews"),
    # Otter
    "otter/otter_ladybug_46-systems-design.md": Speech(
        "otter", 4, "Emma", "Systems Design interviews are becoming more and more prevalent"),
    "otter/otter_ladybug_59-trends-2021_over1h.md": Speech(
        "otter", 5, "Sidney", "Season Five is finally here."),
    "otter/otter_ladybug_62-security.txt": Speech(
        "otter", 5, "Emma", "It's more important than ever to build secure web applications"),
    # Markdown with '**Name** [hh:mm:ss] text' and HTML entities (&#39;).
    "plain_text/podcast_ladybug_01_bold_name_bracket_time.md": Speech(
        "markdown", 4, "Ali", "Today we're going to talk about how to get started in tech."),
    # Rev.ai
    "rev/revai_v1_monologues_speech.json": Speech(
        "revai", 3, "Speaker 0", "I will be the greatest jobs president that God ever created."),
    # SubRip edge cases
    "srt_quirks/pysrt_bom_utf-16-le.srt": Speech(
        "srt", NO_LABELS, None,
        "About 2 months ago I found myself on the comment section of YouTube"),
    "srt_quirks/pysrt_capability_tester_html_tags.srt": Speech(
        "srt", NO_LABELS, None,
        "Don't show this text it may be used to insert hidden data SubRip subtitles",
        absent="<b>"),
    "srt_quirks/pysrt_windows-1252_french.srt": Speech(
        "srt", NO_LABELS, None, "Downloaded From www.AllSubs.org CE FILM RELATE DES ÉVÉNEMENTS",
        warning="Windows-1252"),
    # Teams-style voice tags without </v>
    "teams/teams_style_sample-meeting_SYNTHETIC.vtt": Speech(
        "webvtt-voice", 3, "John Smith", "Hello everyone, welcome to today's meeting."),
    # WebVTT edge cases
    "vtt_quirks/mozilla_many_comments_NOTE_blocks.vtt": Speech(
        "webvtt", NO_LABELS, None,
        "Never drink liquid nitrogen. - It will perforate your stomach.", absent="Jill"),
    "vtt_quirks/netflix_webvtt_spanish_cue_settings.TRUNCATED.vtt": Speech(
        "webvtt", NO_LABELS, None, "[Alba] En 1928, las mujeres éramos algo así como adornos",
        absent="<i>"),
    "vtt_quirks/talkpython_youtube_livestream_gt_gt_turns.vtt": Speech(
        "webvtt", NO_LABELS, None, "Hello out there on the live stream.", absent=">>",
        warning="'>>'"),
    "vtt_quirks/webvttpy_STYLE_blocks.vtt": Speech(
        "webvtt", NO_LABELS, None, "- Hello world.", absent="::cue"),
    "vtt_quirks/webvttpy_captions_with_bom.vtt": Speech(
        "webvtt", NO_LABELS, None, "Caption text #1 Caption text #2"),
    "vtt_quirks/webvttpy_swedish_comments_header_text.vtt": Speech(
        "webvtt", NO_LABELS, None, "- Ta en kopp varmt te. - Det är inte varmt.",
        absent="Kyle"),
    "vtt_quirks/webvttpy_youtube_style_metadata_headers.vtt": Speech(
        "webvtt", NO_LABELS, None, "Caption text #1 Caption text #2", absent="Kind"),
    # Voice tags: two voices in one cue, an untagged <i>Laughter</i> line.
    "vtt_voice_tags/mozilla_cycle_collector_talk_multi_voice.vtt": Speech(
        "webvtt-voice", 2, "Kyle Huey",
        "Not ready yet? Alright, I'll wait until the camera man tells me we're good."),
    "vtt_voice_tags/w3c_spec_example_voice_tags_overlap.vtt": Speech(
        "webvtt-voice", 2, "Roger Bingham", "We are in New York City"),
    # Whisper outputs: no speakers.
    "whisper/faster_whisper_interview_goodboy_galaxy.TRUNCATED.json": Speech(
        "whisper-json", NO_LABELS, None, "Hello everyone and welcome to yet another Hit Save"),
    "whisper/faster_whisper_interview_goodboy_galaxy.srt": Speech(
        "srt", NO_LABELS, None, "Hello everyone and welcome to yet another Hit Save"),
    "whisper/faster_whisper_interview_goodboy_galaxy_bracketed.txt": Speech(
        "whisper-text", NO_LABELS, None, "Hello everyone and welcome to yet another Hit Save"),
    "whisper/whisper_panel_keitai_over1h.vtt": Speech(
        "webvtt", NO_LABELS, None, "hello everyone and welcome to yet another hit save podcast"),
    "whisper/whisper_timestamped_fr_radio_short.words.json": Speech(
        "whisper-json", NO_LABELS, None, "Le plus important au poker ce ne sont pas les cartes"),
    "whisper/whisper_timestamped_fr_smartphone_max20chars.srt": Speech(
        "srt", NO_LABELS, None, "C'est évident ce que dit Nicolas, mais je ne me"),
    "whisper/whisper_timestamped_ja_tiny_auto.words.json": Speech(
        "whisper-json", NO_LABELS, None, "いきます 入室タブでの"),
    # YouTube captions: rolling duplicates removed, karaoke tags stripped.
    "youtube/webvttpy_inline_timestamp_tags.vtt": Speech(
        "webvtt", NO_LABELS, None, "When the moon hits your eye Like a big-a pizza pie That's amore"),
    "youtube/webvttpy_youtube_dl_snippet.vtt": Speech(
        "webvtt-youtube", NO_LABELS, None, "yeah what this will happen is I'm telling",
        absent="telling this"),
    "youtube/youtube_autocaptions_ytdl_macbook_air.en.vtt": Speech(
        "webvtt-youtube", NO_LABELS, None,
        "there's no denying the MacBook Air 2020 is a pretty sleek little machine except for",
        absent="2020 there's no denying", warning="repeated caption lines"),
    "youtube/youtube_manual_captions_ytdl_crashcourse_snippet.vtt": Speech(
        "webvtt", NO_LABELS, None, "Hi I’m John Green and this is Crash Course European History."),
    # Zoom
    "zoom/zoom_chat_GMT20240124-202901_RecordingnewChat.txt": NotSpeech(
        "looks like a Zoom chat export, not a speech transcript"),
    "zoom/zoom_cloud_GMT20240124-202901_Recording.cc.vtt": Speech(
        "webvtt", NO_LABELS, None, "This doesn't. This as a nerd, it's the window"),
    "zoom/zoom_cloud_GMT20240124-202901_Recording.transcript.vtt": Speech(
        "webvtt-zoom", 5, "Srijani Ghosh", "Hi!"),
    "zoom/zoom_cloud_chemistry_lesson_single_speaker.vtt": Speech(
        "webvtt-zoom", 1, "Caleob King", "Hello, everybody, I hope you're doing all right."),
    "zoom/zoom_cloud_two_speakers_missing_names.vtt": Speech(
        "webvtt-zoom", 2, "Ashlee Kupor (SL)", "Let's do that"),
    "zoom/zoom_empty_transcript.vtt": NotSpeech("no cues (only a header)"),
    "zoom/zoom_saved_transcript_bracket_names.txt": Speech(
        "zoom-text", 2, "Johnny Doe", "How you doing?", warning="wall-clock"),
}


def _corpus_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "MANIFEST.md"
    )


def test_table_covers_every_corpus_file(corpus: Path) -> None:
    found = set(_corpus_files(corpus))
    assert found - EXPECTED.keys() == set(), "corpus files missing from the conformance table"
    assert EXPECTED.keys() - found == set(), "table entries for files no longer in the corpus"


@pytest.mark.parametrize("relpath", sorted(EXPECTED))
def test_corpus_file(corpus: Path, relpath: str) -> None:
    expected = EXPECTED[relpath]
    path = corpus / relpath
    if not path.exists():
        pytest.skip(f"{relpath} is not in this copy of the corpus")
    if isinstance(expected, NotSpeech):
        with pytest.raises(InputError) as err:
            read_transcript(path)
        assert expected.message in err.value.message
        assert type(err.value) is InputError  # a bad file, not a missing candidate
        return
    t = read_transcript(path)
    assert t.source_format == expected.format
    first = t.turns[0]
    if expected.speakers is None:
        assert not t.has_speaker_labels
        with pytest.raises(NoCandidateError):
            assign_roles(t)  # captions can't be attributed without an explicit choice
    else:
        assert t.has_speaker_labels
        assert len(t.speakers) == expected.speakers, t.speakers
        assert first.speaker == expected.first_speaker
    # Without labels a turn is about a sentence (each with its own time): the opening
    # words are the first turns' together.
    opening = first.text if expected.speakers is not None else " ".join(x.text for x in t.turns[:10])
    assert opening.startswith(expected.first_text), opening[:200]
    if expected.absent is not None:
        assert expected.absent not in opening
    if expected.warning is not None:
        assert any(expected.warning in w for w in t.warnings), t.warnings
    # Every turn is clean: no markup left, no empty text, indices in order.
    for i, turn in enumerate(t.turns):
        assert turn.index == i
        assert turn.text.strip()
        assert "<v " not in turn.text and "</c>" not in turn.text and "&amp;" not in turn.text


def test_largest_corpus_file_parses_well_under_a_second(corpus: Path) -> None:
    largest = max((corpus / p for p in _corpus_files(corpus)), key=lambda p: p.stat().st_size)
    read_transcript(largest)  # warm-up: imports and regex compilation aren't parse time
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        read_transcript(largest)
        runs.append(time.perf_counter() - t0)
    assert min(runs) < 1.0, f"{largest.name}: {min(runs):.3f} s"


def test_zoom_cues_without_a_name_continue_the_previous_speaker(corpus: Path) -> None:
    t = read_transcript(corpus / "zoom" / "zoom_cloud_two_speakers_missing_names.vtt")
    second = t.turns[1]
    assert second.speaker == "Dora Demszky"
    # Cue 3 ("No, it's gonna. I think it's") has no name: it is Dora's, cue 4 too.
    assert second.text.startswith("by, too. We? And then No, it's gonna. I think it's transcribing.")


def test_youtube_autocaptions_keep_every_word_once(corpus: Path) -> None:
    t = read_transcript(corpus / "youtube" / "youtube_autocaptions_ytdl_macbook_air.en.vtt")
    words = t.turns[0].text.split()
    # The rolling display repeats each line once; no 8-word run may appear twice in a row.
    for i in range(len(words) - 16):
        assert words[i : i + 8] != words[i + 8 : i + 16]
