"""Recognising a speaker label at the start of a line of text."""

from __future__ import annotations

import re

__all__ = ["split_speaker_prefix"]

# "Maya Chen: text", "**Maya Chen:** text", "Dr. Melissa Ko: text", "Q: text", "SPEAKER_01: text"
_PREFIX = re.compile(
    r"""^\s*(?:\*\*)?
        (?P<name>[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF\u4e00-\u9fff]
                 [\w.'’\-() ]{0,48}?)
        \s*(?:\*\*)?\s*:\s*(?:\*\*)?\s*(?P<text>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_NOT_NAMES = {
    "note", "notes", "http", "https", "www", "warning", "example", "e.g", "i.e", "ps",
    "update", "edit", "tl;dr", "step", "answer", "question", "re", "fyi", "so", "and", "but",
    "well", "yes", "no", "ok", "okay", "then", "also", "because", "like", "here", "there",
    "kind", "language", "style", "title", "date", "time", "attendees", "duration",
}


def split_speaker_prefix(line: str) -> tuple[str | None, str]:
    """Split ``"Name: text"`` into ``("Name", "text")``; ``(None, line)`` when it isn't one.

    A name is at most six words, starts with a letter, and isn't a common word that
    precedes a colon in running speech ("Note:", "So:").
    """
    m = _PREFIX.match(line)
    if not m:
        return None, line
    name = m.group("name").strip()
    if not name or name.lower() in _NOT_NAMES or len(name.split()) > 6:
        return None, line
    if name[0].islower() and len(name) > 2:  # "so he said: ..." is speech, not a label
        return None, line
    return name, m.group("text").strip()
