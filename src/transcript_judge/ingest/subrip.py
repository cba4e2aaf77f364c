"""SubRip (.srt) subtitles, from Whisper, AssemblyAI, Rev and video tools.

The ``srt`` library parses the cues: indices (starting at 0 or 1), ``,`` or ``.``
milliseconds, a missing blank line at the end of the file. Decoding (UTF-16, cp1252,
BOM) happens before, in :mod:`.source`.

Beyond the library: tags (``<font>``, ``<b>``), SSA overrides (``{\\an8}``) and HTML
entities are stripped from the text; a ``Name:`` prefix inside cue text is taken as
the speaker when such labels recur (see :func:`.speakers.accept_labels`); a leading
``>>`` is removed and reported, as in :mod:`.webvtt`. Timings are checked first
(:mod:`.cuetimes`): a cue with an unreadable time (``00:00:xx,000``, a 20-digit hour)
keeps its text, takes the nearest readable cue's time and is named in a warning, instead
of being glued to the previous cue or overflowing.
"""

from __future__ import annotations

import re
from collections import Counter

import srt

from ..errors import InputError
from ..transcript import Utterance
from .base import Parsed, head_lines
from .cuetimes import BadTiming, broken_cue_warning, placeholder_index, repair_timings
from .source import Source
from .speakers import accept_labels, split_speaker_prefix
from .textclean import clean_text, strip_turn_marker

__all__ = ["SubRipReader"]

_TIMING = re.compile(r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}")


# The srt library's cue pattern backtracks quadratically inside a long run of digits (a
# 150,000-digit run takes minutes); runs this long are never a cue index or a time.
_LONG_DIGITS = re.compile(r"\d{17,}")
_MASK = re.compile("\ue000([a-z]+)\ue001")


def _mask_long_numbers(text: str) -> tuple[str, list[str]]:
    """``text`` with each run of 17+ digits replaced by a placeholder, and the runs."""
    if "\ue000" in text or not _LONG_DIGITS.search(text):
        return text, []
    runs: list[str] = []

    def mask(m: re.Match[str]) -> str:
        runs.append(m.group())
        n, letters = len(runs) - 1, ""
        while True:
            n, r = divmod(n, 26)
            letters = chr(97 + r) + letters
            if not n:
                return f"\ue000{letters}\ue001"

    return _LONG_DIGITS.sub(mask, text), runs


def _unmask(sub: srt.Subtitle, runs: list[str]) -> srt.Subtitle:
    def restore(m: re.Match[str]) -> str:
        n = 0
        for ch in m[1]:
            n = n * 26 + ord(ch) - 97
        return runs[n] if n < len(runs) else m.group()

    if "\ue000" in sub.content:
        sub.content = _MASK.sub(restore, sub.content)
    return sub


def _cue_times(
    subs: list[srt.Subtitle], bad: list[BadTiming], warnings: list[str]
) -> list[tuple[float | None, float | None]]:
    """Each cue's (start, end); a cue whose time was unreadable takes the previous (else
    the next) readable cue's time, with a warning that names it."""
    raw = [(s.start.total_seconds(), s.end.total_seconds()) for s in subs]
    index = [placeholder_index(start) for start, _ in raw]
    times: list[tuple[float | None, float | None]] = []
    for i, (start, end) in enumerate(raw):
        k = index[i]
        if k is None or not 0 <= k < len(bad):
            times.append((start, end))
            continue
        before = next((raw[j] for j in range(i - 1, -1, -1) if index[j] is None), None)
        after = next((raw[j] for j in range(i + 1, len(raw)) if index[j] is None), None)
        when: tuple[float | None, float | None] = (
            before if before is not None else (after[0], after[0]) if after is not None else (None, None)
        )
        times.append(when)
        warnings.append(broken_cue_warning(bad[k], time=when[0], previous=before is not None))
    return times


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
                # SRT timings use ',' before the milliseconds; WebVTT uses '.'. With '.',
                # a headerless WebVTT file is as likely: the extension decides.
                return 0.95 if "," in lines[i + 1] else 0.6
        return 0.0

    def parse(self, source: Source) -> Parsed:
        repaired = repair_timings(source.text, sep="", need_hours=True)
        text = repaired.text
        masked, numbers = _mask_long_numbers(text)
        try:
            subs = [_unmask(s, numbers) for s in srt.parse(masked)] if numbers else list(srt.parse(text))
        except srt.SRTParseError as e:
            line = masked.count("\n", 0, e.expected_start) + 1  # masking keeps the lines
            unexpected = _MASK.sub("…", e.unmatched_content)[:40]
            raise InputError(
                f"{source.name} is not valid SubRip: unexpected text at line {line} ({unexpected!r}).",
                hint="Export the subtitles again, or force another format with --input-format.",
            ) from e
        except (srt.TimestampParseError, ValueError, OverflowError) as e:
            raise InputError(
                f"{source.name} is not valid SubRip: a cue has a malformed time ({e}).",
                hint="Export the subtitles again.",
            ) from e
        warnings: list[str] = []
        times = _cue_times(subs, repaired.bad, warnings)
        cues = [(s, clean_text(s.content)) for s in subs]
        counts = Counter(n for _, text in cues for n, _ in [split_speaker_prefix(text)] if n)
        accepted = accept_labels(counts, units=len(cues))
        utterances: list[Utterance] = []
        markers = 0
        for (_, text), (start, end) in zip(cues, times, strict=True):
            marked, text = strip_turn_marker(text)
            markers += marked
            if not text:
                continue
            name, rest = split_speaker_prefix(text)
            if name in accepted:
                utterances.append(Utterance(speaker=name, text=rest, start=start, end=end))
            else:
                utterances.append(Utterance(speaker=None, text=text, start=start, end=end))
        if not utterances:
            raise InputError(
                f"{source.name} is a SubRip file with no subtitle text, so there is no speech in it.",
                hint="Export the subtitles again.",
            )
        has_labels = any(u.speaker for u in utterances)
        if markers and not has_labels:
            warnings.append(
                f"{markers} changes of speaker are marked only with '>>', without names; the "
                "marks were removed and the speech left unattributed."
            )
        return Parsed(utterances=utterances, format_name="srt", has_speaker_labels=has_labels, warnings=warnings)
