"""Inputs that used to be refused, dropped in silence or crash: trimmed AssemblyAI JSON,
broken WebVTT timings, emoji/ZWJ/bidi speaker labels, UTF-16 without a BOM, huge JSON
numbers. Each is read (with a warning that names what was odd) or refused clearly."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from transcript_judge.errors import InputError
from transcript_judge.ingest import Source, detect_format, parse_source
from transcript_judge.transcript import Transcript

ParseText = Callable[..., Transcript]


def _parse_bytes(data: bytes, name: str, **kwargs: object) -> Transcript:
    return parse_source(Source(data=data, name=name), **kwargs)  # type: ignore[arg-type]


# -- 1. AssemblyAI: a trimmed export with only utterances ------------------------------

TRIMMED_ASSEMBLYAI = {
    "utterances": [
        {
            "speaker": "A",
            "text": "How do you evaluate a retrieval system?",
            "start": 250,
            "end": 2900,
            "confidence": 0.93,
            "words": [],
        },
        {"speaker": "B", "text": "We keep a labelled set of four hundred queries.", "start": 3100, "end": 6800},
        {"speaker": "A", "text": "And when it regresses?", "start": 7000, "end": 8200},
        {"speaker": "B", "text": "The nightly job fails and blocks the release.", "start": 8400, "end": 11000},
    ],
    "audio_duration": 11.2,
    "language_code": "en_us",
}


@pytest.mark.parametrize("name", ["trimmed.json", "export.txt"])
def test_trimmed_assemblyai_export_is_detected_and_read(parse_text: ParseText, name: str) -> None:
    t = parse_text(json.dumps(TRIMMED_ASSEMBLYAI, indent=2), name=name)
    assert t.source_format == "assemblyai"
    assert t.speakers == ["A", "B"]
    assert (t.turns[1].start, t.turns[1].end) == (3.1, 6.8)
    assert t.turns[-1].text == "The nightly job fails and blocks the release."


def test_bare_utterances_list_without_markers_is_still_assemblyai(parse_text: ParseText) -> None:
    doc = {"utterances": TRIMMED_ASSEMBLYAI["utterances"]}
    assert parse_text(json.dumps(doc), name="u.json").source_format == "assemblyai"


def test_unknown_json_hint_names_the_input_formats(parse_text: ParseText) -> None:
    with pytest.raises(InputError) as info:
        parse_text(json.dumps({"results": {"foo": 1}, "meta": {}}), name="x.json")
    hint = info.value.hint or ""
    assert "--input-format NAME" in hint
    for name in ("whisper-json", "assemblyai", "deepgram", "aws-transcribe", "revai"):
        assert name in hint


def test_forced_json_reader_on_invalid_json_says_why_and_names_the_option(parse_text: ParseText) -> None:
    with pytest.raises(InputError) as info:
        parse_text('{"utterances": [', name="cut.json", input_format="assemblyai")
    assert "isn't valid JSON" in info.value.message
    assert "line 1" in info.value.message  # the decoder's position
    assert "--input-format" in (info.value.hint or "")


def test_truncated_json_is_named_as_invalid_json_not_as_unknown_text(parse_text: ParseText) -> None:
    with pytest.raises(InputError) as info:
        parse_text('{"utterances": [{"speaker": "A", "text": "hi"', name="cut.json")
    assert "isn't valid JSON" in info.value.message and "line 1" in info.value.message


# -- 2. WebVTT timings ------------------------------------------------------------------

BROKEN_CUE = (
    "WEBVTT\n"
    "\n"
    "1\n"
    "00:00:01.000 --> 00:00:02.500\n"
    "Maya: What would you measure first?\n"
    "\n"
    "2\n"
    "00:00:xx.000 --> 00:00:09.000\n"  # line 8
    "Tom: Recall at ten on a labelled set, before anything else.\n"
    "\n"
    "3\n"
    "00:00:10.000 --> 00:00:11.000\n"
    "Maya: Why that one?\n"
    "\n"
    "4\n"
    "00:00:12.000 --> 00:00:14.000\n"
    "Tom: Because the generator can only use what retrieval finds.\n"
)


def test_a_cue_with_a_broken_time_is_kept_and_named_in_a_warning(parse_text: ParseText) -> None:
    t = parse_text(BROKEN_CUE, name="broken.vtt")
    assert t.source_format == "webvtt-zoom"
    assert [turn.speaker for turn in t.turns] == ["Maya", "Tom", "Maya", "Tom"]
    answer = t.turns[1]
    assert answer.text == "Recall at ten on a labelled set, before anything else."
    assert answer.start == 1.0  # the previous cue's time, explicitly an estimate
    [warning] = [w for w in t.warnings if "unreadable time" in w]
    assert "cue 2" in warning and "line 8" in warning and "00:00:xx.000" in warning
    assert "00:00:01" in warning and "previous cue" in warning


def test_a_broken_first_cue_takes_the_next_cues_time(parse_text: ParseText) -> None:
    vtt = BROKEN_CUE.replace("00:00:01.000 --> 00:00:02.500", "0x:00:01.000 --> 00:00:02.500").replace(
        "00:00:xx.000", "00:00:03.000"
    )
    t = parse_text(vtt, name="broken.vtt")
    assert t.turns[0].text == "What would you measure first?" and t.turns[0].start == 3.0
    assert any("cue 1" in w and "line 4" in w and "next cue" in w for w in t.warnings)


HUGE_HOUR = "12345678901234567890"


@pytest.mark.parametrize("header", ["WEBVTT\n\n", ""], ids=["with header", "headerless"])
@pytest.mark.parametrize("name", ["huge.vtt", "huge.txt"])
def test_a_20_digit_hour_is_an_unreadable_time_not_a_crash(parse_text: ParseText, header: str, name: str) -> None:
    body = (
        f"1\n{HUGE_HOUR}:00:01.000 --> 00:00:02.000\nMaya: Tell me about your evals?\n\n"
        "2\n00:00:03.000 --> 00:00:04.000\nTom: We run them nightly.\n\n"
        "3\n00:00:05.000 --> 00:00:06.000\nMaya: Thanks.\n"
    )
    source = Source(data=(header + body).encode(), name=name)
    assert detect_format(source).name == "webvtt"
    t = parse_source(source)
    assert t.source_format.startswith("webvtt")
    assert t.turns[0].text == "Tell me about your evals?" and t.turns[0].speaker == "Maya"
    assert t.turns[0].start == 3.0
    assert any("unreadable time" in w and "cue 1" in w for w in t.warnings)


def test_a_20_digit_hour_in_subrip_is_an_unreadable_time_not_a_crash(parse_text: ParseText) -> None:
    srt = (
        f"1\n{HUGE_HOUR}:00:01,000 --> 00:00:02,000\nMaya: Tell me about your evals?\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nTom: We run them nightly.\n\n"
        "3\n00:00:xx,000 --> 00:00:06,000\nMaya: Thanks.\n\n"
        "4\n00:00:07,000 --> 00:00:08,000\nTom: Sure.\n"
    )
    t = parse_text(srt, name="huge.srt")
    assert t.source_format == "srt"
    assert [turn.text for turn in t.turns] == ["Tell me about your evals?", "We run them nightly.", "Thanks.", "Sure."]
    assert [w for w in t.warnings if "unreadable time" in w and ("cue 1" in w or "cue 3" in w)]


def test_subrip_style_commas_in_a_vtt_are_read_with_a_warning(parse_text: ParseText) -> None:
    vtt = (
        "WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nMaya: What did you ship?\n\n"
        "00:00:03,000 --> 00:00:05,500\nTom: A retrieval service with a nightly eval.\n"
    )
    t = parse_text(vtt, name="commas.vtt")
    assert [turn.speaker for turn in t.turns] == ["Maya", "Tom"]
    assert (t.turns[1].start, t.turns[1].end) == (3.0, 5.5)
    assert any("','" in w and "line 3" in w for w in t.warnings)


def test_valid_vtt_gets_no_timing_warnings(parse_text: ParseText) -> None:
    t = parse_text(BROKEN_CUE.replace("00:00:xx.000", "00:00:03.000"), name="ok.vtt")
    assert not t.warnings


# -- 3. speaker labels with emoji, ZWJ sequences and bidi marks -----------------------

EMOJI_LABELS = (
    "Maya 🚀: Tell me about the last system you put in production?\n"
    "Tom: A retrieval service for support tickets.\n"
    "Maya 🚀: How did you know it worked?\n"
    "Tom: A labelled set and a nightly regression eval.\n"
    "Interviewer 🧑‍💻: Any questions for us?\n"
    "Tom: Who owns the evaluation data?\n"
    "Interviewer 🧑‍💻: The platform team does.\n"
)


def test_emoji_and_zwj_labels_are_read_as_labels(parse_text: ParseText) -> None:
    t = parse_text(EMOJI_LABELS)
    assert t.speakers == ["Maya 🚀", "Tom", "Interviewer 🧑‍💻"]
    assert len(t.turns) == 7
    assert t.turns[0].text == "Tell me about the last system you put in production?"
    assert not [w for w in t.warnings if "Skipped" in w]


def test_bidi_controls_are_removed_from_displayed_labels(parse_text: ParseText) -> None:
    text = (
        "Maya\u202eevil\u202c: What did you build?\n"
        "Tom: A search service.\n"
        "Maya\u202eevil\u202c: How was it evaluated?\n"
        "Tom: With a labelled set.\n"
    )
    t = parse_text(text)
    assert t.speakers == ["Mayaevil", "Tom"]
    for turn in t.turns:
        assert not any(ch in turn.speaker for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_a_label_written_with_and_without_an_emoji_is_one_speaker(parse_text: ParseText) -> None:
    text = (
        "Maya 🚀: What did you build?\nTom: A search service.\nMaya: How was it evaluated?\n"
        "Tom: With a labelled set.\nMaya\u200e: Thanks.\n"
    )
    t = parse_text(text)
    assert t.speakers == ["Maya 🚀", "Tom"]
    assert [turn.speaker for turn in t.turns] == ["Maya 🚀", "Tom", "Maya 🚀", "Tom", "Maya 🚀"]


def test_an_unrecognised_label_line_is_never_merged_silently(parse_text: ParseText) -> None:
    text = (
        "Maya: What did you build?\n"
        "Tom: A search service.\n"
        "Maya: How was it evaluated?\n"
        "Tom: With a labelled set.\n"
        "Dr. Ng #2: I have a follow-up about latency.\n"  # line 5: not a label this reader knows
        "Maya: Go ahead.\n"
    )
    t = parse_text(text)
    merged = [turn for turn in t.turns if "follow-up" in turn.text]
    assert merged  # kept, not lost
    [warning] = [w for w in t.warnings if "line 5" in w]
    assert "Dr. Ng #2" in warning and "Tom" in warning


def test_ordinary_colons_in_speech_raise_no_label_warning(parse_text: ParseText) -> None:
    text = (
        "Maya: What did you build?\n"
        "Tom: A search service.\n"
        "so the point is: we measured it.\n"
        "Maya: How was it evaluated?\n"
        "Tom: With a labelled set. The rule was simple: no eval, no release.\n"
    )
    assert not parse_text(text).warnings


# -- 4. encodings and JSON numbers -------------------------------------------------------

PLAIN = (
    "Interviewer: How do you evaluate a retrieval system?\n\n"
    "Candidate: We keep a labelled set of four hundred queries — and measure recall.\n\n"
    "Interviewer: And when it regresses?\n\n"
    "Candidate: The nightly job fails and blocks the release.\n"
)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected_and_read(encoding: str) -> None:
    t = _parse_bytes(PLAIN.encode(encoding), f"{encoding}.txt")
    assert t.speakers == ["Interviewer", "Candidate"]
    assert "—" in t.turns[1].text
    assert any("UTF-16" in w and "byte-order mark" in w for w in t.warnings)


def test_utf16_vtt_without_a_bom_is_still_webvtt() -> None:
    t = _parse_bytes(BROKEN_CUE.replace("xx", "03").encode("utf-16-le"), "captions.vtt")
    assert t.source_format == "webvtt-zoom"


def test_real_binary_is_still_refused() -> None:
    data = bytes(range(256)) * 64
    with pytest.raises(InputError, match="binary file"):
        _parse_bytes(data, "blob.bin")


def test_a_5000_digit_number_in_json_does_not_make_it_invalid(parse_text: ParseText) -> None:
    doc = json.dumps(TRIMMED_ASSEMBLYAI)
    doc = doc.replace('"confidence": 0.93', '"confidence": ' + "7" * 5000)
    t = parse_text(doc, name="big.json")
    assert t.source_format == "assemblyai" and len(t.turns) == 4
    assert any("5000 digits" in w for w in t.warnings)


def test_a_5000_digit_time_becomes_an_unknown_time(parse_text: ParseText) -> None:
    doc = json.dumps(TRIMMED_ASSEMBLYAI).replace('"start": 3100', '"start": ' + "9" * 5000)
    t = parse_text(doc, name="big.json")
    assert t.turns[1].start is None and t.turns[1].text.startswith("We keep")


def test_a_huge_digit_run_in_subrip_is_fast_and_kept(parse_text: ParseText) -> None:
    import time

    digits = "9" * 150_000
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nMaya: What is your largest number?\n\n"
        f"2\n00:00:03,000 --> 00:00:04,000\nTom: It is {digits}.\n"
    )
    started = time.perf_counter()
    t = parse_text(srt, name="n.srt")
    assert time.perf_counter() - started < 5
    assert t.turns[1].text == f"It is {digits}."
    started = time.perf_counter()
    with pytest.raises(InputError, match="not valid SubRip: unexpected text at line 1"):
        parse_text(f"Maya: {digits}\n\n" + srt, name="n.srt", input_format="srt")
    assert time.perf_counter() - started < 5
