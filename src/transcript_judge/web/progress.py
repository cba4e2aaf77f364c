"""What the job page says while an analysis runs, in the reader's words.

An analysis reads the interview in *parts* (the planner's chunks). :class:`PartClock`
follows them through the pipeline's events (started, split, done) and the calls' trace
records, and :func:`describe` turns that into what a hiring manager can read::

    Reading part 1 of 2 (minutes 0–31)…   ·   Elapsed 1 min 12 s   ·   about 1 min left

The estimate is made from the parts read so far: their mean time, the parts still to
read and how many were read at once. Until one part is done there is nothing to make it
from, and it says "estimating…" rather than a made-up number. The bar is the same
estimate (time spent over time spent plus time left) and never goes back; before any
estimate it has no value (an indeterminate bar), not a bar stuck at 0.

Counts and times only: nothing here carries transcript text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..chunking import Chunk
from ..transcript import Turn

__all__ = ["PartClock", "PartSpan", "describe", "duration_words", "part_spans"]

#: A part served from the cache finishes at once; when the run had cache hits, parts
#: quicker than this don't count towards the estimate (they would make it far too low).
CACHED_PART_S = 1.0
#: What a part's status says on the page.
PART_WORDS = {"waiting": "waiting", "reading": "reading…", "read": "read", "failed": "couldn't be read"}
#: Below this, the estimate says "less than a minute".
UNDER_A_MINUTE_S = 45.0


@dataclass(frozen=True)
class PartSpan:
    """Where a part is in the interview: seconds from the start (None: no times)."""

    start_s: float | None
    end_s: float | None

    def minutes(self) -> str:
        """``minutes 0–31``, or "" when the source had no times."""
        if self.start_s is None or self.end_s is None:
            return ""
        first, last = int(self.start_s // 60), max(int(math.ceil(self.end_s / 60)), int(self.start_s // 60) + 1)
        return f"minutes {first}–{last}"


def _turn(turns: Sequence[Turn], index: int) -> Turn | None:
    if 0 <= index < len(turns) and turns[index].index == index:
        return turns[index]
    return next((t for t in turns if t.index == index), None)


def part_spans(chunks: Sequence[Chunk], turns: Sequence[Turn]) -> list[PartSpan]:
    """Each chunk's time range: its first own line's start to its last turn's end."""
    spans: list[PartSpan] = []
    for chunk in chunks:
        own = [ln for ln in chunk.lines if not ln.overlap] or list(chunk.lines)
        first, last = _turn(turns, own[0].turn), _turn(turns, own[-1].turn)
        start = own[0].start if own[0].start is not None else (first.start if first else None)
        end = None
        if last is not None:
            end = last.end if last.end is not None else last.start
        spans.append(PartSpan(start, end if end is not None else start))
    return spans


def duration_words(seconds: float) -> str:
    """``45 s``, ``3 min 05 s``, ``1 h 02 min`` (the page's script formats the same way)."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


@dataclass
class PartClock:
    """When each part started and ended, and how many were read at once."""

    spans: list[PartSpan] = field(default_factory=list)
    judging_since: float | None = None
    first_start: dict[int, float] = field(default_factory=dict)
    started: dict[int, int] = field(default_factory=dict)
    done: dict[int, int] = field(default_factory=dict)
    split: dict[int, int] = field(default_factory=dict)
    finished_at: dict[int, float] = field(default_factory=dict)
    failed: set[int] = field(default_factory=set)
    most_at_once: int = 0
    cache_hits: int = 0
    shown: float = 0.0  # the bar's value so far: it never goes back

    @property
    def total(self) -> int:
        return len(self.spans)

    def open_pieces(self, index: int) -> int:
        return self.started.get(index, 0) - self.done.get(index, 0) - self.split.get(index, 0)

    def reading(self) -> list[int]:
        return sorted(i for i in self.started if self.open_pieces(i) > 0)

    def on_started(self, index: int, now: float) -> None:
        if self.judging_since is None:
            self.judging_since = now
        self.first_start.setdefault(index, now)
        self.started[index] = self.started.get(index, 0) + 1
        self.most_at_once = max(self.most_at_once, len(self.reading()))

    def on_split(self, index: int) -> None:
        self.split[index] = self.split.get(index, 0) + 1

    def on_done(self, index: int, status: str, now: float) -> None:
        self.done[index] = self.done.get(index, 0) + 1
        if status != "ok":
            self.failed.add(index)
        if self.open_pieces(index) <= 0 and self.done[index] >= 1 + self.split.get(index, 0):
            self.finished_at[index] = now

    def mean_part_s(self) -> float | None:
        """The mean time a part took, from the parts read so far (None: none yet)."""
        took = [self.finished_at[i] - self.first_start[i] for i in self.finished_at if i in self.first_start]
        if self.cache_hits:
            took = [t for t in took if t >= CACHED_PART_S]
        return sum(took) / len(took) if took else None

    def left_s(self, now: float) -> float | None:
        """Seconds left, estimated from the parts so far; None until one is read."""
        mean = self.mean_part_s()
        if mean is None:
            return None
        reading = self.reading()
        waiting = self.total - len(self.finished_at) - len(reading)
        work = sum(max(mean - (now - self.first_start[i]), 0.0) for i in reading) + max(waiting, 0) * mean
        at_once = max(1, min(self.most_at_once, len(reading) + max(waiting, 0)))
        return work / at_once

    def bar(self, now: float) -> float | None:
        """The bar's value (0–1), or None while there is nothing to base it on."""
        left = self.left_s(now)
        floor = len(self.finished_at) / self.total if self.total else 0.0
        if left is None or self.judging_since is None:
            value = floor if self.finished_at else None
        else:
            spent = now - self.judging_since
            value = max(floor, min(0.99, spent / (spent + left) if spent + left > 0 else floor))
        if value is None:
            return None
        self.shown = max(self.shown, value)
        return round(self.shown, 3)


