"""Step 1 of the pipeline: bytes in, a :class:`~transcript_judge.transcript.Transcript` out.

Formats are readers in a registry (:func:`register`). The format is detected from the
content (each reader's ``sniff``), the file extension only breaking ties;
``input_format`` overrides detection.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..transcript import Transcript, merge_utterances
from .base import Parsed, Reader, get_reader, readers, register
from .plaintext import PlainTextReader
from .source import DEFAULT_MAX_BYTES, Source, load_source
from .webvtt import WebVTTReader

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

register(WebVTTReader())
register(PlainTextReader())


def available_formats() -> dict[str, str]:
    """Reader names and descriptions, for ``--input-format`` and the README."""
    return {r.name: r.description for r in readers()}


def detect_format(source: Source) -> Reader:
    """The reader most sure it can parse ``source``.

    Raises:
        InputError: no reader recognises it (empty, binary, or not a transcript).
    """
    if not source.data.strip():
        raise InputError(f"{source.name} is empty.")
    scored = sorted(((r.sniff(source), i, r) for i, r in enumerate(readers())), key=lambda x: (-x[0], x[1]))
    best_score, _, best = scored[0]
    if best_score <= 0.0:
        _ = source.text  # raises the binary-file error when that's the reason
        raise InputError(
            f"{source.name} doesn't look like a transcript in any supported format.",
            hint="Supported: " + ", ".join(available_formats()) + ". Use --input-format to force one.",
        )
    return best


def parse_source(source: Source, *, input_format: str | None = None) -> Transcript:
    """Parse a loaded source into a transcript."""
    if not source.data.strip() or (source.suffix != ".docx" and not source.text.strip()):
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
    excluded = set(parsed.excluded_speakers)
    utterances = [u for u in parsed.utterances if u.speaker not in excluded or u.speaker is None]
    turns = merge_utterances(utterances)
    if not turns:
        raise InputError(
            f"{source.name} contains no speech ({parsed.format_name}: no cues or turns with text)."
        )
    warnings = [*source.notes, *parsed.warnings]
    if excluded:
        warnings.append("Excluded non-participants: " + ", ".join(sorted(excluded)) + ".")
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
        >>> t = read_transcript("fixtures/interview_zoom.vtt")  # doctest: +SKIP
        >>> t.speakers
        ['Maya Chen', 'Tom Alvarez']
    """
    return parse_source(load_source(Path(path), max_bytes=max_bytes), input_format=input_format)
