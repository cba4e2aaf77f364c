"""Progress events of a run, for ``--verbose``, the progress bar and the web page.

They carry counts and statuses, never transcript text (they may be logged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Event", "EventCallback", "EventKind"]

EventKind = Literal["planned", "chunk_started", "chunk_done", "rechunk", "done"]


@dataclass(frozen=True)
class Event:
    """One step of a run: planned, a chunk started or finished, a chunk split, done."""

    kind: EventKind
    total: int
    chunk: int | None = None
    status: str = ""
    detail: str = ""


EventCallback = Callable[[Event], None]
