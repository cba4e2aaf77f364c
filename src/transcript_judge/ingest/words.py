"""Shared by the speech-to-text JSON readers: word lists to utterances, safe field access.

APIs return words with times and, when diarized, a speaker per word. Turns are rebuilt
by starting a new utterance when the speaker changes; for speech without speakers,
utterances are cut at sentence ends and pauses so that times stay useful.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..transcript import Utterance
from .textclean import clean_text

__all__ = ["Word", "as_dicts", "as_str", "words_to_utterances"]

_SENTENCE_END = (".", "?", "!", "。", "？", "！")
_PAUSE = 1.5  # seconds of silence that end an utterance when there are no speakers
_MAX_WORDS = 60


@dataclass(frozen=True)
class Word:
    """A word (or punctuation mark) from a speech-to-text result."""

    text: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    #: Punctuation that attaches to the previous word without a space.
    joins_previous: bool = False


def as_dicts(value: object) -> list[Mapping[str, object]]:
    """The mappings in a JSON list, or ``[]`` when it isn't one."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def as_str(value: object) -> str:
    """A JSON string, or ``""``."""
    return value if isinstance(value, str) else ""


def _join(words: Sequence[Word]) -> str:
    parts: list[str] = []
    for w in words:
        if parts and not w.joins_previous:
            parts.append(" ")
        parts.append(w.text.strip())
    return clean_text("".join(parts))


def words_to_utterances(words: Iterable[Word], *, by_speaker: bool) -> list[Utterance]:
    """Group words into utterances.

    Args:
        words: in spoken order.
        by_speaker: cut only where the speaker changes; otherwise cut at sentence
            ends, pauses and every :data:`_MAX_WORDS` words.
    """
    out: list[Utterance] = []
    current: list[Word] = []

    def flush() -> None:
        if current and (text := _join(current)):
            starts = [w.start for w in current if w.start is not None]
            ends = [w.end for w in current if w.end is not None]
            out.append(Utterance(speaker=current[0].speaker if by_speaker else None, text=text,
                                 start=starts[0] if starts else None,
                                 end=ends[-1] if ends else None))
        current.clear()

    for w in words:
        if current and not w.joins_previous:
            prev = current[-1]
            if by_speaker:
                cut = w.speaker != current[0].speaker
            else:
                gap = (w.start - prev.end) if w.start is not None and prev.end is not None else 0
                cut = (prev.text.rstrip().endswith(_SENTENCE_END) or gap > _PAUSE
                       or len(current) >= _MAX_WORDS)
            if cut:
                flush()
        current.append(w)
    flush()
    return out
