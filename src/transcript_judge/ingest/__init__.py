"""Step 1 of the pipeline: bytes in, a :class:`~transcript_judge.transcript.Transcript` out.

Formats are readers in a registry (:func:`register`). The format is detected from the
content (each reader's ``sniff``), the file extension only breaking ties;
``input_format`` overrides detection. Files that are clearly not speech (a Zoom chat
export, a PDF) are refused before detection, with a message that says what they are.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import InputError
from ..transcript import Transcript, Utterance, merge_utterances
from .assemblyai import AssemblyAIReader
from .aws_transcribe import AWSTranscribeReader
from .base import JSON_FORMATS_HINT, Parsed, Reader, get_reader, readers, register
from .captionturns import sentence_turns
from .court import CourtTranscriptReader
from .cueblocks import CueBlocksReader
from .deepgram import DeepgramReader
from .meet import GoogleMeetReader
from .otter import OtterReader
from .plaintext import PlainTextReader
from .refusals import describe_unknown_json, refuse_non_transcripts
from .revai import RevAIReader
from .source import DEFAULT_MAX_BYTES, Source, load_source
from .speakers import is_bot, speaker_key, unique_in_order
from .subrip import SubRipReader
from .textclean import safe_display
from .timedlines import TimedLinesReader
from .webvtt import WebVTTReader
from .whisper_json import WhisperJSONReader
from .whispertext import WhisperTextReader
from .word import WordReader
from .zoomtext import ZoomTextReader

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Parsed",
    "Reader",
    "Source",
    "available_formats",
    "detect_format",
    "load_source",
    "parse_source",
    "read_transcript",
    "register",
]

# Registration order breaks ties that the extension doesn't: specific layouts first,
# the generic "Name: text" reader last.
for _reader in (
    WebVTTReader(),
    SubRipReader(),
    WordReader(),
    WhisperJSONReader(),
    AssemblyAIReader(),
    DeepgramReader(),
    AWSTranscribeReader(),
    RevAIReader(),
    GoogleMeetReader(),
    ZoomTextReader(),
    OtterReader(),
    CourtTranscriptReader(),
    WhisperTextReader(),
    CueBlocksReader(),
    TimedLinesReader(),
    PlainTextReader(),
):
    register(_reader)


def available_formats() -> dict[str, str]:
    """Reader names and descriptions, for ``--input-format`` and the README."""
    return {r.name: r.description for r in readers()}


def _extension_matches(reader: Reader, source: Source) -> bool:
    extensions: tuple[str, ...] = getattr(reader, "extensions", ())
    return source.suffix in extensions


def detect_format(source: Source) -> Reader:
    """The reader most sure it can parse ``source``.

    Raises:
        InputError: no reader recognises it (empty, binary, not speech, or not a
            transcript in a supported format).
    """
    if not source.data.strip():
        raise InputError(f"{source.name} is empty.", hint="Upload the exported transcript file.")
    refuse_non_transcripts(source)
    scored = sorted(
        ((r.sniff(source), _extension_matches(r, source), i, r) for i, r in enumerate(readers())),
        key=lambda x: (-x[0], not x[1], x[2]),
    )
    best_score, _, _, best = scored[0]
    if best_score <= 0.0:
        if message := describe_unknown_json(source):
            raise InputError(message, hint=JSON_FORMATS_HINT)
        _ = source.text  # raises the binary-file error when that's the reason
        raise InputError(
            f"{source.name} doesn't look like a transcript in any supported format: no speaker "
            "labels, cue timings or timestamps were found.",
            hint="Supported: " + ", ".join(available_formats()) + ". If it is a transcript "
            "without speaker labels, pass --input-format plain to read it anyway.",
        )
    return best


def _check_size(source: Source, max_bytes: int) -> None:
    if len(source.data) > max_bytes:
        raise InputError(
            f"{source.name} is {len(source.data) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB.",
            hint="Split the transcript, or raise the limit with --max-file-mb.",
        )


def _safe_speakers(utterances: list[Utterance]) -> list[Utterance]:
    """Speaker labels safe to display, whichever reader found them: bidi controls and
    control characters removed (see :func:`.textclean.safe_display`), and spellings that
    differ only by emoji or invisible marks (``Maya 🚀``, ``Maya``) made one speaker, shown
    as first written."""
    shown: dict[str, str] = {}
    out: list[Utterance] = []
    for u in utterances:
        if u.speaker is None:
            out.append(u)
            continue
        display = safe_display(u.speaker)
        name = shown.setdefault(speaker_key(display) or display, display) if display else None
        out.append(u if name == u.speaker else dataclasses.replace(u, speaker=name))
    return out


def parse_source(
    source: Source,
    *,
    input_format: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Transcript:
    """Parse a loaded source into a transcript.

    Args:
        source: the bytes and file name.
        input_format: a reader name that overrides detection.
        max_bytes: the size limit, for sources that didn't come through
            :func:`load_source` (e.g. web uploads).

    Raises:
        InputError: the file is too large, empty, binary, not speech, or malformed;
            the message says which, and the hint what to do.
    """
    _check_size(source, max_bytes)
    if not source.data.strip():
        raise InputError(f"{source.name} is empty.", hint="Upload the exported transcript file.")
    if not input_format:
        refuse_non_transcripts(source)  # before decoding: a PDF gets a better message
    if not source.data.startswith(b"PK\x03\x04") and not source.text.strip():
        raise InputError(f"{source.name} is empty.", hint="Upload the exported transcript file.")
    if input_format:
        reader = get_reader(input_format)
        if reader is None:
            raise InputError(
                f"Unknown --input-format {input_format!r}.",
                hint="Choose one of: " + ", ".join(available_formats()),
            )
    else:
        reader = detect_format(source)
    parsed = reader.parse(source)
    source.release_text()  # what follows needs only the utterances (and the notes)
    # Bots are excluded whichever reader found them: in an attendee list or as speakers.
    named = {u.speaker for u in parsed.utterances if u.speaker}
    excluded = set(parsed.excluded_speakers) | {s for s in named if is_bot(s)}
    utterances = _safe_speakers([u for u in parsed.utterances if u.speaker is None or u.speaker not in excluded])
    # Without labels, merging by speaker would make the whole file one turn: a sentence each.
    turns = merge_utterances(utterances) if parsed.has_speaker_labels else sentence_turns(utterances)
    if not turns:
        raise InputError(
            f"{source.name} contains no speech ({parsed.format_name}: no cues or turns with text).",
            hint="Check that the export finished and includes the transcript text.",
        )
    warnings = [*source.notes, *parsed.warnings]
    if excluded:
        warnings.append("Excluded non-participants: " + ", ".join(unique_in_order(sorted(excluded))) + ".")
    return Transcript(
        turns=tuple(turns),
        source_format=parsed.format_name,
        has_speaker_labels=parsed.has_speaker_labels,
        title=parsed.title,
        warnings=tuple(warnings),
    )


def read_transcript(
    path: str | Path,
    *,
    input_format: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Transcript:
    """Read and parse a transcript file.

    Example:
        >>> t = read_transcript("fixtures/formats/zoom_cloud_interview.vtt")  # doctest: +SKIP
        >>> t.speakers  # doctest: +SKIP
        ['Maya Chen', 'Tom Alvarez']
    """
    return parse_source(load_source(Path(path), max_bytes=max_bytes), input_format=input_format, max_bytes=max_bytes)
