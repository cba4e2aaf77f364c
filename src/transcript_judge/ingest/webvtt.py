"""WebVTT: captions, Zoom ``Name: text`` cues, ``<v Name>`` voice tags, YouTube captions.

webvtt-py parses each block: NOTE, STYLE and REGION blocks, cue ids (numbers, Teams
GUIDs), cue settings, timings with or without hours. The file is split into blocks here,
by the same rules (cues glued together without a blank line too), so that a 25 MB file
streams through one block at a time instead of existing as every line and every caption
object at once.

Where this module goes beyond webvtt-py:

* Speakers. webvtt-py reports only the first ``<v>`` voice of a cue; we split every
  voice span (with or without ``</v>``) and drop untagged sound notes such as
  ``<i>Laughter</i>`` in a voiced cue. Zoom's ``Name: text`` prefix is recognised
  here too, but believed only when labels recur, so one ``Warning: ...`` caption
  doesn't invent a speaker.
* YouTube auto-captions repeat each line in the next cue (a "rolling" display, plus
  10 ms "flash" cues). When most cues start with the previous cue's last line, the
  repeats are dropped rather than doubled.
* ``>>`` marks a change of speaker in broadcast captions, without names. It is
  removed and reported in a warning: alternating anonymous speakers would be a guess,
  because the marks are often incomplete.
* A file that has cue timings but lost its ``WEBVTT`` line is read with a warning.
* Timings are checked before webvtt-py sees them (:mod:`.cuetimes`), because it drops a
  cue it can't time without a word: SubRip-style ``00:00:01,000`` is read, with a
  warning; a cue with an unreadable time (``00:00:xx.000``, a 20-digit hour) keeps its
  text, takes the previous (else the next) cue's time and is named in a warning.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from webvtt import vtt as webvtt_parser
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Caption

from ..errors import InputError
from ..transcript import Utterance, format_timestamp
from .base import Parsed, head_lines
from .cuetimes import BadTiming, TimingRepair, broken_cue_warning, iter_lines, placeholder_index
from .source import Source
from .speakers import accept_labels, split_speaker_prefix
from .textclean import clean_text, strip_turn_marker

__all__ = ["WebVTTReader"]

_VOICE = re.compile(r"<v(?:\.[\w.-]+)*[ \t]+([^>]+)>(.*?)(?:</v>|(?=<v[\s.])|\Z)", re.DOTALL)
_TIMING = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}\.\d{3}\s+-->\s+(?:\d+:)?\d{1,2}:\d{2}\.\d{3}")
# A sound or action note rather than speech: "<i>Laughter</i>", "[applause]", "(laughs)".
_ANNOTATION = re.compile(r"^\s*(?:<i>[^<]*</i>|\[[^\]]*\]|\([^)]*\))\s*$")
_ROLLING_SHARE = 0.3


@dataclass(slots=True)
class _Cue:
    start: float | None
    end: float | None
    lines: tuple[str, ...]  # cleaned, non-empty
    #: The payload as written, kept only when cleaning changed it (tags, say): most cues'
    #: payload is their lines, and a big file shouldn't hold its text twice.
    raw: str | None = None
    bad: int | None = None  # the index of its unreadable timing, if it had one


def _time_broken_cues(cues: list[_Cue], bad: list[BadTiming], warnings: list[str]) -> None:
    """Give each cue whose time was unreadable the nearest readable cue's time, and say so."""
    placed: set[int] = set()
    for i, cue in enumerate(cues):
        if cue.bad is None or not 0 <= cue.bad < len(bad):
            continue
        placed.add(cue.bad)
        before = next((c for c in reversed(cues[:i]) if c.bad is None), None)
        after = next((c for c in cues[i + 1 :] if c.bad is None), None)
        if before is not None:
            cue.start, cue.end = before.start, before.end
        elif after is not None:
            cue.start = cue.end = after.start
        else:
            cue.start = cue.end = None
        warnings.append(broken_cue_warning(bad[cue.bad], time=cue.start, previous=before is not None))
    for k, b in enumerate(bad):
        if k not in placed:
            warnings.append(
                f"An unreadable time {b.timing!r} in cue {b.cue} (line {b.line}): the cue "
                "couldn't be read and was dropped."
            )


