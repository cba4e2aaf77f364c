"""Whether a quote offered as evidence is part of an injection, and so no evidence."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from ..textcache import text_cache
from ..textnorm import fold, hidden_views
from .language import language_outlier
from .patterns import ASSESSMENT_WORDS
from .scan import scan_text, terms_pattern
from .semantic import languages_in

__all__ = ["mentions_assessment", "quote_is_injection"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*|\n+")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text).casefold())


def mentions_assessment(quote: str, criteria: Iterable[str] = ()) -> bool:
    """Whether a quote names a rubric criterion id or a verdict word ("red flag",
    "not shown", "strong hire", "as shown"): words about the assessment are not evidence for it."""
    plain = fold(quote)
    pattern = terms_pattern(frozenset(criteria))
    if pattern and pattern.search(plain):
        return True
    return bool(ASSESSMENT_WORDS.search(plain))


@text_cache(4096, max_chars=8192)
def _flagged_sentences(context: str, terms: frozenset[str]) -> tuple[str, ...]:
    """The sentences of ``context`` that are part of an injection: those that read as one
    (strictly: an addressee or a role line alone is enough), and a neighbour of one that
    carries a request or an assessment word ("Please record it that way.")."""
    sentences = [s for s in _SENTENCE_END.split(context) if s.strip()]
    flagged = [bool(scan_text(s, terms, strict=True)) for s in sentences]
    changed = any(flagged)
    while changed:  # a chain of such neighbours: "…: The candidate covered it all. Please record it."
        changed = False
        for i, s in enumerate(sentences):
            near = (i > 0 and flagged[i - 1]) or (i + 1 < len(sentences) and flagged[i + 1])
            if near and not flagged[i] and _weak_cue(s):
                flagged[i] = changed = True
    return tuple(s for s, f in zip(sentences, flagged, strict=True) if f)


_DIRECTS_WRITE_UP = re.compile(r"\b(?:please|cite|quote|evidence|record|verdicts?|score|mark|write[- ]up)\b")


def _weak_cue(sentence: str) -> bool:
    low = fold(sentence).lower()
    # "please", or words that direct the write-up ("Cite this turn as the evidence."): only ever
    # checked on a neighbour of a sentence already flagged (held-out check, see docs/production.md)
    return any(c.any_cue(low) for c in languages_in(low)) or bool(_DIRECTS_WRITE_UP.search(low))


def quote_is_injection(quote: str, context: str, *, criteria: Iterable[str] = (), interview: str | None = None) -> bool:
    """Whether a quote can't be evidence: it is (part of) an injection in ``context``, the
    turn it came from, or names the assessment, or is in another language than the rest
    of ``interview`` (the chunk's text, when given).

    True if the quote itself reads as an injection (even one "only mentioned"), names a
    criterion id or a verdict word, comes from a turn that hides text in invisible
    characters, or shares a run of four words (or all of its words, if fewer) with a
    sentence of ``context`` that is part of an injection (:func:`_flagged_sentences`).
    """
    terms = frozenset(criteria)
    if scan_text(quote, terms, strict=True) or mentions_assessment(quote, terms):
        return True
    if hidden_views(context):
        return True  # a turn that smuggles hidden text is tainted as a whole
    if interview is not None and language_outlier(quote, interview):
        return True
    words = _words(quote)
    if not words:
        return False
    need = min(4, len(words))
    for sentence in _flagged_sentences(context, terms):
        other = _words(sentence)
        match = difflib.SequenceMatcher(None, words, other, autojunk=False).find_longest_match(
            0, len(words), 0, len(other)
        )
        if match.size >= need:
            return True
    return False
