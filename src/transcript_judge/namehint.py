"""The candidate's name, when a transcript's header or its file name gives it.

``Phone screen — Jake Miller`` (a header line), ``interview_jane_doe.vtt`` and
``Jake Miller - screen.txt`` (file names) name the person interviewed. :mod:`.roles` uses
the name to pick a speaker whose label matches it, or, when the labels are generic
(``Candidate``, ``Speaker 1``, captions with none), to show whose interview it is.

Only the header (the reader's ``title``: a heading or line before the first speaker
label, WebVTT's ``WEBVTT - ...`` line, a document's title) and the file name are looked
at, never the speech: a transcript's body could say anything. What comes back is short
(at most four words, :data:`MAX_CHARS` characters), letters only (with ``'``, ``-`` and
``.`` inside names), and title-cased when it was written all in one case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from .ingest.textclean import safe_display

__all__ = ["MAX_CHARS", "NameHint", "NameSource", "name_hint"]

NameSource = Literal["header", "file name"]
MAX_CHARS = 40

# Words that say what the file is, not who is in it. Lower case.
_NOISE = frozenset({
    "interview", "interviews", "interviewing", "interviewed", "phone", "screen", "screening",
    "screener", "call", "calls", "video", "zoom", "teams", "meet", "google", "transcript",
    "transcripts", "transcription", "captions", "caption", "subtitles", "recording", "recorded",
    "meeting", "session", "chat", "conversation", "notes", "note", "onsite", "on-site", "loop", "round",
    "final", "first", "second", "third", "technical", "tech", "coding", "behavioural", "behavioral",
    "system", "systems", "design", "ml", "ai", "llm", "engineer", "engineering", "engineers",
    "architect", "role", "position", "job", "hiring", "recruiter", "recruiting", "panel", "mock",
    "practice", "debrief", "intro", "introduction", "sync", "follow", "up", "followup", "take", "home",
    "take-home", "candidate", "interviewee", "applicant", "with", "and", "the", "a", "an", "of", "for",
    "by", "to", "in", "on", "at", "from", "about", "deposition", "part", "draft", "copy", "edited",
    "raw", "export", "exported", "senior", "staff", "principal", "junior", "lead", "backend",
    "frontend", "fullstack", "data", "scientist", "platform", "infra", "infrastructure", "team", "vs",
    "x", "my", "our"
})
# Words in a file name that say it is an interview, so the rest may be the person's name.
_MARKERS = frozenset({"interview", "interviews", "screen", "screening", "candidate", "onsite", "loop"})
# "interview with Sam O'Neil", "candidate: Jake Miller"
_WITH = re.compile(r"\bwith\s+(?P<rest>.+)$", re.IGNORECASE)
_LABELLED = re.compile(r"\b(?:candidate|interviewee|applicant)\s*[:：\-–—]\s*(?P<rest>.+)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+[-–—|·/]\s+|[:：|()\[\],;]|\s[-–—]|[-–—]\s|\s+vs\.?\s+|\s+x\s+")
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’.-](?=[^\W\d_]))*\.?$")
_DATEISH = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class NameHint:
    """A name for the candidate and where it was found."""

    name: str
    source: NameSource


def _runs(segment: str, *, strict_case: bool) -> list[list[str]]:
    """The runs of words between the noise words that read like a name (one to four
    words, letters only, capitalised in a header)."""
    runs: list[list[str]] = [[]]
    for word in segment.split():
        if word.casefold() in _NOISE or _DATEISH.search(word):  # "A." is an initial, "a" a word
            runs.append([])
        else:
            runs[-1].append(word)
    return [run for run in runs if run and _is_name(run, strict_case=strict_case)]


def _is_name(words: list[str], *, strict_case: bool) -> bool:
    if len(words) > 4 or not all(_WORD.match(w) for w in words):
        return False
    if strict_case and not all(w[0].isupper() for w in words):
        return False  # a header is written by a person: names are capitalised
    # a stray letter is not a name (an initial has its full stop)
    return all(len(w.strip(".")) >= 2 or w.endswith(".") for w in words)


def _shown(words: list[str]) -> str:
    if len(words[-1].rstrip(".")) > 1:  # a sentence's full stop, not an initial's
        words = [*words[:-1], words[-1].rstrip(".")]
    text = " ".join(words)
    if text.islower() or text.isupper():  # file names and ALL-CAPS headers
        text = " ".join(w[:1].upper() + w[1:].lower() for w in words)
    return text


def _names(text: str, *, strict_case: bool) -> list[str]:
    """Every name the text gives: after a ``with``/``Candidate:`` marker if there is one,
    else in any of its separated parts."""
    for pattern in (_LABELLED, _WITH):
        if m := pattern.search(text):
            first = _SEPARATORS.split(m["rest"], maxsplit=1)[0]
            runs = _runs(first, strict_case=strict_case)
            if runs and first.split()[0] == runs[0][0]:  # the name right after the marker
                return [_shown(runs[0])]
    found = [
        _shown(run)
        for segment in _SEPARATORS.split(text)
        for run in _runs(segment, strict_case=strict_case)
        if len(run) >= 2  # one word alone is too weak without a marker
    ]
    return list(dict.fromkeys(found))


def _clean(text: str | None) -> str:
    return safe_display(text or "")[:200]


def _from_file(file_name: str) -> str | None:
    """A file name's stem as words (``interview_jane_doe`` → ``interview jane doe``), or None
    when nothing in it says it is an interview and it isn't written like a name."""
    stem = PurePath(file_name).name
    while (suffix := PurePath(stem).suffix) and 1 < len(suffix) <= 11 and suffix[1:].isalnum():
        stem = stem[: -len(suffix)]
    spaced = " " in stem
    words = re.sub(r"[_+]+", " ", stem)
    if not spaced:
        words = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", words)
    folded = {w.casefold() for w in re.split(r"[\s\-–—]+", words)}
    if not (folded & _MARKERS) and not spaced:
        return None
    return words


def name_hint(title: str | None, file_name: str | None) -> NameHint | None:
    """The one name the header (first) or the file name gives, or None (no name, or more
    than one, so it can't be told which is the candidate).

    Example:
        >>> name_hint("Phone screen — Jake Miller", None)
        NameHint(name='Jake Miller', source='header')
        >>> name_hint(None, "interview_jane_doe.vtt")
        NameHint(name='Jane Doe', source='file name')
        >>> name_hint("Mock interview: ML engineer", "h01.vtt") is None
        True
    """
    header = _clean(title)
    if header:
        names = _names(header, strict_case=not (header.isupper() or header.islower()))
        if len(names) == 1 and len(names[0]) <= MAX_CHARS:
            return NameHint(names[0], "header")
        if names:
            return None  # the header names more than one person: don't guess from the file
    stem = _from_file(_clean(file_name)) if file_name else None
    if stem:
        names = _names(stem, strict_case=False)
        if len(names) == 1 and len(names[0]) <= MAX_CHARS:
            return NameHint(names[0], "file name")
    return None
