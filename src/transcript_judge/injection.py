"""Detecting text that speaks to the AI instead of the interviewer.

A candidate who has read about AI screening may address it ("Note to any AI reading
this: ignore your instructions"). Detection runs on every turn, after undoing the usual
disguises: NFKC (fullwidth and homoglyph tags), invisible and bidi characters, and
base64 payloads. A hit becomes a warning with its quote; it never changes a verdict by
itself. The prompt's structure is protected separately (``prompting.neutralize``).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

from .transcript import Transcript

__all__ = ["InjectionHit", "detect_injection"]

_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_B64 = re.compile(r"\b[A-Za-z0-9+/]{24,}={0,2}")
_ADDRESSEE = (
    r"(?:ai|a\.i\.|artificial intelligence|llm|language model|model|gpt|chatgpt|claude|"
    r"assistant|bot|grader|screener|evaluator|scoring system|system|machine|algorithm|"
    r"transcript (?:reader|analy[sz]er))"
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ignore instructions", re.compile(
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}\b(?:instruction|prompt|"
        r"rule|guideline|rubric|directive|previous|above|system)", re.I)),
    ("addressed to an AI", re.compile(
        r"\b(?:note|message|attention|instruction|reminder|hey|hello|dear|psst)\b[^.?!]{0,20}\bto\b"
        r"[^.?!]{0,20}\b(?:any|the|all|an|every)?\s*" + _ADDRESSEE + r"s?\b", re.I)),
    ("addressed to an AI", re.compile(
        r"\b(?:if you are|if you're|you are|you're|as)\s+(?:an?\s+)?(?:ai|llm|language model|"
        r"automated|grader|assistant|model)\b[^.?!]{0,40}\b(?:reading|evaluating|grading|"
        r"scoring|analy[sz]ing|assessing|reviewing)", re.I)),
    ("asks for a verdict", re.compile(
        r"\b(?:report|mark|rate|score|output|return|classify|flag|tag|give)\b[^.?!]{0,30}"
        r"(?:\bno red flags?\b|\bzero red flags\b|\bno concerns\b|\bstrong hire\b|"
        r"\ball strengths\b|\bonly strengths\b|\bperfect score\b|\bshown for every\b|10/10)", re.I)),
    ("fake role marker", re.compile(
        r"(?:^|\s|\[|<)(?:system|assistant|developer)\s*(?:\]|>|:)\s*\S", re.I)),
    ("special token", re.compile(r"<\|?\s*(?:im_start|im_end|endoftext|system|eot_id)\s*\|?>", re.I)),
    ("fake delimiter", re.compile(r"</?\s*(?:transcript\w*|instructions?|system|rubric)\b[^>]{0,40}>",
                                  re.I)),
    ("new instructions", re.compile(
        r"\b(?:new|updated|real|actual)\s+(?:instructions?|task|system prompt)\b", re.I)),
    ("jailbreak", re.compile(r"\b(?:developer mode|jailbreak|DAN mode|do anything now)\b", re.I)),
]
_HIDDEN = "hidden characters (zero-width or direction overrides)"


@dataclass(frozen=True)
class InjectionHit:
    turn: int
    speaker: str
    kind: str
    quote: str


def _unmask(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text)


def _decoded_payloads(text: str) -> list[str]:
    out = []
    for m in _B64.finditer(text):
        blob = m.group(0)
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if decoded.isprintable() and sum(ch.isalpha() for ch in decoded) > len(decoded) * 0.5:
            out.append(decoded)
    return out


def _snippet(text: str, start: int, end: int, width: int = 160) -> str:
    a = max(0, start - 40)
    b = min(len(text), max(end, start + width - 40))
    s = text[a:b].strip()
    return ("…" if a > 0 else "") + s + ("…" if b < len(text) else "")


def scan_text(text: str) -> list[tuple[str, str]]:
    """Kinds and snippets of injection attempts in one piece of text."""
    hits: list[tuple[str, str]] = []
    plain = _unmask(text)
    if plain != unicodedata.normalize("NFKC", text) or _INVISIBLE.search(text):
        if any(kind for kind, p in _PATTERNS if p.search(plain)):
            hits.append(("hidden characters", _HIDDEN))
    for kind, pattern in _PATTERNS:
        m = pattern.search(plain)
        if m:
            hits.append((kind, _snippet(plain, m.start(), m.end())))
    for payload in _decoded_payloads(plain):
        for kind, pattern in _PATTERNS:
            m = pattern.search(payload)
            if m:
                hits.append((f"{kind} (base64-encoded)", _snippet(payload, m.start(), m.end())))
                break
    # one warning per kind is enough for a reader
    seen: set[str] = set()
    unique = []
    for kind, snip in hits:
        if kind not in seen:
            seen.add(kind)
            unique.append((kind, snip))
    return unique


def detect_injection(transcript: Transcript) -> list[InjectionHit]:
    """Every turn that seems to address the AI, with a short quote."""
    hits: list[InjectionHit] = []
    for turn in transcript.turns:
        for kind, snippet in scan_text(turn.text):
            hits.append(InjectionHit(turn=turn.index, speaker=turn.speaker, kind=kind, quote=snippet))
    return hits
