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
        first = int(self.start_s // 60)
        last = max(round(self.end_s / 60), first + 1)  # parts that meet share a minute: 0–10, 10–22
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
    """Which parts started, were split and ended, and what the model calls took.

    A part "starts" when the pipeline queues it, not when its call reaches the model (it
    may wait for a slot), so the time a part takes is measured by its calls: the mean
    time of a fresh (not cached) call, and how many calls a part needed, so far.
    """

    spans: list[PartSpan] = field(default_factory=list)
    judging_since: float | None = None
    started: dict[int, int] = field(default_factory=dict)
    done: dict[int, int] = field(default_factory=dict)
    split: dict[int, int] = field(default_factory=dict)
    finished: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)
    fresh_calls: int = 0
    fresh_s: float = 0.0  # the fresh calls' time at the model, added up
    at_once: int = 1  # the most calls seen at the model at once
    shown: float = 0.0  # the bar's value so far: it never goes back

    @property
    def total(self) -> int:
        return len(self.spans)

    def open_pieces(self, index: int) -> int:
        return self.started.get(index, 0) - self.done.get(index, 0) - self.split.get(index, 0)

    def open_parts(self) -> list[int]:
        """Parts queued or being read, in order (the pipeline sends them in order)."""
        return sorted(i for i in self.started if self.open_pieces(i) > 0 and i not in self.finished)

    def reading(self, calls_at_model: int) -> list[int]:
        """The parts being read now: the first open ones, as many as calls are at the model
        (at least one: between a part's calls it is still being read)."""
        open_ = self.open_parts()
        return open_[: max(1, min(len(open_), calls_at_model))] if open_ else []

    def on_started(self, index: int, now: float) -> None:
        if self.judging_since is None:
            self.judging_since = now
        self.started[index] = self.started.get(index, 0) + 1

    def on_split(self, index: int) -> None:
        self.split[index] = self.split.get(index, 0) + 1

    def on_done(self, index: int, status: str) -> None:
        self.done[index] = self.done.get(index, 0) + 1
        if status != "ok":
            self.failed.add(index)
        if self.open_pieces(index) <= 0 and self.done[index] >= 1 + self.split.get(index, 0):
            self.finished.add(index)

    def on_call(self, latency_s: float, *, cache_hit: bool, still_at_model: int) -> None:
        """A call came back (``still_at_model``: the calls still waiting for theirs)."""
        self.at_once = max(self.at_once, still_at_model + 1)
        if not cache_hit:
            self.fresh_calls += 1
            self.fresh_s += max(0.0, latency_s)

    def part_s(self) -> float | None:
        """A part's time at the model, from the calls so far (None: no part read yet, or
        no fresh call back yet: answers from the cache say nothing about the model)."""
        if not self.finished or not self.fresh_calls:
            return None
        per_call = self.fresh_s / self.fresh_calls
        return per_call * max(1.0, self.fresh_calls / len(self.finished))

    def left_s(self, now: float, at_model: Sequence[float] = ()) -> float | None:
        """Seconds left, estimated from the calls so far; None until a part is read.
        ``at_model``: when each call now at the model was sent (monotonic)."""
        part = self.part_s()
        if part is None:
            return None
        remaining = self.total - len(self.finished)
        per_call = self.fresh_s / self.fresh_calls
        under_way = sum(min(now - t, per_call) for t in at_model)
        work = max(0.0, remaining * part - under_way)
        return work / max(1, min(max(self.at_once, len(at_model)), remaining or 1))

    def bar(self, now: float, left: float | None) -> float | None:
        """The bar's value (0–1), or None while there is nothing to base it on."""
        floor = len(self.finished) / self.total if self.total else 0.0
        if left is None or self.judging_since is None:
            value = floor if self.finished else None
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


def _headline(clock: PartClock, reading: list[int]) -> str:
    n = clock.total
    if reading:
        spans = [clock.spans[i] for i in reading if i < n]
        starts = [s.start_s for s in spans if s.start_s is not None]
        ends = [s.end_s for s in spans if s.end_s is not None]
        where = PartSpan(min(starts), max(ends)).minutes() if starts and ends else ""
        which = f"part{'s' if len(reading) > 1 else ''} {_numbers(reading)} of {n}"
        return f"Reading {which}{f' ({where})' if where else ''}…"
    if n and len(clock.finished) >= n:
        return "All parts read: putting the report together…"
    if clock.finished:
        return f"Read {len(clock.finished)} of {n} parts; waiting to read the next…"
    return f"Waiting to read part 1 of {n}…" if n else "Getting ready…"


def _left_words(seconds: float | None, remaining: int) -> str:
    if seconds is None:
        return "estimating…"
    if remaining <= 0:
        return "almost done"
    if seconds < UNDER_A_MINUTE_S:
        return "less than a minute left"
    return f"about {max(1, round(seconds / 60))} min left"


def describe(
    clock: PartClock, *, elapsed_s: float, now: float, wait: dict[str, Any] | None, at_model: Sequence[float] = ()
) -> dict[str, Any]:
    """The page's words and numbers for a job in its judging phase.

    ``wait`` is the retry wait under way, if any: ``{"until": monotonic time,
    "rate_limited": bool}``; ``at_model``, when each call now at the model was sent.
    """
    left = clock.left_s(now, at_model)
    reading = clock.reading(len(at_model))
    waiting = why = ""
    retry_in = None
    if wait is not None:
        why = "rate limited" if wait.get("rate_limited") else "it answered with an error"
        retry_in = max(0, math.ceil(wait["until"] - now))
        waiting = (
            f"Waiting for the model service ({why}), retrying in {retry_in} s."
            if retry_in > 0
            else f"Waiting for the model service ({why}); trying again now…"
        )
    parts = []
    for i, span in enumerate(clock.spans):
        status = _part_status(clock, i, reading)
        parts.append({"number": i + 1, "minutes": span.minutes(), "status": status, "words": PART_WORDS[status]})
    return {
        "headline": _headline(clock, reading),
        "parts_read": len(clock.finished),
        "parts_total": clock.total,
        "parts": parts,
        "elapsed": duration_words(elapsed_s),
        "left": _left_words(left, clock.total - len(clock.finished)),
        "left_s": None if left is None else round(left, 1),
        "bar": clock.bar(now, left),
        "waiting": waiting,
        "wait_reason": why,  # "rate limited", "it answered with an error", or "" (no wait)
        "retry_in_s": retry_in,
    }


def _part_status(clock: PartClock, index: int, reading: list[int]) -> str:
    if index in clock.finished:
        return "failed" if index in clock.failed else "read"
    return "reading" if index in reading else "waiting"
