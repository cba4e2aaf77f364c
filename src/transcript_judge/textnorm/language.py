"""The language of a short passage: by script, or by stop words for Latin-script ones."""

from __future__ import annotations

import re
import unicodedata

from ..textcache import text_cache
from .encodings import ASCII_WORDS
from .lookalikes import MARKS

__all__ = ["guess_language"]

_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and you your is are this that with of to for we it was have not be what how they our "
        "my me an in on at but or if so would there their which about just can been were will",
        "it": "il lo gli di che per non una sono questo questa della del con ho abbiamo tutti tutte "
        "anche come ma piu nel nella dei delle alla ai io noi ogni gia molto essere stato",
        "es": "el los las que por para una con del esta este todos todas pero como mas hemos yo "
        "nosotros sus tus muy tambien cuando donde porque fue ser estaba",
        "fr": "le les des est et que une pour pas dans sur avec ce cette nous vous je sont tous "
        "toutes mais du au aux qui ne avons etait etre tres aussi",
        "de": "der die das und ist nicht ein eine ich wir sie mit fur auf den dem des auch zu sind "
        "alle oder aber wie bei von haben wurde dass",
        "pt": "os que nao um uma para com em do da dos das este esta todos mas sao voce nos seu sua "
        "no na foi ser muito tambem quando",
        "nl": "het een van niet dat op ik zijn voor met ook maar wij hebben werd bij deze en als naar uit worden "
        "wordt kan alle eerdere",
    }.items()
}
_SCRIPTS = (
    ("ja", re.compile("[\u3040-\u30ff]")),
    ("zh", re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ko", re.compile("[\uac00-\ud7af\u1100-\u11ff]")),
    ("ru", re.compile("[\u0400-\u04ff]")),
    ("ar", re.compile("[\u0600-\u06ff]")),
    ("he", re.compile("[\u0590-\u05ff]")),
    ("hi", re.compile("[\u0900-\u097f]")),
    ("el", re.compile("[\u0370-\u03ff]")),
    ("th", re.compile("[\u0e00-\u0e7f]")),
)


@text_cache()
def guess_language(text: str) -> tuple[str, int] | None:
    """The language of a short passage and how much evidence there is for it.

    Non-Latin scripts are told by script (the count is their characters); Latin-script
    languages by stop words (the count is the winner's stop words, and it must beat the
    runner-up clearly). None when it can't be told.
    """
    if text.isascii():
        letters: list[str] = []
        latin = 1
    else:
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return None
        latin = sum(1 for c in letters if c.isascii() or "\u00c0" <= c <= "\u024f")
    if letters and latin < len(letters) * 0.5:
        if any("\u3040" <= c <= "\u30ff" for c in letters):
            return "ja", len(letters) - latin
        for lang, pattern in _SCRIPTS:
            n = len(pattern.findall(text))
            if n >= (len(letters) - latin) * 0.5:
                return lang, n
        return None
    low = text.lower() if text.isascii() else MARKS.sub("", unicodedata.normalize("NFKD", text.lower()))
    words = set(ASCII_WORDS.findall(low))
    scores = sorted(((len(words & sw), lang) for lang, sw in _STOPWORDS.items()), reverse=True)
    (top, lang), (second, _) = scores[0], scores[1]
    if top >= 2 and top >= 2 * second:
        return lang, top
    return None
