"""Whisper's console output saved as text: ``[00:43.810 --> 00:47.850]  text``.

Hours appear only past the first hour (``[01:00:00.000 --> ...]``). There are no
speakers. Hand-written: a line regex, since the layout is fixed.
"""

from __future__ import annotations

import re

from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .textclean import clean_text
from .timecodes import CLOCK, parse_clock_or_none

__all__ = ["WhisperTextReader"]

_LINE = re.compile(rf"^\s*\[(?P<start>{CLOCK})\s*-->\s*(?P<end>{CLOCK})\]\s*(?P<text>.*)$")


class WhisperTextReader:
    """Whisper console-style text."""

    name = "whisper-text"
    description = "Whisper console text: '[mm:ss.mmm --> mm:ss.mmm]  text' lines (no speakers)"
    extensions = (".txt",)

    def sniff(self, source: Source) -> float:
        lines = head_lines(source, 50)
        if not lines:
            return 0.0
        matched = sum(1 for ln in lines if _LINE.match(ln))
        return 0.95 if matched >= 2 and matched / len(lines) >= 0.6 else 0.0

    def parse(self, source: Source) -> Parsed:
        utterances: list[Utterance] = []
        for line in source.lines:
            m = _LINE.match(line)
            if m and (text := clean_text(m["text"])):
                utterances.append(Utterance(
                    speaker=None, text=text,
                    start=parse_clock_or_none(m["start"]), end=parse_clock_or_none(m["end"]),
                ))
        return Parsed(utterances=utterances, format_name="whisper-text", has_speaker_labels=False)
