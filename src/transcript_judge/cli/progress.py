"""What ``analyse`` prints while it runs (``--verbose``), the one-line summary at the end,
and the progress bar of the long commands.

Nothing here prints transcript text: events, trace records and SDK retry notices carry
counts, times and ids only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..events import Event, EventCallback
from ..pricing import NO_OVERRIDES, PriceOverrides, estimate_cost
from ..report.model import Report
from ..trace import CallStats
from .common import err_console

__all__ = [
    "StreamTally",
    "call_printer",
    "event_printer",
    "heartbeat",
    "progress_bar",
    "show_retries",
    "summary_line",
]

HEARTBEAT_S = 15.0


def _say(text: str) -> None:
    err_console.print(text, highlight=False, markup=False)


def event_printer(verbose: bool) -> EventCallback:
    """Progress per chunk, for ``--verbose``."""

    def on_event(event: Event) -> None:
        if not verbose:
            return
        if event.kind == "planned":
            _say(f"planned {event.total} chunk(s)")
        elif event.kind == "chunk_started":
            _say(f"chunk {event.chunk}: sending")
        elif event.kind == "chunk_done":
            extra = f" ({event.detail})" if event.detail else ""
            _say(f"chunk {event.chunk}: {event.status}{extra}")
        elif event.kind == "rechunk":
            _say(f"chunk {event.chunk}: {event.status}; {event.detail}")

    return on_event


def call_printer() -> Callable[[dict[str, Any]], None]:
    """One line per model call, from its trace record, for ``--verbose``."""

    def on_call(record: dict[str, Any]) -> None:
        if record.get("cache_hit"):
            _say("  call: answered from the cache")
            return
        retries = record.get("retries") or 0
        extra = f", {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
        rid = f", request {record['request_id']}" if record.get("request_id") else ""
        _say(f"  call: {record['outcome']} in {record['latency_s']:.1f} s{extra}{rid}")

    return on_call


def show_retries() -> None:
    """Make retries visible as they happen (``--verbose``): the retry policy logs each one,
    with its reason and wait, at INFO on its own logger (never transcript text)."""
    for name in ("transcript_judge.llm.retry", "transcript_judge.limiter"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)


class StreamTally:
    """Tokens received so far by each streaming call (``llm.base.stream_progress``)."""

    def __init__(self) -> None:
        self.pieces: dict[int, int] = {}

    def __call__(self, received: int) -> None:
        task = asyncio.current_task()
        self.pieces[id(task)] = received

    @property
    def total(self) -> int:
        return sum(self.pieces.values())


async def heartbeat(stats: CallStats, every_s: float = HEARTBEAT_S, tally: StreamTally | None = None) -> None:
    """Every ``every_s`` seconds while calls are in flight, say so, with the answer tokens
    streamed so far: a slow local model never looks stuck. Cancel it when the run ends."""
    while True:
        await asyncio.sleep(every_s)
        oldest = stats.oldest_in_flight()
        if oldest is not None:
            got = f"; {tally.total} answer token(s) received so far" if tally is not None and tally.total else ""
            _say(f"  waiting on {len(stats.in_flight)} model call(s); the oldest for {oldest:.0f} s{got}")


def summary_line(
    report: Report, stats: CallStats | None, wall_s: float, *, pricing: PriceOverrides = NO_OVERRIDES
) -> str:
    """calls, cache hits, retries, failures, tokens, cost and wall time, on one line."""
    failed = report.coverage.chunks_failed
    if stats is None:  # the keyword baseline makes no calls
        return f"summary: no model calls (keyword baseline), {failed} failed chunk(s), {wall_s:.1f} s"
    cost = estimate_cost(report.model, stats.sent, overrides=pricing) if report.tagger == "llm" else 0.0
    saved = stats.saved.prompt_tokens + stats.saved.completion_tokens
    parts = [
        f"{stats.calls} call(s)",
        f"{stats.cache_hits} from cache",
        f"{stats.retries} retr{'y' if stats.retries == 1 else 'ies'}",
        f"{failed} failed chunk(s)",
        f"{stats.sent.prompt_tokens}+{stats.sent.completion_tokens} tokens sent"
        + (f" ({saved} saved by the cache)" if saved else ""),
        "cost unknown" if cost is None else f"${cost:.4f}",
        f"{wall_s:.1f} s",
    ]
    return "summary: " + ", ".join(parts)


def progress_bar(label: str, *, disable: bool) -> Progress:
    """The progress bar of a long command (``eval``, ``analyse --batch``): on stderr, gone
    when done, off when stderr isn't a terminal."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        transient=True,
        disable=disable or not err_console.is_terminal,
    )
