"""Text with a timestamp at the start of each line: ``00:01:23 text``.

Podcast sites publish transcripts this way (Talk Python's ``HH:MM:SS text`` lines,
``[00:01:23] text``), usually without speaker names; when a ``Name:`` label follows
the time and recurs, it is the speaker. Hand-written: no library reads this layout.
"""

from __future__ import annotations

import re
from collections import Counter

from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .speakers import accept_labels, split_speaker_prefix
from .textclean import clean_text
from .timecodes import CLOCK, parse_clock_or_none

__all__ = ["TimedLinesReader"]

_LINE = re.compile(rf"^\s*\[?(?P<time>{CLOCK})\]?(?:\s+[-–—]\s*|\s+)(?P<text>\S.*)$")


class TimedLinesReader:
    """Lines that start with a timestamp."""

    name = "timed-lines"
    description = "Text lines starting with a timestamp: '00:01:23 text' or '[00:01:23] Name: text'"
    extensions = (".txt",)

    def sniff(self, source: Source) -> float:
        lines = head_lines(source)
        if not lines:
            return 0.0
        timed = sum(1 for ln in lines if _LINE.match(ln) and "-->" not in ln)
        share = timed / len(lines)
        return 0.8 if timed >= 3 and share >= 0.6 else 0.0

    def parse(self, source: Source) -> Parsed:
        rows: list[tuple[float | None, str]] = []
        for line in source.lines:
            if not line.strip():
                continue
            m = _LINE.match(line)
            if m and "-->" not in line:
                rows.append((parse_clock_or_none(m["time"]), m["text"]))
            elif rows:  # a wrapped line continues the previous one
                rows[-1] = (rows[-1][0], rows[-1][1] + "\n" + line)
        counts = Counter(n for _, text in rows for n, _ in [split_speaker_prefix(text)] if n)
        accepted = accept_labels(counts, units=len(rows))
        utterances: list[Utterance] = []
        for start, raw in rows:
            name, rest = split_speaker_prefix(raw)
            speaker = name if name in accepted else None
            text = clean_text(rest if speaker else raw)
            if text:
                utterances.append(Utterance(speaker=speaker, text=text, start=start))
        return Parsed(utterances=utterances, format_name="timed-lines",
                      has_speaker_labels=any(u.speaker for u in utterances))
