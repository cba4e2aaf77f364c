"""Turns for speech without speaker labels: a sentence at a time, each with its own time.

With no labels there is no change of speaker to end a turn, so merging by speaker (what
labelled files get, :func:`~transcript_judge.transcript.merge_utterances`) would make the
whole interview one turn that starts at the first cue, and every quote would be cited
at that time. Instead a cue starts a new turn unless it continues a sentence: the turn
so far doesn't end with ``.``, ``?``, ``!`` or ``…``, is under :data:`MAX_WORDS` words, and
the cue follows within :data:`MAX_GAP_S` seconds (a pause is often a change of speaker).
Unpunctuated speech-to-text output is cut by the word limit and the pauses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..transcript import Turn, Utterance

__all__ = ["MAX_GAP_S", "MAX_WORDS", "UNLABELLED_SPEAKER", "sentence_turns"]

#: The speaker of every turn when the source names none.
UNLABELLED_SPEAKER = "Unknown"
MAX_WORDS = 60
MAX_GAP_S = 2.0
_SENTENCE_END = re.compile(r"[.?!…♪][\"'”’)\]]*$")


def _continues(words: int, text: str, end: float | None, start: float | None) -> bool:
    """Whether the next cue (starting at ``start``) continues the turn so far."""
    if words >= MAX_WORDS or _SENTENCE_END.search(text):
        return False
    return end is None or start is None or start - end < MAX_GAP_S


def sentence_turns(utterances: Iterable[Utterance]) -> list[Turn]:
    """Unlabelled utterances as turns of about a sentence, in order, with their own times.

    Example:
        >>> turns = sentence_turns([Utterance(None, "Tell me about", 1.0, 2.0),
        ...                         Utterance(None, "your last project.", 2.0, 3.0),
        ...                         Utterance(None, "I built a search tool.", 3.5, 6.0)])
        >>> [(t.start, t.text) for t in turns]
        [(1.0, 'Tell me about your last project.'), (3.5, 'I built a search tool.')]
    """
    turns: list[Turn] = []
    texts: list[str] = []
    words = 0
    start: float | None = None
    end: float | None = None

    def flush() -> None:
        if texts:
            turns.append(Turn(len(turns), UNLABELLED_SPEAKER, " ".join(texts), start, end))

    for u in utterances:
        text = u.text.strip()
        if not text:
            continue
        if not texts or not _continues(words, texts[-1], end, u.start):
            flush()
            texts, words, start, end = [], 0, u.start, u.end
        texts.append(text)
        words += len(text.split())
        start = start if start is not None else u.start
        end = u.end if u.end is not None else end
    flush()
    return turns
