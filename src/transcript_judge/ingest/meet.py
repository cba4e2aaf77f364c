"""Google Meet transcripts (the Google Docs export, as text or Markdown).

Layout: a title line ("... - Transcript"), an ``Attendees`` list, a disclaimer ("This
editable transcript was computer generated ..."), then ``Name: text`` paragraphs
(sometimes ``**Name:** text``) with a bare ``00:05:00`` line every few minutes, and a
``Meeting ended after 00:50:32`` footer.

Hand-written (no library reads this format): the header and footer are cut here, the
turns are read by :func:`.plaintext.parse_labelled_lines`. Attendees that are
notetaker bots ("Fireflies.ai Notetaker") are reported as excluded speakers.
"""

from __future__ import annotations

import re

from .base import Parsed, head_lines
from .plaintext import parse_labelled_lines
from .source import Source
from .speakers import is_bot
from .textclean import clean_markdown

__all__ = ["GoogleMeetReader"]

_FOOTER = re.compile(r"^\W*meeting ended after \d", re.IGNORECASE)
_ATTENDEES = re.compile(r"^\s*(?:#+\s*)?(?:\*\*|__)?attendees(?:\*\*|__)?\s*:?\s*(?P<rest>.*)$",
                        re.IGNORECASE)
_DISCLAIMER = re.compile(r"editable transcript was computer[- ]generated", re.IGNORECASE)
_TRANSCRIPT_HEADING = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?transcript(?:\*\*)?\s*$",
                                 re.IGNORECASE)


def _split_header(lines: list[str]) -> tuple[int, list[str], str | None]:
    """Where the speech starts, the attendees, and the title."""
    attendees: list[str] = []
    title: str | None = None
    start = 0
    for i, line in enumerate(lines[:200]):
        stripped = line.strip()
        if not stripped:
            continue
        if title is None:
            title = clean_markdown(stripped.lstrip("#").strip()) or None
            start = i + 1
            continue
        if m := _ATTENDEES.match(stripped):
            listed = m["rest"].strip()
            if not listed:  # the list is on the next non-blank line
                listed = next((ln.strip() for ln in lines[i + 1 : i + 5] if ln.strip()), "")
                start = max(start, i + 2)
            attendees = [a.strip() for a in listed.split(",") if a.strip()]
            start = max(start, i + 1)
        elif _DISCLAIMER.search(stripped) or _TRANSCRIPT_HEADING.match(stripped):
            return i + 1, attendees, title
    return start, attendees, title


class GoogleMeetReader:
    """Google Meet transcript exports."""

    name = "google-meet"
    description = (
        "Google Meet transcript (Docs export as text/Markdown): attendees header, "
        "'Name: text', timestamp lines, 'Meeting ended after' footer"
    )
    extensions = (".txt", ".md")

    def sniff(self, source: Source) -> float:
        lines = head_lines(source, 60)
        if not lines:
            return 0.0
        header = any(_ATTENDEES.match(ln) for ln in lines[:10]) or any(
            _DISCLAIMER.search(ln) for ln in lines[:20]
        )
        if not header:
            return 0.0
        footer = any(_FOOTER.match(ln) for ln in source.lines[-20:])
        return 0.92 if footer or any(_DISCLAIMER.search(ln) for ln in lines[:20]) else 0.5

    def parse(self, source: Source) -> Parsed:
        lines = source.lines
        start, attendees, title = _split_header(lines)
        end = len(lines)
        for i in range(len(lines) - 1, max(start, len(lines) - 40) - 1, -1):
            if _FOOTER.match(lines[i]):
                end = i
                break
        humans = [a for a in attendees if not is_bot(a)]
        result = parse_labelled_lines(lines[start:end], known_names=humans)
        return Parsed(
            utterances=result.utterances,
            format_name="google-meet",
            has_speaker_labels=any(u.speaker for u in result.utterances),
            title=title,
            warnings=result.warnings,
            excluded_speakers=[a for a in attendees if is_bot(a)],
        )
