"""Cleaning speech text: entities, markup, Markdown, whitespace."""

from __future__ import annotations

import html
import re

__all__ = ["clean_markdown", "clean_text", "strip_markup", "strip_turn_marker"]

# HTML/WebVTT tags (<b>, </i>, <c.colorE5E5E5>, <v Name>, <font color=red>) and WebVTT
# karaoke timestamps (<00:01.000>, <00:00:01.000>); but not "2<3,5>1" or "a < b".
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{1,3}>")
# SSA/ASS override blocks that some SRT files carry: {\an8}, {\i1}.
_ASS = re.compile(r"\{\\[^{}]*\}")
# Formatting tags that double-escaped exports reveal after unescaping ("&lt;i&gt;"); other
# "<word>" text that was escaped is literal ("&lt;you&gt;" is the text "<you>").
_KNOWN_TAG = re.compile(
    r"</?(?:b|i|u|s|c|v|em|strong|font|span|br|p|ruby|rt|lang|sub|sup)(?:[\s.][^<>]*)?/?>",
    re.IGNORECASE,
)
_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_TURN_MARKER = re.compile(r"^\s*(?:>>|&gt;&gt;)\s*")


def strip_markup(text: str) -> str:
    """Remove HTML/WebVTT tags (``<b>``, ``<c.color>``, ``<00:01.000>``) but not ``a < b``."""
    return _ASS.sub("", _TAG.sub("", text))


def clean_text(text: str) -> str:
    """Strip markup, unescape entities (twice: exports double-escape), fold whitespace.

    Lines are joined with single spaces: a transcript's line breaks are layout, not
    meaning.
    """
    text = strip_markup(text)
    if "&" in text:
        text = html.unescape(html.unescape(text))
        # "&lt;b&gt;" unescapes to a tag; strip the formatting tags it revealed.
        text = _KNOWN_TAG.sub("", text) if "<" in text else text
    text = _WS.sub(" ", text)
    return " ".join(line.strip() for line in text.split("\n") if line.strip())


def clean_markdown(text: str) -> str:
    """Markdown to plain speech text: links to their text, escapes and emphasis removed."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    return clean_text(text)


def strip_turn_marker(text: str) -> tuple[bool, str]:
    """Remove a leading ``>>`` (the broadcast-caption mark for a change of speaker).

    Returns:
        Whether there was a marker, and the text without it.
    """
    m = _TURN_MARKER.match(text)
    if not m:
        return False, text
    return True, text[m.end() :]
