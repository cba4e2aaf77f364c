"""Step 7: every quote must be in the candidate's own words, in the chunk that was sent.

The check normalises whitespace, case, punctuation, curly quotes and invisible characters
(which the prompt never shows: :func:`.textnorm.strip_invisible`), and tolerates small
transcription differences (fuzzy partial match, >= 90/100, for quotes of 4+ words). A quote
that the interviewer said, or that is not in the chunk, is rejected. The reported text is
always the transcript's own words, never the model's rendition. The check fails closed:
anything unexpected rejects the quote.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from .chunking import ChunkLine
from .textcache import text_cache
from .textnorm import is_invisible

__all__ = ["GroundedQuote", "RejectedQuote", "ground_quote", "normalize_text", "normalize_with_map"]

log = logging.getLogger(__name__)

FUZZY_THRESHOLD = 90.0
MIN_WORDS = 3
_QUOTE_MAP = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "‹": "<",
        "›": ">",
        "–": "-",
        "—": "-",
    }
)

RejectReason = Literal["not_found", "interviewer", "too_short", "error"]


@dataclass(frozen=True)
class GroundedQuote:
    turn: int
    text: str  # verbatim from the transcript
    speaker: str
    start: float | None
    match: Literal["exact", "fuzzy"]
    score: float


@dataclass(frozen=True)
class RejectedQuote:
    turn: int
    text: str  # what the model claimed
    reason: RejectReason


def _normalize_slow(text: str) -> tuple[str, tuple[int, ...]]:
    out: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch.translate(_QUOTE_MAP)).lower():
            if c == "'" or is_invisible(c):
                # "don't" == "dont": ASR and models disagree on apostrophes. Invisible
                # characters join, not split: the prompt showed "Ig\u200bnore" as "Ignore".
                continue
            if c.isalnum() or unicodedata.category(c).startswith("M"):
                if pending_space and out:
                    out.append(" ")
                    index.append(i)
                pending_space = False
                out.append(c)
                index.append(i)
            else:
                pending_space = True
    return "".join(out), tuple(index)


_ASCII_WORD = re.compile(r"[a-z0-9]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")


@lru_cache(maxsize=256)  # an entry costs ~40 bytes a character (the index map): keep few
def normalize_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Lower-case, punctuation-free, single-spaced text, and for each of its characters
    the index of the original character it came from.

    ASCII text takes a regex fast path with identical output (an evaluation normalises the
    same lines thousands of times); anything else goes character by character through NFKC.
    """
    if not text.isascii():
        return _normalize_slow(text)
    out: list[str] = []
    index: list[int] = []
    prev = 0
    for m in _ASCII_RUN.finditer(text):
        a, b = m.span()
        if out and text[prev:a].strip("'"):
            out.append(" ")
            index.append(a)
        out.append(text[a:b].lower())
        index.extend(range(a, b))
        prev = b
    return "".join(out), tuple(index)


@text_cache()
def normalize_text(text: str) -> str:
    """The text half of :func:`normalize_with_map`, without building the index map."""
    if not text.isascii():
        return _normalize_slow(text)[0]
    return " ".join(_ASCII_WORD.findall(text.replace("'", "").lower()))


_normalize = normalize_text


def _span(line: ChunkLine, start: int, end: int) -> str:
    """The original words of ``line`` behind normalised positions [start, end)."""
    norm, index = normalize_with_map(line.text)
    if not norm or start >= len(index):
        return line.text
    a, b = index[start], index[max(start, min(end, len(index)) - 1)] + 1
    # widen to word boundaries
    while a > 0 and line.text[a - 1].isalnum():
        a -= 1
    while b < len(line.text) and line.text[b].isalnum():
        b += 1
    return line.text[a:b].strip()


def _find(quote_norm: str, line: ChunkLine) -> tuple[float, int, int] | None:
    line_norm = _normalize(line.text)
    pos = line_norm.find(quote_norm)
    if pos >= 0:
        return 100.0, pos, pos + len(quote_norm)
    if len(quote_norm.split()) < 4 or len(line_norm) < len(quote_norm) * 0.8:
        return None
    align = fuzz.partial_ratio_alignment(quote_norm, line_norm, score_cutoff=FUZZY_THRESHOLD)
    if align is None:
        return None
    return align.score, align.dest_start, align.dest_end


def ground_quote(turn: int, text: str, lines: Sequence[ChunkLine]) -> GroundedQuote | RejectedQuote:
    """Check one quote against the chunk's lines. Never raises."""
    try:
        quote_norm = _normalize(text)
        if len(quote_norm.split()) < MIN_WORDS:
            return RejectedQuote(turn, text, "too_short")
        candidate = [ln for ln in lines if ln.role == "candidate"]
        # the turn the model named first, then any other candidate line in the chunk
        ordered = sorted(candidate, key=lambda ln: ln.turn != turn)
        best: tuple[float, ChunkLine, int, int] | None = None
        for line in ordered:
            found = _find(quote_norm, line)
            if found and (best is None or found[0] > best[0]):
                best = (found[0], line, found[1], found[2])
                if found[0] == 100.0:
                    break
        if best is not None:
            score, line, a, b = best
            return GroundedQuote(
                turn=line.turn,
                text=_span(line, a, b),
                speaker=line.speaker,
                start=line.start,
                match="exact" if score == 100.0 else "fuzzy",
                score=round(score, 1),
            )
        others = [ln for ln in lines if ln.role != "candidate"]
        if any(_find(quote_norm, ln) for ln in others):
            return RejectedQuote(turn, text, "interviewer")
        return RejectedQuote(turn, text, "not_found")
    except Exception:  # fail closed
        log.exception("grounding failed; rejecting the quote")
        return RejectedQuote(turn, text, "error")
