"""Undoing the disguises of untrusted text: invisible characters, look-alikes, encodings.

Three jobs, for three readers:

- :func:`strip_invisible` (:mod:`.invisible`) removes what no human sees but a model or a
  regex does: every Unicode format character (category Cf: zero-width, bidi controls, the
  U+E0000 tag block used for "ASCII smuggling"), variation selectors (which can carry
  bytes), and a few blank letters (Hangul fillers). It runs on the text the model sees as
  well as on the text scanned; :func:`invisible_report` says what was there, for a
  warning, and :func:`hidden_views` what was hidden in it.
- :func:`fold` (:mod:`.lookalikes`) is for scanning only: NFKD, diacritics dropped,
  look-alike letters and brackets (Cyrillic, Greek, small capitals, Cherokee, Armenian,
  Canadian syllabics, regional indicators; mathematical and fullwidth forms via NFKD) read
  as ASCII. Cyrillic and Greek letters are folded only in words that mix scripts, or in
  text that is mostly Latin, so that Russian stays Russian.
- :func:`decoded_views` (:mod:`.encodings`) is for scanning only: the same text read as
  base64, hex, percent- and HTML-escapes, leetspeak, letters spaced apart, a Caesar shift
  (ROT13 and the rest) or backwards, each kept only when it reads more like words than
  the original did.

And :func:`guess_language` (:mod:`.language`) tells the language of a short passage, for
the scan's "a passage in another language".

All are pure and cached; ASCII text takes fast paths.
"""

from __future__ import annotations

from .encodings import decoded_views, unreadable
from .invisible import decode_tags, hidden_views, invisible_report, is_invisible, strip_invisible
from .language import guess_language
from .lookalikes import fold

__all__ = [
    "decode_tags",
    "decoded_views",
    "fold",
    "guess_language",
    "hidden_views",
    "invisible_report",
    "is_invisible",
    "strip_invisible",
    "unreadable",
]
