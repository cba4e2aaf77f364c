"""Otter.ai exports, and the same layout from Teams .docx: a header line, then text.

Each turn opens with a line holding only the speaker and a time, ``Name  m:ss`` (or
``h:mm:ss`` past the first hour; bold ``**Name**  0:24`` when edited into Markdown;
``Unknown Speaker`` when Otter didn't know), followed by the words. Otter's footer
``Transcribed by https://otter.ai`` and any Markdown wrapper before the first header
are not speech.

Hand-written: no maintained library reads Otter's text export.
"""

from __future__ import annotations

import re

from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .speakers import is_name_like
from .textclean import clean_markdown
from .timecodes import parse_clock_or_none

__all__ = ["OtterReader"]

# "Emma  0:00  ", "**Ali**  1:00:00  ", "Unknown Speaker  0:58", "Jane Doe   00:01:23"
_HEADER = re.compile(
    r"^\s*(?:\*\*|__)?(?P<name>[^\s\[*_#>|\d][^\n*_|]{0,59}?)(?:\*\*|__)?"
    r"(?:\s{2,}|\t+|\s+(?=\d{1,2}:\d{2}\s*$))"
    r"(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2})\s*$"
)
_FOOTER = re.compile(r"^\s*transcribed by\s+https?://(?:www\.)?otter\.ai", re.IGNORECASE)
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*)$")


def _header(line: str) -> tuple[str, float | None] | None:
    if len(line) > 120:  # a header is a name and a time; long lines are speech
        return None
    m = _HEADER.match(line)
    if not m:
        return None
    name = m["name"].strip()
    if not is_name_like(name) or name.endswith((",", "?", "!", ";")):
        return None  # a sentence that happens to end with a time
    return name, parse_clock_or_none(m["time"])


class OtterReader:
    """Otter.ai text export (and Teams .docx paragraphs in the same layout)."""

    name = "otter"
    description = (
        "Otter.ai export (.txt/.md/.docx): 'Name  m:ss' header lines then text; "
        "also Teams .docx 'Name  0:03' paragraphs"
    )
    extensions = (".txt", ".md")

    def sniff(self, source: Source) -> float:
        lines = head_lines(source)
        if not lines:
            return 0.0
        headers = sum(1 for ln in lines if _header(ln))
        if headers < 2:
            return 0.0
        # Each turn is a header and usually one paragraph: about half the lines.
        return 0.6 + 0.3 * min(1.0, 2.5 * headers / len(lines))

    def parse(self, source: Source) -> Parsed:
        utterances: list[Utterance] = []
        title: str | None = None
        speaker: str | None = None
        start: float | None = None
        buffer: list[str] = []
        preamble = 0

        def flush() -> None:
            if speaker is not None and buffer:
                text = clean_markdown("\n".join(buffer))
                if text:
                    utterances.append(Utterance(speaker=speaker, text=text, start=start))
            buffer.clear()

        for line in source.lines:
            if not line.strip():
                continue
            if _FOOTER.match(line):
                break  # the footer ends the transcript
            head = _header(line)
            if head:
                flush()
                speaker, start = head
                continue
            if speaker is None:  # a Markdown or Otter wrapper before the first turn
                if (m := _MD_HEADING.match(line)) and title is None:
                    title = clean_markdown(m.group(1).rstrip("# \t")) or None
                preamble += 1
                continue
            buffer.append(line)
        flush()
        warnings = []
        if preamble > 1 or (preamble == 1 and title is None):
            warnings.append(f"Skipped {preamble} lines before the first speaker header "
                            "(title, notes or a header).")
        return Parsed(utterances=utterances, format_name="otter",
                      has_speaker_labels=bool(utterances), title=title, warnings=warnings)
