"""The reader interface and the registry that formats are added to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import InputError
from ..transcript import Utterance
from .source import NOT_JSON, Source

__all__ = [
    "JSON_FORMATS_HINT",
    "Parsed",
    "Reader",
    "get_reader",
    "head_lines",
    "json_object",
    "json_of",
    "readers",
    "register",
]

#: How much of a file ``sniff`` looks at: enough to see a layout, cheap on 25 MB files.
SNIFF_CHARS = 64 * 1024

#: The hint for JSON that no reader took: what is supported and how to name it.
JSON_FORMATS_HINT = (
    "Supported JSON: Whisper/whisperX, AssemblyAI, Deepgram, Amazon Transcribe, Rev.ai. If the "
    "file is one of these, name it with --input-format NAME (whisper-json, assemblyai, deepgram, "
    "aws-transcribe, revai)."
)


@dataclass
class Parsed:
    """What a reader returns: utterances in order, plus what it learnt."""

    utterances: list[Utterance]
    format_name: str
    has_speaker_labels: bool = True
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: Speakers the source itself marks as not taking part (e.g. notetaker bots).
    excluded_speakers: list[str] = field(default_factory=list)


@runtime_checkable
class Reader(Protocol):
    """A transcript format.

    ``sniff`` returns how sure the reader is that it can parse the source (0 to 1),
    from the content first and the file name second. ``parse`` raises
    :class:`~transcript_judge.errors.InputError` with a clear message on failure.
    """

    name: str
    description: str
    # Readers may also define ``extensions: tuple[str, ...]`` (e.g. ``(".vtt",)``);
    # detection uses them only to break ties between equally sure readers.

    def sniff(self, source: Source) -> float: ...

    def parse(self, source: Source) -> Parsed: ...


_REGISTRY: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add a reader to the registry (later registrations of a name replace earlier ones)."""
    _REGISTRY[reader.name] = reader
    return reader


def readers() -> list[Reader]:
    return list(_REGISTRY.values())


def get_reader(name: str) -> Reader | None:
    return _REGISTRY.get(name)


def head_lines(source: Source, limit: int = 400) -> list[str] | None:
    """The first ``limit`` non-blank lines of the text, or ``None`` if it isn't text.

    For ``sniff``: looks at most at the first :data:`SNIFF_CHARS` characters.
    """
    if source.data.startswith(b"PK\x03\x04"):
        return None
    try:
        text = source.text
    except InputError:
        return None
    lines = [ln for ln in text[:SNIFF_CHARS].split("\n") if ln.strip()]
    return lines[:limit]


def json_of(source: Source) -> object | None:
    """The source's JSON document, or ``None`` when it isn't JSON."""
    doc = source.json
    return None if doc is NOT_JSON else doc


def json_object(source: Source, format_name: str) -> Mapping[str, object]:
    """The source's top-level JSON object, for a reader's ``parse``.

    Raises:
        InputError: it isn't a JSON object (e.g. ``--input-format`` forced a JSON
            reader on another kind of file).
    """
    doc = json_of(source)
    if not isinstance(doc, Mapping):
        if doc is not None:
            why = " (its top level isn't an object)."
        elif source.json_error:
            why = f" (it isn't valid JSON: {source.json_error})."
        else:
            why = " (it isn't valid JSON)."
        raise InputError(
            f"{source.name} is not a {format_name} JSON document{why}",
            hint="Check the file (an export cut short is invalid JSON), or let the format be "
            "detected without --input-format, or choose another --input-format NAME.",
        )
    return doc
