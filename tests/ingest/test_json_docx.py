"""Speech-to-text JSON readers and Word .docx exports."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from transcript_judge.errors import InputError
from transcript_judge.ingest import Source, parse_source, read_transcript
from transcript_judge.ingest import word as word_module
from transcript_judge.transcript import Transcript

ParseText = Callable[..., Transcript]


def _as_json(doc: object, parse_text: ParseText, name: str = "x.json") -> Transcript:
    return parse_text(json.dumps(doc), name=name)


def test_whisper_segments(fixtures: Path) -> None:
    t = read_transcript(fixtures / "whisper.json")
    assert t.source_format == "whisper-json"
    assert not t.has_speaker_labels
    assert [x.text for x in t.turns[:2]] == ["Tell me about your background.", "I studied physics."]
    assert (t.turns[0].start, t.turns[1].end) == (0.0, 4.6)


def test_whisperx_diarized_segments(fixtures: Path) -> None:
    t = read_transcript(fixtures / "whisperx_diarized.json")
    assert t.source_format == "whisperx-json"
    assert t.speakers == ["SPEAKER_00", "SPEAKER_01"]
    assert len(t.turns) == 4


def test_bare_list_of_diarized_segments(parse_text: ParseText) -> None:
    t = _as_json([{"speaker": 1, "start": 0, "end": 1, "text": "Hi."},
                  {"speaker": 2, "start": 1, "end": 2, "text": "Hello."}], parse_text)
    assert t.speakers == ["Speaker 1", "Speaker 2"]


def test_assemblyai_utterances_in_milliseconds(fixtures: Path) -> None:
    t = read_transcript(fixtures / "assemblyai_utterances.json")
    assert t.source_format == "assemblyai"
    assert t.speakers == ["A", "B"]
    assert (t.turns[1].start, t.turns[1].end) == (1.9, 3.62)


def test_assemblyai_null_utterances_rebuilt_from_words(fixtures: Path) -> None:
    t = read_transcript(fixtures / "assemblyai_words_only.json")
    assert [(x.speaker, x.text) for x in t.turns] == [("A", "Ready?"), ("B", "Yes, ready.")]
    assert any("rebuilt" in w for w in t.warnings)


def test_assemblyai_unfinished_transcript_is_refused(parse_text: ParseText) -> None:
    doc = {"id": "x", "status": "error", "error": "Download failed", "audio_url": "u",
           "words": None, "utterances": None, "text": None}
    with pytest.raises(InputError, match="status 'error': Download failed"):
        _as_json(doc, parse_text)


def test_deepgram_utterances_with_speakers(fixtures: Path) -> None:
    t = read_transcript(fixtures / "deepgram_utterances.json")
    assert t.source_format == "deepgram"
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("Speaker 0", "What's your stack?"), ("Speaker 1", "Python and Postgres.")]


def test_deepgram_paragraphs_without_speakers(fixtures: Path) -> None:
    t = read_transcript(fixtures / "deepgram_paragraphs_no_speaker.json")
    assert not t.has_speaker_labels
    assert t.turns[0].text == "Hello there. This is a single speaker."


def test_deepgram_multichannel_words_become_channels(parse_text: ParseText) -> None:
    def channel(words: list[tuple[str, float]]) -> dict[str, object]:
        return {"alternatives": [{"transcript": "", "words": [
            {"word": w.lower(), "punctuated_word": w, "start": s, "end": s + 0.3}
            for w, s in words]}]}

    doc = {"metadata": {}, "results": {"channels": [
        channel([("Ready?", 0.1)]), channel([("Yes.", 1.0)])]}}
    t = _as_json(doc, parse_text)
    assert [(x.speaker, x.text) for x in t.turns] == [("Channel 1", "Ready?"),
                                                      ("Channel 2", "Yes.")]


def test_aws_speaker_labels_with_string_times(fixtures: Path) -> None:
    t = read_transcript(fixtures / "aws_transcribe_speakers.json")
    assert t.source_format == "aws-transcribe"
    assert [(x.speaker, x.text, x.start) for x in t.turns] == [
        ("spk_0", "Ready to start?", 0.1), ("spk_1", "Yes.", 1.6)]


def test_aws_channel_identification(fixtures: Path) -> None:
    t = read_transcript(fixtures / "aws_transcribe_channels.json")
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("Channel 1", "Can you hear me?"), ("Channel 2", "Yes I can.")]


def test_aws_newer_items_with_speaker_label(parse_text: ParseText) -> None:
    doc = {"results": {"transcripts": [{"transcript": "Hi. Hello."}], "items": [
        {"type": "pronunciation", "start_time": "0.0", "end_time": "0.4", "speaker_label": "spk_0",
         "alternatives": [{"content": "Hi"}]},
        {"type": "punctuation", "alternatives": [{"content": "."}]},
        {"type": "pronunciation", "start_time": "1.0", "end_time": "1.5", "speaker_label": "spk_1",
         "alternatives": [{"content": "Hello"}]},
        {"type": "punctuation", "alternatives": [{"content": "."}]}]}}
    t = _as_json(doc, parse_text)
    assert [(x.speaker, x.text) for x in t.turns] == [("spk_0", "Hi."), ("spk_1", "Hello.")]


def test_revai_monologues(fixtures: Path) -> None:
    t = read_transcript(fixtures / "revai_monologues.json")
    assert t.source_format == "revai"
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("Speaker 0", "Why this role?"), ("Speaker 1", "Because evaluation.")]
    assert t.turns[0].end == 1.27  # float artefacts rounded to the millisecond


def test_json_detected_by_content_not_extension(fixtures: Path) -> None:
    data = (fixtures / "deepgram_utterances.json").read_bytes()
    assert parse_source(Source(data=data, name="transcript.txt")).source_format == "deepgram"


def test_json_reader_forced_on_text_is_refused(parse_text: ParseText) -> None:
    with pytest.raises(InputError, match="not a Deepgram JSON document"):
        parse_text("Maya: hi\nTom: hello\n", input_format="deepgram")


def test_teams_docx_fixture(fixtures: Path) -> None:
    t = read_transcript(fixtures / "teams_transcript.docx")
    assert t.source_format == "docx/otter"
    assert t.title == "Interview with Sam O'Neil"
    assert t.speakers == ["Priya Natarajan", "Sam O'Neil"]
    assert [x.start for x in t.turns] == [3.0, 7.0, 10.0, 16.0]


def test_docx_older_teams_layout(docx_bytes: Callable[..., bytes]) -> None:
    data = docx_bytes(["0:0:0.0 --> 0:0:2.5\nAna Silva\nHi, shall we start?",
                       "0:0:3.0 --> 0:0:4.0\nBo Chen\nYes.",
                       "0:0:4.5 --> 0:0:6.0\nAna Silva\nGreat."])
    t = parse_source(Source(data=data, name="meeting.docx"))
    assert t.source_format == "docx/teams-text"
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("Ana Silva", "Hi, shall we start?"), ("Bo Chen", "Yes."), ("Ana Silva", "Great.")]


def test_docx_typed_in_word_with_a_table(docx_bytes: Callable[..., bytes]) -> None:
    data = docx_bytes(["Interview notes"], table=[["00:01", "Ana", "Why this team?"],
                                                  ["00:05", "Bo", "The problems are real."]])
    t = parse_source(Source(data=data, name="notes.docx"))
    assert [(x.speaker, x.start) for x in t.turns] == [("Ana", 1.0), ("Bo", 5.0)]


def test_docx_detected_without_its_extension(fixtures: Path) -> None:
    data = (fixtures / "teams_transcript.docx").read_bytes()
    assert parse_source(Source(data=data, name="upload")).source_format == "docx/otter"


def test_zip_that_is_not_word_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError, match="not a Word document"):
        parse_source(Source(data=buf.getvalue(), name="sheet.docx"), input_format="docx")


def test_damaged_docx_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<not really word")
    with pytest.raises(InputError, match="could not be read as a Word document"):
        parse_source(Source(data=buf.getvalue(), name="broken.docx"))


def test_docx_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch, fixtures: Path) -> None:
    monkeypatch.setattr(word_module, "MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(InputError, match="expands to"):
        read_transcript(fixtures / "teams_transcript.docx")
