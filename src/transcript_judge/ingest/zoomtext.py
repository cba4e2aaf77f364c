"""Zoom's in-meeting "Save transcript" text: ``[Name] HH:MM:SS`` then the words.

The times are the wall clock (``11:02:09``), not offsets into a recording; they are
kept as seconds from the first turn (a meeting crossing midnight is handled), and a
warning says so. Hand-written: no library reads this format.
"""

from __future__ import annotations

import re

from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .textclean import clean_text
from .timecodes import parse_clock_or_none

__all__ = ["ZoomTextReader"]

_HEADER = re.compile(r"^\s*\[(?P<name>[^\[\]\n]{1,80})\]\s+(?P<time>\d{1,2}:\d{2}:\d{2})\s*$")
_DAY = 24 * 3600


class ZoomTextReader:
    """Zoom "Save transcript" text export."""

    name = "zoom-text"
    description = "Zoom 'Save transcript' text: '[Name] HH:MM:SS' line, then the words"
    extensions = (".txt",)

    def sniff(self, source: Source) -> float:
        lines = head_lines(source)
        if not lines:
            return 0.0
        headers = sum(1 for ln in lines if _HEADER.match(ln))
        if headers < 2:
            return 0.0
        return 0.7 + 0.25 * min(1.0, 2.5 * headers / len(lines))

    def parse(self, source: Source) -> Parsed:
        utterances: list[Utterance] = []
        speaker: str | None = None
        start: float | None = None
        first: float | None = None
        previous = 0.0
        buffer: list[str] = []

        def flush() -> None:
            if speaker is not None and buffer and (text := clean_text("\n".join(buffer))):
                utterances.append(Utterance(speaker=speaker, text=text, start=start))
            buffer.clear()

        for line in source.lines:
            m = _HEADER.match(line)
            if m:
                flush()
                speaker = m["name"].strip()
                clock = parse_clock_or_none(m["time"])
                if clock is None:
                    start = None
                    continue
                if first is None:
                    first = clock
                offset = clock - first
                while offset < previous - 12 * 3600:  # the meeting went past midnight
                    offset += _DAY
                start = previous = offset
            elif speaker is not None and line.strip():
                buffer.append(line)
        flush()
        warnings = []
        if first is not None:
            h, rem = divmod(int(first), 3600)
            warnings.append(
                f"Times are wall-clock times; kept as seconds from the first turn "
                f"({h:02d}:{rem // 60:02d}:{rem % 60:02d})."
            )
        return Parsed(utterances=utterances, format_name="zoom-text",
                      has_speaker_labels=bool(utterances), warnings=warnings)
