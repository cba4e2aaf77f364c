"""Invisible characters: what no human sees but a model or a regex does.

Every Unicode format character (category Cf: zero-width, bidi controls, the U+E0000 tag
block used for "ASCII smuggling"), variation selectors (which can carry bytes), and a few
blank letters (Hangul fillers): removed, reported unless they do an ordinary job where
they stand (an emoji sequence, direction marks in Hebrew), and the text hidden in them
decoded.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..textcache import text_cache
from .encodings import wordy

__all__ = ["decode_tags", "hidden_views", "invisible_report", "is_invisible", "strip_invisible"]

_EXTRA_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0")


def _is_invisible(ch: str) -> bool:
    o = ord(ch)
    return (
        unicodedata.category(ch) == "Cf" or 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF or ch in _EXTRA_INVISIBLE
    )


@lru_cache(maxsize=4096)
def _invisible_char(ch: str) -> bool:
    return _is_invisible(ch)


def is_invisible(ch: str) -> bool:
    """Whether one character is invisible: a format character (Cf), a variation selector,
    or a blank letter such as a Hangul filler."""
    return _invisible_char(ch)


@text_cache()
def strip_invisible(text: str) -> str:
    """``text`` without invisible format characters (zero-width, bidi, tags, selectors)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if not _invisible_char(ch))


_RTL_SCRIPT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_JOINING_SCRIPT = re.compile("[\u0600-\u06ff\u0900-\u0dff\u0f00-\u0fff\u1000-\u109f]")


def _benign(text: str, i: int) -> bool:
    """Whether the invisible character at ``i`` does an ordinary job where it stands."""
    ch = text[i]
    o = ord(ch)
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""

    def pictographic(c: str) -> bool:
        return bool(c) and (unicodedata.category(c) in ("So", "Sk") or 0x1F000 <= ord(c) <= 0x1FAFF)

    if ch == "\ufeff" and i == 0:
        return True  # a byte-order mark
    if ch in "\ufe0e\ufe0f":
        return pictographic(prev) or prev.isdigit() or prev in "#*"  # emoji presentation
    if ch == "\u200d" and (pictographic(prev) or prev in "\ufe0f") and pictographic(nxt):
        return True  # an emoji ZWJ sequence
    if 0xE0020 <= o <= 0xE007F:  # subdivision flags: U+1F3F4 + tag letters + cancel tag
        j = i
        while j > 0 and 0xE0020 <= ord(text[j - 1]) <= 0xE007E:
            j -= 1
        return j > 0 and text[j - 1] == "\U0001f3f4" and i - j < 7
    if ch in "\u200e\u200f\u061c\u2066\u2067\u2068\u2069":
        return bool(_RTL_SCRIPT.search(text))  # direction marks in right-to-left text
    if ch in "\u200c\u200d":
        return bool(_JOINING_SCRIPT.search(text))  # (non-)joiners in Arabic, Persian, Indic
    return False


@text_cache()
def invisible_report(text: str) -> tuple[tuple[str, int], ...]:
    """Invisible characters in ``text`` that do no ordinary job, as (name, count) pairs."""
    if text.isascii():
        return ()
    counts: dict[str, int] = {}
    for i, ch in enumerate(text):
        if _invisible_char(ch) and not _benign(text, i):
            o = ord(ch)
            if 0xE0000 <= o <= 0xE007F:
                name = "Unicode tag characters"
            elif 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF:
                name = "variation selectors"
            else:
                name = f"{unicodedata.name(ch, 'format character').lower()} (U+{o:04X})"
            counts[name] = counts.get(name, 0) + 1
    return tuple(counts.items())


_TAG_RUN = re.compile("[\U000e0020-\U000e007e]{2,}")
_VS_RUN = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]{4,}")


def decode_tags(text: str) -> str:
    """The ASCII hidden in Unicode tag characters (U+E0020-E007E), runs joined by spaces."""
    if text.isascii():
        return ""
    return " ".join(
        "".join(chr(ord(c) - 0xE0000) for c in m.group(0))
        for m in _TAG_RUN.finditer(text)
        if not _flag_sequence(text, m.start(), m.end())
    )


def _flag_sequence(text: str, start: int, end: int) -> bool:
    """A subdivision flag emoji (🏴 + a few tag letters + cancel tag), not hidden text."""
    return start > 0 and text[start - 1] == "\U0001f3f4" and end - start <= 6 and text[end : end + 1] == "\U000e007f"


def _decode_selectors(text: str) -> str:
    """Bytes hidden in runs of variation selectors (0-15: U+FE00.., 16-255: U+E0100..)."""
    out = []
    for m in _VS_RUN.finditer(text):
        data = bytes(ord(c) - 0xFE00 if ord(c) <= 0xFE0F else ord(c) - 0xE0100 + 16 for c in m.group(0))
        decoded = data.decode("utf-8", errors="ignore")
        if wordy(decoded):
            out.append(decoded)
    return " ".join(out)


def hidden_views(raw: str) -> list[tuple[str, str]]:
    """Text hidden in invisible characters of ``raw`` (before stripping)."""
    out = []
    tags = decode_tags(raw)
    if tags.strip():
        out.append(("hidden in Unicode tag characters", tags))
    selectors = _decode_selectors(raw) if not raw.isascii() else ""
    if selectors:
        out.append(("hidden in variation selectors", selectors))
    return out
