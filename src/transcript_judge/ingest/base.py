"""The reader interface and the registry that formats are added to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..transcript import Utterance
from .source import Source

__all__ = ["Parsed", "Reader", "get_reader", "readers", "register"]


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
