"""Decoding, size limits, detection and bad input: clear errors, fast, bounded memory."""

from __future__ import annotations

import codecs
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcript_judge.errors import InputError, NoCandidateError
from transcript_judge.ingest import (
    Source,
    available_formats,
    detect_format,
    load_source,
    parse_source,
    read_transcript,
)
from transcript_judge.ingest.source import decode_text
from transcript_judge.transcript import Transcript

ParseText = Callable[..., Transcript]
DIALOGUE = "Maya: Can you hear me?\nTom: Yes, I can.\nMaya: Great, let's start.\n"


# --- decoding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (DIALOGUE.encode("utf-8"), False),
        (codecs.BOM_UTF8 + DIALOGUE.encode("utf-8"), False),
        (DIALOGUE.encode("utf-16"), False),  # with its BOM (little-endian here)
        (codecs.BOM_UTF16_BE + DIALOGUE.encode("utf-16-be"), False),
        (DIALOGUE.replace("\n", "\r\n").encode("utf-8"), False),
        (DIALOGUE.replace("\n", "\r").encode("utf-8"), False),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom", "crlf", "cr"],
)
def test_decoding_variants_give_the_same_text(data: bytes, note: bool) -> None:
    text, warning = decode_text(data)
    assert text == DIALOGUE
    assert (warning is not None) is note


def test_cp1252_fallback_is_noted(fixtures: Path) -> None:
    t = read_transcript(fixtures / "plain_cp1252_crlf.txt")
    assert t.turns[1].text == "À Paris, chez une start-up – trois ans."
    assert any("Windows-1252" in w for w in t.warnings)


def test_bad_utf16_is_refused() -> None:
    with pytest.raises(InputError, match="UTF-16"):
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone surrogate


# --- detection ----------------------------------------------------------------------


def test_detection_uses_content_not_the_extension(fixtures: Path) -> None:
    vtt = (fixtures / "zoom_cloud_interview.vtt").read_bytes()
    srt = (fixtures / "interview_speaker_prefixes.srt").read_bytes()
    assert detect_format(Source(data=vtt, name="export.txt")).name == "webvtt"
    assert detect_format(Source(data=srt, name="export.vtt")).name == "srt"
    assert detect_format(Source(data=DIALOGUE.encode(), name="notes.json")).name == "plain"


def test_input_format_overrides_detection(parse_text: ParseText) -> None:
    t = parse_text("00:00:01 Maya: Hi.\n00:00:03 Tom: Hello.\n00:00:05 Maya: Go on.\n",
                   input_format="plain")
    assert t.source_format == "plain"


def test_unknown_input_format_lists_the_choices(parse_text: ParseText) -> None:
    with pytest.raises(InputError, match="Unknown --input-format 'pdf'") as err:
        parse_text(DIALOGUE, input_format="pdf")
    assert "webvtt" in (err.value.hint or "")


