"""WebVTT: Zoom ``Name: text`` cues and Teams ``<v Name>`` voice tags.

Parsed with webvtt-py (cue timing, ids, settings, NOTE/STYLE blocks); speaker
attribution is ours, since webvtt-py reports at most one voice per cue.
"""

from __future__ import annotations

import re

import webvtt
from webvtt.errors import MalformedFileError

from ..errors import InputError
from ..transcript import Utterance
from .base import Parsed
from .source import Source
from .speakers import split_speaker_prefix
from .textclean import clean_text

__all__ = ["WebVTTReader", "parse_timestamp"]

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>|(?=<v[\s.])|\Z)", re.DOTALL)
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})$")


def parse_timestamp(value: str) -> float:
    """``hh:mm:ss.mmm`` or ``mm:ss.mmm`` (or with a comma) to seconds."""
    m = _TIME.match(value.strip())
    if not m:
        raise ValueError(f"not a timestamp: {value!r}")
    h, mnt, s, ms = m.groups()
    return int(h or 0) * 3600 + int(mnt) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def _cue_utterances(raw: str, start: float, end: float) -> list[Utterance]:
    voices = _VOICE.findall(raw)
    if voices:
        return [
            Utterance(speaker=clean_text(name).strip() or None, text=clean_text(text),
                      start=start, end=end)
            for name, text in voices
        ]
    text = clean_text(raw)
    name, rest = split_speaker_prefix(text)
    return [Utterance(speaker=name, text=rest if name else text, start=start, end=end)]


class WebVTTReader:
    name = "webvtt"
    description = "WebVTT (.vtt): Zoom 'Name: text' cues, Teams <v Name> voice tags"

    def sniff(self, source: Source) -> float:
        if source.suffix == ".docx":
            return 0.0
        try:
            head = source.text.lstrip()[:16]
        except InputError:
            return 0.0
        if head.startswith("WEBVTT"):
            return 1.0
        return 0.2 if source.suffix == ".vtt" else 0.0

    def parse(self, source: Source) -> Parsed:
        try:
            vtt = webvtt.from_string(source.text)
        except MalformedFileError as e:
            raise InputError(f"{source.name} is not valid WebVTT ({e}).") from e
        utterances: list[Utterance] = []
        for cue in vtt:
            start, end = parse_timestamp(cue.start), parse_timestamp(cue.end)
            utterances.extend(_cue_utterances(cue.raw_text, start, end))
        has_labels = any(u.speaker for u in utterances)
        fmt = "webvtt"
        if any("<v" in c.raw_text for c in vtt):
            fmt = "webvtt-teams"
        elif has_labels:
            fmt = "webvtt-zoom"
        return Parsed(utterances=utterances, format_name=fmt, has_speaker_labels=has_labels)
