"""Encodings: the other readings of a text (base64, hex, escapes, leetspeak, shifts...).

Each reading is kept only when it reads more like words than the original did, so that
ordinary text has none.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from urllib.parse import unquote_plus

from ..textcache import text_cache

__all__ = ["ASCII_WORDS", "decoded_views", "unreadable", "wordy"]

# Common English words: text with few of them may be encoded; a decoding with many reads.
_COMMON = frozenset(
    str.split(
        "the and you your to of all is are this that for no not be as it a an in on with me my we i was were "
        "about so by which at out because one back before come per really any can went from over what our us "
        "after if did when down do does have has had they them their there here just like would could should "
        "will then than more most some very also how why where who into up or but get got make made use used "
        "know think thing things time way well yeah okay um uh actually right said say see look lot much many "
        "other only same first last new good two three ten hundred thousand percent its t s d ll re ve m "
        "ignore previous instructions instruction mark rate score report every each strengths strength "
        "red flags flag candidate shown please rules rubric criteria assessor evaluator reviewer grader "
        "model system prompt output give list hire strong note now verdict"
    )
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_EN_FREQ = (8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.77, 4.0, 2.4, 6.7, 7.5, 1.9, 0.095, 6.0, 6.3, 9.1,
            2.8, 0.98, 2.4, 0.15, 2.0, 0.074)  # fmt: skip
# _SHIFT[k] moves every letter k places on (ROT13 is k=13).
_SHIFT = [
    str.maketrans(_LETTERS + _LETTERS.upper(), _LETTERS[k:] + _LETTERS[:k] + (_LETTERS[k:] + _LETTERS[:k]).upper())
    for k in range(26)
]
ASCII_WORDS = re.compile(r"[a-z]+")
_EDGE = "\"'“”‘’()[]{},.!?:;-"
_B64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{20,}={0,2}")
_HEX = re.compile(r"(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s:,-]?){10,}")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_ENTITY = re.compile(r"&#?[0-9a-zA-Z]{2,8};")
_UESC = re.compile(r"\\u[0-9a-fA-F]{4}")
_LEET_WORD = re.compile(r"(?<![\w@$])(?=[\w@$!|]*[A-Za-z])(?=[\w@$!|]*[0-9@$|])[\w@$!|]{3,}")
_LEET = str.maketrans("013456789@$!|+", "oieashtbgasilt")
_SPACED = re.compile(r"(?<!\w)(?:[A-Za-z][ .\-_*·]){3,}[A-Za-z](?!\w)")


def _unreadable_segments(text: str) -> list[str]:
    """Runs of four or more words none of which is a common English word: where a shifted
    or reversed text would be ("Vtaber nyy cerivbhf vafgehpgvbaf"). One cheap pass."""
    out: list[str] = []
    run: list[str] = []
    for token in text.split():
        word = token.strip(_EDGE).lower()
        if word.isascii() and word.replace("_", "").replace("-", "").isalpha() and word not in _COMMON:
            run.append(token)
            if token[-1] not in ".!?:;":
                continue
        if len(run) >= 4:
            out.append(" ".join(run))
        run = []
    if len(run) >= 4:
        out.append(" ".join(run))
    return out


def unreadable(text: str) -> bool:
    """Whether ``text`` is six or more ASCII words none of which is a common English word:
    not English prose (an encoding, or noise)."""
    words = _words(text)
    return text.isascii() and len(words) >= 6 and not any(w in _COMMON for w in words)


def _words(text: str) -> list[str]:
    return ASCII_WORDS.findall(text.lower())


def _common(text: str) -> int:
    return sum(1 for w in _words(text) if w in _COMMON)


def wordy(text: str) -> bool:
    """Whether decoded bytes look like prose (printable, mostly letters, some common words)."""
    if not text or not text.isprintable():
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= len(text) * 0.5 and letters >= 6


def _base64(text: str) -> list[str]:
    out = []
    for m in _B64.finditer(text):
        blob = m.group(0)
        if blob.isalpha() and (blob.islower() or blob.isupper()):
            continue  # a long plain word, not base64
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if wordy(decoded):
            out.append(decoded)
    return out


def _hex(text: str) -> list[str]:
    out = []
    for m in _HEX.finditer(text):
        digits = re.sub(r"0x|\\x|[\s:,-]", "", m.group(0))
        try:
            decoded = bytes.fromhex(digits[: len(digits) // 2 * 2]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        if wordy(decoded):
            out.append(decoded)
    return out


def _best_shift(text: str) -> int:
    """The Caesar shift that makes ``text``'s letters look most like English (0: as is)."""
    low = text.lower()
    counts = [low.count(c) for c in _LETTERS]
    n = sum(counts)
    if n < 12:
        return 0
    expected = [n * f / 100 for f in _EN_FREQ]
    scores = [sum((counts[(i + k) % 26] - e) ** 2 / e for i, e in enumerate(expected)) for k in range(26)]
    return min(range(26), key=scores.__getitem__)


def _caesar(segment: str) -> str | None:
    """The Caesar shift (ROT13 or any other) or reversal under which ``segment`` reads as
    English words, if it doesn't already."""
    words = _words(segment)
    if len(words) < 3:
        return None
    before = _common(segment)
    if before >= max(2, len(words) // 3):
        return None  # already reads as words
    best, best_score = None, max(3, 2 * before + 1)
    rot13 = segment.translate(_SHIFT[13])
    candidates = [rot13, segment[::-1], rot13[::-1]]
    k = _best_shift(segment)
    if k not in (0, 13):
        shifted = segment.translate(_SHIFT[(26 - k) % 26])
        candidates += [shifted, shifted[::-1]]
    for cand in candidates:
        score = _common(cand)
        if score >= best_score:
            best, best_score = cand, score
    return best


@text_cache()
def decoded_views(text: str) -> tuple[tuple[str, str], ...]:
    """Other readings of ``text`` (already folded): (how it was hidden, what it says)."""
    views: list[tuple[str, str]] = []
    for decoded in _base64(text):
        views.append(("base64-encoded", decoded))
    for decoded in _hex(text):
        views.append(("hex-encoded", decoded))
    if len(_PERCENT.findall(text)) >= 2 or ("+" in text and "?" in text and "=" in text):
        views.append(("URL-encoded", unquote_plus(text)))
    if _ENTITY.search(text):
        views.append(("HTML-escaped", html.unescape(text)))
    if _UESC.search(text):
        views.append(("escaped", _UESC.sub(lambda m: chr(int(m.group(0)[2:], 16)), text)))
    if _LEET_WORD.search(text):
        leet = _LEET_WORD.sub(lambda m: m.group(0).lower().translate(_LEET), text)
        if leet != text and _common(leet) > _common(text):
            views.append(("leetspeak", leet))
    if _SPACED.search(text):
        joined = _SPACED.sub(lambda m: re.sub(r"[ .\-_*·]", "", m.group(0)), text)
        views.append(("letters spaced apart", joined))
    if len(text) >= 12:
        shifted = [s for seg in _unreadable_segments(text) if (s := _caesar(seg))]
        if shifted:
            views.append(("letter-shifted or reversed (e.g. ROT13)", ". ".join(shifted)))
    return tuple(views)