def test_every_format_is_described() -> None:
    formats = available_formats()
    for name in ("webvtt", "srt", "plain", "google-meet", "otter", "zoom-text", "court",
                 "whisper-json", "assemblyai", "deepgram", "aws-transcribe", "revai", "docx"):
        assert formats[name]


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "is empty"),
        (b"  \n\r\n\t ", "blank.vtt", "is empty"),
        (codecs.BOM_UTF8 + b"\n", "bom-only.txt", "is empty"),
        (b"WEBVTT\n\n", "header.vtt", "no cues (only a header)"),
        (bytes(range(256)) * 40, "noise.bin", "looks like a binary file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.txt", "looks like a binary file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "cv.pdf", "is a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.doc", "legacy Word"),
        (b"00:01:02\tMaya:\thi\n00:01:09\tTom:\thello\n", "chat.txt", "Zoom chat export"),
        (b"00:01:02 From Maya to Everyone:\n\thi\n00:01:09 From Tom to Everyone:\n\thello\n",
         "chat.txt", "Zoom chat export"),
        (b"[12/01/2024, 10:00:01] Maya: hi\n[12/01/2024, 10:00:09] Tom: hello\n", "wa.txt",
         "chat export"),
        (b"The launch moved to June.\n\nBudget is unchanged.\n", "notes.txt",
         "doesn't look like a transcript"),
        (b'{"meeting": {"id": 1}}', "meeting.json", "is JSON (an object with keys: meeting)"),
        (b"[1, 2, 3]", "list.json", "is JSON (a list)"),
        (b"Maya:\nTom:\n", "labels.txt", "contains no speech"),
    ],
    ids=["empty", "whitespace", "bom-only", "header-only-vtt", "noise", "png", "pdf", "doc",
         "zoom-chat", "zoom-chat-new", "whatsapp", "prose", "unknown-json", "json-list",
         "labels-only"],
)
def test_bad_input_gets_a_clear_input_error(data: bytes, name: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_source(Source(data=data, name=name))
    assert message in err.value.message
    assert type(err.value) is InputError
    assert err.value.exit_code == InputError.exit_code
    assert name in err.value.message or "input-format" in err.value.message


def test_fixture_files_for_bad_input(fixtures: Path) -> None:
    for name, message in [("empty.txt", "is empty"), ("zoom_chat.txt", "Zoom chat export"),
                          ("not_a_transcript.txt", "doesn't look like a transcript"),
                          ("unknown_shape.json", "not a speech-to-text result")]:
        with pytest.raises(InputError, match=message):
            read_transcript(fixtures / name)


def test_no_candidate_turns_is_its_own_error(fixtures: Path) -> None:
    from transcript_judge.roles import assign_roles

    with pytest.raises(NoCandidateError, match="no candidate turns") as err:
        assign_roles(read_transcript(fixtures / "interviewers_only.txt"))
    assert err.value.exit_code == NoCandidateError.exit_code != InputError.exit_code


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.vtt"
    with big.open("wb") as fh:  # a sparse 40 MB file: nothing is written or read
        fh.truncate(40 * 1024 * 1024)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"40\.0 MB; the limit is 25 MB") as err:
        read_transcript(big)
    assert time.perf_counter() - t0 < 0.5
    assert "--max-file-mb" in (err.value.hint or "")


def test_size_limit_applies_to_in_memory_uploads() -> None:
    with pytest.raises(InputError, match="the limit is"):
        parse_source(Source(data=DIALOGUE.encode() * 100, name="upload.txt"), max_bytes=1024)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such file"):
        load_source(tmp_path / "nope.vtt")
    with pytest.raises(InputError, match="is a directory"):
        load_source(tmp_path)


def test_tens_of_megabytes_of_garbage_fail_fast() -> None:
    data = b"\x00\x01\x02\xff" * (5 * 1024 * 1024)  # 20 MB of binary
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="binary"):
        parse_source(Source(data=data, name="blob.vtt"))
    assert time.perf_counter() - t0 < 2.0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_source(Source(data=data, name="fuzz.txt"))


_line = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["WEBVTT", "00:00:01.000 --> 00:00:02.000", "1", "Maya: hi", "Q. what?",
                     "A. yes", "[Tom] 10:00:00", "**Ana:** hi", "Emma  0:01  ", "<v Bo>yes</v>",
                     "00:05:00", "---", "# Title", "{", "}", ">> next"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line, max_size=30), st.sampled_from(["x.txt", "x.vtt", "x.srt", "x.md", "x.json"]))
def test_arbitrary_transcript_like_text_never_crashes(lines: list[str], name: str) -> None:
    try:
        t = parse_source(Source(data="\n".join(lines).encode("utf-8", "replace"), name=name))
    except InputError:
        return
    assert t.turns and all(turn.text.strip() for turn in t.turns)


def test_pathological_lines_parse_in_bounded_time() -> None:
    # Long runs of spaces, brackets and markers are where regexes backtrack.
    evil = [" " * 3000 + "x", "**" + " " * 3000 + "x", "# " + " " * 3000 + "#", "[" * 3000,
            "0:" * 1500, "Ab " * 1000 + "0:00", "\\[" * 1500, "<" * 3000 + ">", "a: " * 1000]
    data = ("Maya: Hello?\nTom: Hi.\n" + "\n".join(evil * 8)).encode()
    t0 = time.perf_counter()
    with contextlib.suppress(InputError):
        parse_source(Source(data=data, name="evil.txt"))
    assert time.perf_counter() - t0 < 2.0


def test_deeply_nested_json_is_refused_cleanly() -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(InputError):
        parse_source(Source(data=data, name="deep.json"))