def _blocks(lines: Iterable[str]) -> Iterator[list[str]]:
    """The file's blocks, by the WebVTT rules webvtt-py follows (``vtt._iter_blocks_of_lines``):
    a block ends at an empty line, and a ``-->`` line that can't be the current block's
    timings starts a new one. Our own so that the file streams: webvtt-py's reader holds
    every line and every caption of the file at once (~840 bytes a cue)."""
    block: list[str] = []
    in_header = True
    for line in lines:
        # a "-->" line is the current block's timings only as its first or second line
        ends = not line or (bool(block) and "-->" in line and (in_header or len(block) > 1 or "-->" in block[0]))
        if block and ends:
            yield block
            block = []
            in_header = False
        if line:
            block.append(line)
    if block:
        yield block


def _cues(blocks: Iterator[list[str]]) -> Iterator[_Cue]:
    """Each cue block as webvtt-py parses it (``vtt.parse_item``: timings, identifiers, cue
    settings), kept as a small :class:`_Cue`; webvtt-py's caption is dropped at once."""
    seen_cue = False
    for block in blocks:
        try:
            item = webvtt_parser.parse_item(block, False, seen_cue)
        except (MalformedFileError, MalformedCaptionError, ValueError):
            item = None
        seen_cue = seen_cue or any("-->" in ln for ln in block)
        if not isinstance(item, Caption):
            continue
        raw = item.raw_text
        lines = tuple(cleaned for ln in raw.split("\n") if (cleaned := clean_text(ln)))
        start = item.start_time.in_milliseconds() / 1000
        yield _Cue(
            start,
            item.end_time.in_milliseconds() / 1000,
            lines,
            raw=None if raw == "\n".join(lines) else raw,
            bad=placeholder_index(start),
        )


def _load(source: Source, warnings: list[str]) -> tuple[list[_Cue], str | None]:
    text = source.text.lstrip()
    first = 1 + source.text.count("\n", 0, len(source.text) - len(text))  # the number of its first line
    if not text.startswith("WEBVTT"):
        # Some tools drop the header; the cues themselves are still WebVTT.
        warnings.append(f"{source.name} has no WEBVTT header line; read it as WebVTT anyway.")
        text = "WEBVTT\n\n" + text
        first -= 2
    repair = TimingRepair(sep=".", need_hours=False)
    blocks = _blocks(repair.lines(iter_lines(text), first=first))
    header = next(blocks, ["WEBVTT"])
    cues = list(_cues(blocks))
    del text
    source.release_text()  # the cues hold their own strings
    repaired = repair.result
    _time_broken_cues(cues, repaired.bad, warnings)
    if repaired.rewritten:
        warnings.append(
            f"{len(repaired.rewritten)} cue timing(s) are not in WebVTT form (SubRip-style ',' "
            f"before the milliseconds, or no milliseconds), e.g. line {repaired.rewritten[0]}; "
            "read them anyway."
        )
    if (lost := repaired.cues - len(cues)) > 0:
        warnings.append(f"{lost} cue(s) couldn't be read and were dropped.")
    # "WEBVTT - Interview with Sam": the header text is the file's title.
    header_text = header[0][len("WEBVTT") :]
    title = clean_text(header_text).strip(" -–—:") or None
    return cues, title


def _is_rolling(cues: list[_Cue]) -> bool:
    """Whether most cues start by repeating the previous cue's last line (YouTube)."""
    repeated = total = 0
    prev_last: str | None = None
    for cue in cues:
        if not cue.lines:
            continue
        if prev_last is not None:
            total += 1
            repeated += cue.lines[0] == prev_last
        prev_last = cue.lines[-1]
    return repeated >= 2 and repeated / max(1, total) >= _ROLLING_SHARE


def _voice_utterances(cue: _Cue, dropped: list[str]) -> list[Utterance]:
    """Every ``<v Name>`` span of a cue, plus untagged speech between them."""
    out: list[Utterance] = []
    pos = 0

    def untagged(chunk: str) -> None:
        for line in chunk.split("\n"):
            if not line.strip():
                continue
            if _ANNOTATION.match(line):
                dropped.append(clean_text(line))
            elif text := clean_text(line):
                out.append(Utterance(speaker=None, text=text, start=cue.start, end=cue.end))

    raw = cue.raw if cue.raw is not None else "\n".join(cue.lines)
    for m in _VOICE.finditer(raw):
        untagged(raw[pos : m.start()])
        name, text = clean_text(m.group(1)), clean_text(m.group(2))
        if text:
            out.append(Utterance(speaker=name or None, text=text, start=cue.start, end=cue.end))
        pos = m.end()
    untagged(raw[pos:])
    return out


