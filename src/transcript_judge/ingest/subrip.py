"""SubRip (.srt) subtitles, from Whisper, AssemblyAI, Rev and video tools.

The ``srt`` library parses the cues: indices (starting at 0 or 1), ``,`` or ``.``
milliseconds, a missing blank line at the end of the file. Decoding (UTF-16, cp1252,
BOM) happens before, in :mod:`.source`.

Beyond the library: tags (``<font>``, ``<b>``), SSA overrides (``{\\an8}``) and HTML
entities are stripped from the text; a ``Name:`` prefix inside cue text is taken as
the speaker when such labels recur (see :func:`.speakers.accept_labels`); a leading
``>>`` is removed and reported, as in :mod:`.webvtt`.
"""

from __future__ import annotations

import re
from collections import Counter

import srt

from ..errors import InputError
from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .speakers import accept_labels, split_speaker_prefix
from .textclean import clean_text, strip_turn_marker

__all__ = ["SubRipReader"]

_TIMING = re.compile(r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}")


class SubRipReader:
    """SubRip subtitles."""

    name = "srt"
    description = "SubRip (.srt) subtitles: Whisper, AssemblyAI and others; 'Name:' prefixes"
    extensions = (".srt",)

    def sniff(self, source: Source) -> float:
        lines = head_lines(source, 12)
        if not lines:
            return 0.0
        for i, line in enumerate(lines[:-1]):
            if line.strip().isdigit() and _TIMING.match(lines[i + 1]):
                # SRT timings use ',' before the milliseconds; WebVTT uses '.'.
                return 0.95 if "," in lines[i + 1] else 0.7
        return 0.0

    def parse(self, source: Source) -> Parsed:
        text = source.text
        try:
            subs = list(srt.parse(text))
        except srt.SRTParseError as e:
            line = text.count("\n", 0, e.expected_start) + 1
            raise InputError(
                f"{source.name} is not valid SubRip: unexpected text at line {line} "
                f"({e.unmatched_content[:40]!r}).",
                hint="Export the subtitles again, or force another format with --input-format.",
            ) from e
        except (srt.TimestampParseError, ValueError) as e:
            raise InputError(
                f"{source.name} is not valid SubRip: a cue has a malformed time ({e}).",
                hint="Export the subtitles again.",
            ) from e
        cues = [(s, clean_text(s.content)) for s in subs]
        counts = Counter(n for _, text in cues for n, _ in [split_speaker_prefix(text)] if n)
        accepted = accept_labels(counts, units=len(cues))
        utterances: list[Utterance] = []
        markers = 0
        for sub, text in cues:
            marked, text = strip_turn_marker(text)
            markers += marked
            if not text:
                continue
            start, end = sub.start.total_seconds(), sub.end.total_seconds()
            name, rest = split_speaker_prefix(text)
            if name in accepted:
                utterances.append(Utterance(speaker=name, text=rest, start=start, end=end))
            else:
                utterances.append(Utterance(speaker=None, text=text, start=start, end=end))
        if not utterances:
            raise InputError(
                f"{source.name} is a SubRip file with no subtitle text, so there is no speech "
                "in it.",
                hint="Export the subtitles again.",
            )
        has_labels = any(u.speaker for u in utterances)
        warnings = []
        if markers and not has_labels:
            warnings.append(
                f"{markers} changes of speaker are marked only with '>>', without names; the "
                "marks were removed and the speech left unattributed."
            )
        return Parsed(utterances=utterances, format_name="srt", has_speaker_labels=has_labels,
                      warnings=warnings)