def _numbers(parts: Sequence[int]) -> str:
    shown = [str(i + 1) for i in parts]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _headline(clock: PartClock) -> str:
    reading = clock.reading()
    n = clock.total
    if reading:
        spans = [clock.spans[i] for i in reading if i < n]
        starts = [s.start_s for s in spans if s.start_s is not None]
        ends = [s.end_s for s in spans if s.end_s is not None]
        where = PartSpan(min(starts), max(ends)).minutes() if starts and ends else ""
        which = f"part{'s' if len(reading) > 1 else ''} {_numbers(reading)} of {n}"
        return f"Reading {which}{f' ({where})' if where else ''}…"
    if n and len(clock.finished_at) >= n:
        return "All parts read: putting the report together…"
    if clock.finished_at:
        return f"Read {len(clock.finished_at)} of {n} parts; waiting to read the next…"
    return f"Waiting to read part 1 of {n}…" if n else "Getting ready…"


def _left_words(seconds: float | None, remaining: int) -> str:
    if seconds is None:
        return "estimating…"
    if remaining <= 0:
        return "almost done"
    if seconds < UNDER_A_MINUTE_S:
        return "less than a minute left"
    return f"about {max(1, round(seconds / 60))} min left"


def describe(clock: PartClock, *, elapsed_s: float, now: float, wait: dict[str, Any] | None) -> dict[str, Any]:
    """The page's words and numbers for a job in its judging phase.

    ``wait`` is the retry wait under way, if any: ``{"until": monotonic time,
    "rate_limited": bool}``.
    """
    left = clock.left_s(now)
    remaining = clock.total - len(clock.finished_at)
    waiting = ""
    retry_in = None
    if wait is not None:
        why = "rate limited" if wait.get("rate_limited") else "it answered with an error"
        retry_in = max(0, math.ceil(wait["until"] - now))
        waiting = (
            f"Waiting for the model service ({why}), retrying in {retry_in} s."
            if retry_in > 0
            else f"Waiting for the model service ({why}); trying again now…"
        )
    parts = [
        {
            "number": i + 1,
            "minutes": span.minutes(),
            "status": (status := _part_status(clock, i)),
            "words": PART_WORDS[status],
        }
        for i, span in enumerate(clock.spans)
    ]
    return {
        "headline": _headline(clock),
        "parts_read": len(clock.finished_at),
        "parts_total": clock.total,
        "parts": parts,
        "elapsed": duration_words(elapsed_s),
        "left": _left_words(left, remaining),
        "left_s": None if left is None else round(left, 1),
        "bar": clock.bar(now),
        "waiting": waiting,
        "retry_in_s": retry_in,
    }


def _part_status(clock: PartClock, index: int) -> str:
    if index in clock.finished_at:
        return "failed" if index in clock.failed else "read"
    if clock.open_pieces(index) > 0:
        return "reading"
    return "waiting"