class WebVTTReader:
    """WebVTT captions and transcripts (Zoom, Teams, YouTube, Whisper, generic)."""

    name = "webvtt"
    description = (
        "WebVTT (.vtt): Zoom 'Name: text' cues, Teams <v Name> voice tags, "
        "YouTube auto-captions, Whisper and other captions"
    )
    extensions = (".vtt",)

    def sniff(self, source: Source) -> float:
        lines = head_lines(source, 40)
        if not lines:
            return 0.0
        if lines[0].lstrip("\ufeff").startswith("WEBVTT"):
            return 1.0
        # Headerless: cue timings with '.' milliseconds (SRT uses ',').
        timings = sum(1 for ln in lines if _TIMING.match(ln))
        return 0.6 if timings >= 2 else 0.0

    def parse(self, source: Source) -> Parsed:
        warnings: list[str] = []
        cues, title = _load(source, warnings)
        if not any(c.lines for c in cues):
            raise InputError(
                f"{source.name} is a WebVTT file with no cues (only a header), so there is no speech in it.",
                hint="Check that transcription was on for the recording and export the transcript again.",
            )
        voiced = any(c.raw is not None and "<v" in c.raw and _VOICE.search(c.raw) for c in cues)
        rolling = not voiced and _is_rolling(cues)
        accepted = set() if voiced else _prefix_labels(cues)
        speech = _speech(cues, voiced=voiced, rolling=rolling, accepted=accepted)
        has_labels = any(u.speaker for u in speech.utterances)
        if voiced:
            fmt = "webvtt-voice"
        elif has_labels:
            fmt = "webvtt-zoom"
        elif rolling:
            fmt = "webvtt-youtube"
        else:
            fmt = "webvtt"
        warnings.extend(speech.warnings(rolling=rolling, has_labels=has_labels))
        return Parsed(
            utterances=speech.utterances, format_name=fmt, has_speaker_labels=has_labels, title=title, warnings=warnings
        )


def _prefix_labels(cues: list[_Cue]) -> set[str]:
    """The Zoom-style ``Name:`` prefixes believed to be speakers (they recur, or read like names)."""
    counts = Counter(name for c in cues if c.lines for name, _ in [split_speaker_prefix(" ".join(c.lines))] if name)
    return accept_labels(counts, units=sum(1 for c in cues if c.lines))


@dataclass(slots=True)
class _Speech:
    """A file's utterances, and what was taken out of the captions on the way."""

    utterances: list[Utterance] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # sound notes outside any voice
    repeats: int = 0  # rolling captions' repeated lines
    markers: list[float | None] = field(default_factory=list)  # when a '>>' marked a new speaker

    def warnings(self, *, rolling: bool, has_labels: bool) -> list[str]:
        warnings = []
        if rolling and self.repeats:
            warnings.append(
                f"Removed {self.repeats} repeated caption lines (rolling auto-captions show each line twice)."
            )
        if self.markers and not has_labels:
            warnings.append(
                f"{len(self.markers)} changes of speaker are marked only with '>>' (the last at "
                f"{format_timestamp(self.markers[-1])}), without names; the marks were removed and "
                "the speech left unattributed."
            )
        if self.dropped:
            warnings.append(f"Dropped {len(self.dropped)} sound notes outside any voice, e.g. {self.dropped[0]!r}.")
        return warnings


def _speech(cues: list[_Cue], *, voiced: bool, rolling: bool, accepted: set[str]) -> _Speech:
    """The cues as utterances: by voice span, else one a cue (its ``Name:`` prefix the
    speaker when ``accepted``), without rolling captions' repeats.

    Empties ``cues``: each cue is let go as soon as it is an utterance, so that a long
    file's cues and utterances don't all exist at once."""
    speech = _Speech()
    recent: deque[str] = deque(maxlen=3)
    cues.reverse()
    while cues:
        cue = cues.pop()
        if voiced:
            speech.utterances.extend(_voice_utterances(cue, speech.dropped))
            continue
        lines = cue.lines
        if rolling:
            fresh = tuple(ln for ln in lines if ln not in recent)
            speech.repeats += len(lines) - len(fresh)
            recent.extend(fresh)
            lines = fresh
        text = " ".join(lines)
        marked, text = strip_turn_marker(text)
        if marked:
            speech.markers.append(cue.start)
        if not text:
            continue
        name, rest = split_speaker_prefix(text)
        if name in accepted:
            speech.utterances.append(Utterance(speaker=name, text=rest, start=cue.start, end=cue.end))
        else:
            speech.utterances.append(Utterance(speaker=None, text=text, start=cue.start, end=cue.end))
    return speech
