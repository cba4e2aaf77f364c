"""Timed blocks with the speaker on its own line, as in older Teams .docx transcripts.

::

    0:0:0.0 --> 0:0:3.410
    Jane Doe
    Hello everyone, thanks for joining.

Hand-written: it looks like WebVTT without a header, but webvtt-py would read the
speaker's name as caption text. A block's first line is the speaker when it reads
like a name, is followed by more text, and recurs as a first line.
"""

from __future__ import annotations

import re
from collections import Counter

from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .speakers import accept_labels, is_name_like
from .textclean import clean_text
from .timecodes import CLOCK, parse_clock_or_none

__all__ = ["CueBlocksReader"]

_TIMING = re.compile(rf"^\s*(?P<start>{CLOCK})\s*-->\s*(?P<end>{CLOCK})\s*$")


def _blocks(lines: list[str]) -> list[tuple[float | None, float | None, list[str]]]:
    blocks: list[tuple[float | None, float | None, list[str]]] = []
    for line in lines:
        if m := _TIMING.match(line):
            blocks.append((parse_clock_or_none(m["start"]), parse_clock_or_none(m["end"]), []))
        elif blocks and line.strip():
            blocks[-1][2].append(line.strip())
    return blocks


def _name_counts(blocks: list[tuple[float | None, float | None, list[str]]]) -> Counter[str]:
    return Counter(
        body[0] for _, _, body in blocks
        if len(body) >= 2 and is_name_like(body[0]) and not body[0].endswith((".", "?", "!", ","))
    )


class CueBlocksReader:
    """Timed blocks with a speaker line (older Teams .docx layout)."""

    name = "teams-text"
    description = "Teams transcript text (older .docx): 'h:m:s.ms --> h:m:s.ms', speaker line, text"
    extensions = (".txt",)

    def sniff(self, source: Source) -> float:
        lines = head_lines(source, 200)
        if not lines or lines[0].startswith("WEBVTT"):
            return 0.0
        if any(ln.strip().isdigit() for ln in lines[:3]):
            return 0.0  # SubRip numbers its cues
        blocks = _blocks(lines)
        if len(blocks) < 2:
            return 0.0
        named = sum(n for n in _name_counts(blocks).values() if n >= 2)
        return 0.85 if named >= max(2, len(blocks) // 2) else 0.0

    def parse(self, source: Source) -> Parsed:
        blocks = _blocks(source.lines)
        accepted = accept_labels(_name_counts(blocks), units=len(blocks))
        utterances: list[Utterance] = []
        for start, end, body in blocks:
            speaker = body[0] if len(body) >= 2 and body[0] in accepted else None
            text = clean_text("\n".join(body[1:] if speaker else body))
            if text:
                utterances.append(Utterance(speaker=speaker, text=text, start=start, end=end))
        return Parsed(utterances=utterances, format_name="teams-text",
                      has_speaker_labels=any(u.speaker for u in utterances))
