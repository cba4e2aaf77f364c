"""The language of the interview, and a passage in another one.

A note to the assessor in another language or script than the rest of the interview is a
known disguise; so is a quote offered as evidence that is in one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..textnorm import fold, guess_language, unreadable
from .cues import LANGUAGES
from .patterns import ASSESSMENT_WORDS, SENTENCE

__all__ = ["base_language", "language_outlier", "language_switch"]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


def base_language(texts: Iterable[str]) -> str | None:
    """The language most sentences are in, if it is most of them."""
    counts: dict[str, int] = {}
    total = 0
    sample = list(texts)
    step = max(1, len(sample) // 120)  # about 120 turns tell the language of a long interview
    for text in sample[::step]:
        for s in _sentences(fold(text))[:4]:
            g = guess_language(s)
            if g:
                counts[g[0]] = counts.get(g[0], 0) + 1
                total += 1
    if not counts:
        return None
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    return lang if n >= 0.6 * total else None


# Words of the assessment that look alike across European languages (a Dutch or Swedish
# passage in an English interview that talks of instructions or criteria).
_COGNATES = re.compile(r"instru[ck]|criteri|kriteri|rubri[ck]|evalua|beoordel|kandida|candida|negeer|ignor|prompt")
_NON_LATIN = {"ja", "zh", "ko", "ru", "ar", "he", "hi", "el", "th"}
_CUES = {c.lang: c for c in LANGUAGES}


def _foreign(sentence: str, base: str) -> str | None:
    """The language of ``sentence`` when it is a substantial passage in another one."""
    g = guess_language(sentence)
    if not g or g[0] == base:
        return None
    lang, n = g
    if lang in _NON_LATIN and base not in _NON_LATIN:
        return lang if n >= 8 else None
    if lang in _NON_LATIN or base in _NON_LATIN:
        return None  # e.g. an English word in a Japanese interview: ordinary
    return lang if n >= 3 and len(sentence.split()) >= 6 else None


def language_switch(text: str, base: str | None) -> tuple[str, str] | None:
    if base is None:
        return None
    plain = fold(text)
    for s in _sentences(plain):
        lang = _foreign(s, base)
        if lang is None:
            continue
        low = s.lower()
        cues = _CUES.get(lang)
        if cues is None:
            if (lang in _NON_LATIN and len(s) >= 16) or _COGNATES.search(low):
                return lang, s
            continue
        strong = (
            cues.override.search(low)
            or cues.addressee.search(low)
            or cues.reader.search(low)
            or cues.selfref.search(low)
            or (cues.directive.search(low) and cues.outcome.search(low))
            or ASSESSMENT_WORDS.search(low)
        )
        if strong:
            return lang, s
    return None


@lru_cache(maxsize=8)  # a chunk's whole text: its quotes come together, keep few
def _interview_languages(interview: str) -> tuple[str | None, dict[str, int]]:
    """The base language of a chunk's text, and how many of its sentences are in each."""
    counts: dict[str, int] = {}
    for s in _sentences(fold(interview)):
        g = guess_language(s)
        if g:
            counts[g[0]] = counts.get(g[0], 0) + 1
    if not counts:
        return None, counts
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    return (lang if n >= 0.6 * sum(counts.values()) else None), counts


def language_outlier(quote: str, interview: str) -> bool:
    """Whether ``quote`` is in another language or script than nearly all of ``interview``."""
    plain = fold(quote)
    base, counts = _interview_languages(interview)
    if base == "en" and unreadable(plain):
        return True  # gibberish in an English interview: an encoding we could not read
    g = guess_language(plain)
    if g is None:
        return False
    if base is None or g[0] == base or _foreign(plain, base) is None:
        return False
    return counts.get(g[0], 0) <= 2
