"""Cleaning speech text: entities, markup, Markdown, whitespace; and names made safe to
display (:func:`safe_display`)."""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = [
    "BIDI_CONTROLS",
    "clean_markdown",
    "clean_text",
    "safe_display",
    "strip_bidi",
    "strip_markup",
    "strip_turn_marker",
]

#: Bidirectional formatting characters: embeddings, overrides, isolates and marks. Used to
#: make text display in an order other than the one it is stored in.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks), DCS/PM/APC
# strings, two-byte escapes, and the 8-bit CSI.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]"
)
# Invisible characters with no business in a displayed name (ZWJ stays: emoji use it).
_INVISIBLE = re.compile("[\u200b\u2060-\u2064\ufeff\u00ad]")

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


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional formatting characters."""
    return _BIDI.sub("", text)


def safe_display(text: object) -> str:
    """A name (file name, speaker label, model) made safe to print on one line.

    Terminal escape sequences, bidi controls and invisible characters are removed;
    newlines, tabs and other control characters become spaces; runs of whitespace fold
    to one. What is left is shown as written (emoji included). The one helper for every
    place that prints a name it didn't write itself: the Markdown and HTML report
    headings, ``transcript-judge history``, speaker labels.
    """
    value = _INVISIBLE.sub("", _BIDI.sub("", _ANSI.sub("", str(text))))
    value = "".join(" " if unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" else ch for ch in value)
    return " ".join(value.split())
