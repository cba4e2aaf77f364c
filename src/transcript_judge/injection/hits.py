"""What the scan reports: a hit's kind, and the short quote that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["InjectionHit", "Kinds", "snippet"]

#: (kind, snippet) pairs, one per kind: what :func:`.scan.scan_text` finds in a text.
Kinds = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class InjectionHit:
    turn: int
    speaker: str
    kind: str
    quote: str
    #: "injection": text aimed at the assessor; "hidden": invisible characters removed.
    category: Literal["injection", "hidden"] = "injection"


def snippet(text: str, start: int, end: int, width: int = 160) -> str:
    """About ``width`` characters of ``text`` around a match at ``start``: enough for a
    reader of the warning to see the attempt in its context, never a whole turn."""
    a = max(0, start - 40)
    b = min(len(text), max(end, start + width - 40))
    s = text[a:b].strip()
    return ("…" if a > 0 else "") + s + ("…" if b < len(text) else "")

