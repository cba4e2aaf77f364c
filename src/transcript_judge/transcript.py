"""The parsed transcript: what every reader produces and every later step consumes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Transcript", "Turn", "Utterance", "format_timestamp", "merge_utterances"]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One cue, segment or paragraph as a reader found it, before merging into turns.

    A slotted dataclass, not a model: a 25 MB caption file has ~180,000 of them alive at
    once (~120 bytes each, against ~540 as a pydantic model), and readers build them from
    values they have already checked.
    """

    speaker: str | None  # the label as written in the source, if any
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's uninterrupted stretch of speech.

    A slotted dataclass, not a model, for the same reason as :class:`Utterance`: a long
    transcript has tens of thousands of turns alive for the whole run (~100 bytes each,
    against ~880 as a pydantic model). :class:`Transcript` still validates them as fields.
    """

    index: int  # 0-based position in the transcript
    speaker: str  # the label as written in the source
    text: str
    start: float | None = None  # seconds from the start, if known
    end: float | None = None  # seconds from the start, if known

    @property
    def timestamp(self) -> str:
        """``hh:mm:ss`` of the start, or ``--:--`` when the source had no times."""
        return format_timestamp(self.start)


class Transcript(BaseModel):
    """A transcript as turns, with what the reader learnt about it."""

    model_config = ConfigDict(frozen=True)

    turns: tuple[Turn, ...]
    source_format: str = Field(description="The reader that parsed it, e.g. 'webvtt-zoom'.")
    has_speaker_labels: bool = True
    title: str | None = None
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Not every turn: a long transcript's repr would be a copy of it (see AnalysisResult).
        return (
            f"Transcript(turns={len(self.turns)}, source_format={self.source_format!r}, "
            f"has_speaker_labels={self.has_speaker_labels}, title={self.title!r}, warnings={len(self.warnings)})"
        )

    @property
    def speakers(self) -> list[str]:
        """Speakers in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            seen.setdefault(turn.speaker, None)
        return list(seen)

    def turns_by(self, speaker: str) -> list[Turn]:
        return [t for t in self.turns if t.speaker == speaker]

    @property
    def duration(self) -> float | None:
        ends = [t.end if t.end is not None else t.start for t in self.turns]
        known = [e for e in ends if e is not None]
        return max(known) if known else None


def format_timestamp(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def merge_utterances(
    utterances: Iterable[Utterance],
    *,
    unknown_speaker: str = "Unknown",
) -> list[Turn]:
    """Merge consecutive utterances of one speaker into turns.

    Utterances with no speaker inherit the previous speaker (Zoom drops the name on
    continuation cues); leading ones with no speaker get ``unknown_speaker``.
    Empty texts are skipped, never turned into empty turns.
    """
    turns: list[Turn] = []
    current: str | None = None
    texts: list[str] = []
    start: float | None = None
    end: float | None = None

    def flush() -> None:
        if current is not None and texts:
            turns.append(Turn(index=len(turns), speaker=current, text=" ".join(texts), start=start, end=end))

    for u in utterances:
        text = u.text.strip()
        if not text:
            continue
        speaker = u.speaker if u.speaker else (current or unknown_speaker)
        if speaker != current:
            flush()
            current, texts, start, end = speaker, [], u.start, u.end
        texts.append(text)
        if u.end is not None:
            end = u.end
        if start is None:
            start = u.start
    flush()
    return turns


def renumber(turns: Sequence[Turn]) -> tuple[Turn, ...]:
    """Give turns consecutive indices (after some were dropped)."""
    return tuple(replace(t, index=i) for i, t in enumerate(turns))
