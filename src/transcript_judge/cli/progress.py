"""What ``analyse`` prints while it runs (``--verbose``) and the one-line summary at the end.

Nothing here prints transcript text: events, trace records and SDK retry notices carry
counts, times and ids only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..analysis import Event, EventCallback
from ..pricing import estimate_cost
from ..report.model import Report
from ..trace import CallStats
from .common import err_console

__all__ = ["call_printer", "event_printer", "heartbeat", "show_sdk_retries", "summary_line"]

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


def show_sdk_retries() -> None:
    """Make retries visible as they happen (``--verbose``).

    The SDK says "Retrying request in N seconds (retry i of n)" at INFO on this logger, and
    logs nothing else above DEBUG there (its request details are DEBUG). Lowering the level
    lets exactly that line through; no filter, so no one else's view of the logger changes.
    """
    logger = logging.getLogger("openai._base_client")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)


async def heartbeat(stats: CallStats, every_s: float = HEARTBEAT_S) -> None:
    """Every ``every_s`` seconds while calls are in flight, say so: a slow run never
    looks stuck. Cancel it when the run ends."""
    while True:
        await asyncio.sleep(every_s)
        oldest = stats.oldest_in_flight()
        if oldest is not None:
            _say(f"  waiting on {len(stats.in_flight)} model call(s); the oldest for {oldest:.0f} s")


def summary_line(report: Report, stats: CallStats | None, wall_s: float) -> str:
    """calls, cache hits, retries, failures, tokens, cost and wall time, on one line."""
    failed = report.coverage.chunks_failed
    if stats is None:  # the keyword baseline makes no calls
        return f"summary: no model calls (keyword baseline), {failed} failed chunk(s), {wall_s:.1f} s"
    cost = estimate_cost(report.model, stats.sent) if report.tagger == "llm" else 0.0
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
