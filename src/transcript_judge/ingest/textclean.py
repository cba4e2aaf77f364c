"""Cleaning cue text: entities, markup, whitespace."""

from __future__ import annotations

import html
import re

__all__ = ["clean_text", "strip_markup"]

_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{1,3}>")
_WS = re.compile(r"[ \t\u00a0]+")


def strip_markup(text: str) -> str:
    """Remove HTML/WebVTT tags (``<b>``, ``<c.color>``, ``<00:01.000>``) but not ``a < b``."""
    return _TAG.sub("", text)


def clean_text(text: str) -> str:
    """Strip markup, unescape entities (twice: exports double-escape), fold whitespace."""
    text = strip_markup(text)
    text = html.unescape(html.unescape(text)) if "&" in text else text
    text = _WS.sub(" ", text)
    return " ".join(line.strip() for line in text.split("\n") if line.strip())
