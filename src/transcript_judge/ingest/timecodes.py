"""Timestamps as transcripts write them, to seconds.

Exports disagree on the shape: ``hh:mm:ss.mmm`` (WebVTT), ``hh:mm:ss,mmm`` (SRT),
``mm:ss.mmm`` (Whisper before the first hour), ``m:ss`` and ``h:mm:ss`` (Otter),
``0:0:5.100`` (old Teams .docx). One parser takes them all.
"""

from __future__ import annotations

import re

__all__ = ["CLOCK", "parse_clock", "parse_clock_or_none", "seconds"]

#: A clock time with 2 or 3 fields and optional milliseconds, as a regex fragment.
CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"

_CLOCK_RE = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_clock(value: str) -> float:
    """``h:mm:ss.mmm``, ``mm:ss,mmm``, ``m:ss`` (and so on) to seconds.

    Raises:
        ValueError: ``value`` isn't a clock time.
    """
    m = _CLOCK_RE.match(value.strip())
    if not m:
        raise ValueError(f"not a timestamp: {value!r}")
    h, mnt, s, frac = m.groups()
    if int(s) >= 60 or (h is not None and int(mnt) >= 60):
        raise ValueError(f"not a timestamp: {value!r}")
    # "5.1" means 5.100 s (a fraction), not 5.001 s.
    ms = int(frac.ljust(3, "0")) if frac else 0
    return int(h or 0) * 3600 + int(mnt) * 60 + int(s) + ms / 1000


def parse_clock_or_none(value: str) -> float | None:
    """Like :func:`parse_clock`, but ``None`` instead of an error."""
    try:
        return parse_clock(value)
    except ValueError:
        return None


def seconds(value: object, *, scale: float = 1.0) -> float | None:
    """A JSON time (number or numeric string) to seconds, rounded to the millisecond.

    ``scale`` converts units (``0.001`` for milliseconds). Rounding removes float
    artefacts such as ``0.26999999999999996`` that some APIs emit.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return round(number * scale, 3)
