"""The scan of one piece of text: every reading of it, against every pattern and cue.

A text is folded (:func:`~transcript_judge.textnorm.fold`) and scanned, and so is every
other reading of it: text hidden in invisible characters, written right-to-left, or
encoded (:func:`~transcript_judge.textnorm.decoded_views`). Each kind of hit is reported
once, with its quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..textcache import text_cache
from ..textnorm import decoded_views, fold, hidden_views, invisible_report
from .cues import EN
from .hits import Kinds, snippet
from .mention import imperative, is_mention, mentioned
from .patterns import ASSESSMENT_WORDS, IGNORE, LINK, PATTERNS, ROLE_LINE
from .semantic import semantic

__all__ = ["scan_text", "terms_pattern"]

_RLO_SPAN = re.compile("[\u202e\u202b\u2067]([^\u202c\u2069]*)")

# Key phrases that, found with spaces ignored but not as words, were split apart by hidden
# characters that a reader turned into spaces ("ig nore your in struc tions").
_SPLIT_PHRASES = (
    "ignore your instructions", "ignore all previous instructions", "ignore previous instructions",
    "ignore all instructions", "disregard your instructions", "disregard previous instructions",
    "report no red flags", "no red flags", "strong hire", "note to any ai", "developer mode",
    "mark all strengths as shown", "every strength as shown", "ignore the rubric",
)  # fmt: skip
_HIDDEN = "hidden characters (zero-width or direction overrides)"


def _split_keywords(text: str) -> bool:
    """Whether a key phrase appears only once spaces are ignored: a keyword split apart."""
    words = re.findall(r"[a-z]+", text.casefold())
    spaced, compact = " ".join(words), "".join(words)
    return any(p.replace(" ", "") in compact and p not in spaced for p in _SPLIT_PHRASES)


def terms_pattern(terms: frozenset[str]) -> re.Pattern[str] | None:
    """A pattern for the criterion ids that look like ids (``systems_thinking``, written
    with ``_`` or ``-``), or None: a plain word as an id would match ordinary talk."""
    if terms not in _terms_cache:
        ids = sorted((t for t in terms if re.search(r"[_-]", t)), key=len, reverse=True)
        parts = [r"[_\-]".join(re.escape(p) for p in re.split(r"[_-]", t)) for t in ids]
        _terms_cache[terms] = (
            re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + r")(?![A-Za-z0-9])", re.I) if parts else None
        )
    return _terms_cache[terms]


_terms_cache: dict[frozenset[str], re.Pattern[str] | None] = {}
# Kinds whose words steer a verdict: as evidence (strict), even a mention of them is out.
_STEERING = ("asks for a verdict", "addressed to")
# Kinds of pattern that a candidate may legitimately talk about (quoted, "like ...").
_MENTIONABLE = (
    "addressed to", "asks for a verdict", "special token", "fake role marker", "fake delimiter", "hidden comment",
    "prompt-format marker", "new instructions",
)  # fmt: skip


def _structural(text: str, terms: frozenset[str], strict: bool) -> list[tuple[str, str]]:
    hits: list[tuple[str, str]] = []
    pattern = terms_pattern(terms) if terms else None
    m = pattern.search(text) if pattern else None
    if m:
        hits.append(("names a rubric criterion", snippet(text, m.start(), m.end())))
    for m in ROLE_LINE.finditer(text):
        rest = text[m.end() - 1 :].lower()
        cue = EN.outcome.search(rest) or EN.selfref.search(rest) or EN.override.search(rest) or ROLE_LINE.search(rest)
        if strict or (cue and not mentioned(text, m.start())):
            hits.append(("fake role marker", snippet(text, m.start(), m.end())))
            break
    for m in LINK.finditer(text):
        inner = (m.group(1) + " " + m.group(2)).lower()
        if (
            EN.override.search(inner)
            or EN.addressee.search(inner)
            or EN.reader.search(inner)
            or (EN.outcome.search(inner) and (EN.directive.search(inner) or EN.selfref.search(inner)))
            or ASSESSMENT_WORDS.search(inner)
            or semantic(m.group(1), strict)
        ):
            hits.append(("instruction in a link", snippet(text, m.start(), m.end())))
            break
    return hits


def _find(text: str, terms: frozenset[str], strict: bool = False) -> list[tuple[str, str]]:
    hits = []
    low = text.lower()
    for kind, pattern, needs_imperative, needles in PATTERNS:
        if not any(n in low for n in needles):
            continue
        exempt = kind.startswith(_MENTIONABLE) and not (strict and kind.startswith(_STEERING))
        for m in pattern.finditer(text):
            if needs_imperative and not imperative(text, m.start()):
                continue
            if exempt and mentioned(text, m.start()):
                continue
            hits.append((kind, snippet(text, m.start(), m.end())))
            break
    for m in IGNORE.finditer(text):
        if not is_mention(text, m.start()):
            hits.append(("ignore instructions", snippet(text, m.start(), m.end())))
            break
    if _split_keywords(text):
        hits.append(("keywords split by hidden characters", snippet(text, 0, 0)))
    hits += _structural(text, terms, strict)
    hits += semantic(text, strict)
    return hits


def scan_text(text: str, criteria: Iterable[str] = (), *, strict: bool = False) -> list[tuple[str, str]]:
    """Kinds and snippets of injection attempts in one piece of text (one per kind).

    ``criteria`` are the rubric's criterion ids: text that names one is suspect.
    ``strict`` (for quotes offered as evidence) ignores the "only mentioned" exemption
    for words that steer a verdict: quoting an attack is no evidence either.
    """
    return list(_scan_cached(text, frozenset(criteria), strict))


@text_cache()
def _scan_cached(text: str, terms: frozenset[str], strict: bool) -> Kinds:
    return tuple(_scan(text, terms, strict))


def _scan(text: str, terms: frozenset[str], strict: bool) -> list[tuple[str, str]]:
    plain = fold(text)
    hits = _find(plain, terms, strict)
    for how, hidden in hidden_views(text):
        hits.append((f"text {how}", snippet(hidden, 0, 0)))
        hits += [(f"{kind} ({how})", snip) for kind, snip in _find(fold(hidden), terms, strict)]
    for m in _RLO_SPAN.finditer(text):
        if m.group(1).strip():
            view = fold(m.group(1)[::-1])
            hits += [(f"{kind} (written right-to-left)", snip) for kind, snip in _find(view, terms, strict)]
    for how, view in decoded_views(plain):
        hits += [(f"{kind} ({how})", snip) for kind, snip in _find(fold(view), terms, strict)]
    if hits and invisible_report(text):
        hits.insert(0, ("hidden characters", _HIDDEN))
    unique: dict[str, str] = {}
    for kind, snip in hits:
        unique.setdefault(kind, snip)
    return list(unique.items())
