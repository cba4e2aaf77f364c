"""Cue timing lines (``00:00:01.000 --> 00:00:02.000``) checked before a caption library
sees them, so that no cue is dropped in silence.

webvtt-py drops a cue whose timing it can't read (``00:00:xx.000``, an hour of 20
digits, SubRip's ``,`` before the milliseconds) without a word, and the text goes with
it; the ``srt`` library glues it to the previous cue's text, or overflows on the hour.
:func:`repair_timings` rewrites each timing line first:

* a readable time in a form the library won't take (``,`` in WebVTT, no milliseconds,
  no hours in SubRip) becomes the canonical form, and is counted;
* an unreadable time becomes a *placeholder*: a time :data:`PLACEHOLDER_HOURS` hours in,
  which no real recording reaches, whose hour also says which broken cue it was. The
  cue's text survives parsing; :func:`placeholder_index` recognises it afterwards, and
  the reader gives it the nearest readable cue's time and a warning naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..transcript import format_timestamp

__all__ = [
    "PLACEHOLDER_HOURS",
    "BadTiming",
    "RepairedTimings",
    "TimingRepair",
    "broken_cue_warning",
    "iter_lines",
    "placeholder_index",
    "repair_timings",
]

#: Placeholder times start this many hours in (about 1,100 years): never a real time,
#: and small enough to stay exact as float seconds.
PLACEHOLDER_HOURS = 10_000_000
#: Hours above this are not a readable time (a 20-digit hour, say).
_MAX_HOURS = 9_999

# A line shaped like cue timings: two clock-like tokens around "-->".
_SHAPED = re.compile(r"^\s*(?P<a>[0-9A-Za-z]*:[0-9A-Za-z:.,]*)\s*-->\s*(?P<b>[0-9A-Za-z]*:[0-9A-Za-z:.,]*)")
_HEAD = 200
_CLOCK = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:(?P<sep>[.,])(?P<ms>\d+))?$")


@dataclass(frozen=True)
class BadTiming:
    """A cue whose time couldn't be read."""

    cue: int  # 1-based, counting every timing line
    line: int  # 1-based line number in the text
    timing: str  # the timing line as written (shortened)


@dataclass
class RepairedTimings:
    text: str
    bad: list[BadTiming] = field(default_factory=list)
    #: Line numbers of readable timings rewritten into the library's form.
    rewritten: list[int] = field(default_factory=list)
    #: How many timing lines there were in all.
    cues: int = 0


@dataclass(frozen=True)
class _Clock:
    hours: int | None
    minutes: int
    seconds: int
    millis: int | None
    sep: str | None


def _clock(token: str) -> _Clock | None:
    m = _CLOCK.match(token)
    if not m:
        return None
    hours = None if m["h"] is None else int(m["h"]) if len(m["h"]) <= 6 else _MAX_HOURS + 1
    minutes, seconds = int(m["m"]), int(m["s"])
    if minutes > 59 or seconds > 59 or (hours is not None and hours > _MAX_HOURS):
        return None
    millis = None if m["ms"] is None else int(m["ms"][:3].ljust(3, "0"))
    return _Clock(hours, minutes, seconds, millis, m["sep"])


def _canonical(c: _Clock, sep: str) -> str:
    return f"{c.hours or 0:02d}:{c.minutes:02d}:{c.seconds:02d}{sep}{c.millis or 0:03d}"


class TimingRepair:
    """Rewrites timing lines as they stream past (see the module docstring), counting what it
    did: read :attr:`result` once the lines are consumed."""

    def __init__(self, *, sep: str, need_hours: bool) -> None:
        self.sep = sep
        self.need_hours = need_hours
        self.result = RepairedTimings(text="")

    def line(self, number: int, line: str) -> str:
        """The line to parse in place of line ``number`` (1-based) of the file."""
        # Timing lines are short: looking at the head bounds the regex work on long lines.
        m = _SHAPED.match(line[:_HEAD]) if "-->" in line[:_HEAD] else None
        if m is None:
            return line
        result, sep = self.result, self.sep
        rest = line[m.end("b") :]
        result.cues += 1
        a, b = _clock(m["a"]), _clock(m["b"])
        if a is None or b is None:
            hour = PLACEHOLDER_HOURS + len(result.bad)
            result.bad.append(BadTiming(result.cues, number, line.strip()[:80]))
            return f"{hour}:00:00{sep or ','}000 --> {hour}:00:00{sep or ','}000"
        ok = all(
            c.millis is not None and (not sep or c.sep == sep) and (c.hours is not None or not self.need_hours)
            for c in (a, b)
        )
        if ok:
            return line
        result.rewritten.append(number)
        target = sep or ","
        return f"{_canonical(a, target)} --> {_canonical(b, target)}{rest}"

    def lines(self, lines: Iterable[str], *, first: int = 1) -> Iterator[str]:
        """Each line of ``lines`` as the library should see it; ``first`` is the first
        line's number in the file."""
        for number, line in enumerate(lines, first):
            yield self.line(number, line)


def iter_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` (split on ``\\n``), one at a time: a big file's lines never
    exist as one list."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def repair_timings(text: str, *, sep: str, need_hours: bool) -> RepairedTimings:
    """Rewrite the cue timing lines of ``text`` (see the module docstring).

    Args:
        text: the decoded file.
        sep: the separator before the milliseconds the library wants (``.`` for WebVTT,
            ``,`` for SubRip; the ``srt`` library takes ``.`` too, so SubRip passes
            ``""`` to accept either).
        need_hours: the library wants ``hh:`` (SubRip does; WebVTT allows ``mm:ss.mmm``).
    """
    repair = TimingRepair(sep=sep, need_hours=need_hours)
    repaired = "\n".join(repair.lines(iter_lines(text)))
    repair.result.text = repaired
    return repair.result


def placeholder_index(start_seconds: float) -> int | None:
    """Which broken cue a parsed start time is the placeholder of, or ``None``."""
    hours = round(start_seconds / 3600)
    return hours - PLACEHOLDER_HOURS if hours >= PLACEHOLDER_HOURS else None


def broken_cue_warning(bad: BadTiming, *, time: float | None, previous: bool) -> str:
    """The warning for a cue read with an unreadable time, saying where its time came from."""
    if time is None:
        where = "it has no time"
    else:
        where = (
            f"its text is kept, timed at {format_timestamp(time)} from the "
            f"{'previous' if previous else 'next'} cue (an estimate)"
        )
    return f"An unreadable time {bad.timing!r} in cue {bad.cue} (line {bad.line}): {where}."
