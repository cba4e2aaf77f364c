"""Hits from the multilingual cues (:mod:`.cues`) and the English intent scorer (:mod:`.intent`).

The fixed patterns catch known shapes; these catch an override, a note to the assessor
with a request nearby, or a request for an outcome about the candidate, in any of the
cue languages and in new phrasings.
"""

from __future__ import annotations

import re

from .cues import EN, LANGUAGES, Cues
from .hits import snippet
from .intent import english_intent
from .mention import is_mention, mentioned
from .patterns import SENTENCE

__all__ = ["languages_in", "semantic"]


def languages_in(low: str, words: set[str] | None = None) -> list[Cues]:
    """The cue sets worth trying on ``low``: by script, and, for Latin-script languages,
    when at least two of their common words that English doesn't have are there."""
    words = set(_ANY_WORD.findall(low)) if words is None else words
    out = [EN]
    if low.isascii() and not any(len(words & hints) >= 2 for hints in _LATIN_HINTS.values()):
        return out
    cjk = re.search("[\u3040-\u30ff\u4e00-\u9fff]", low)
    for cues in LANGUAGES[1:]:
        if cues.lang in ("zh", "ja"):
            if cjk:
                out.append(cues)
        elif cues.lang == "ru":
            if re.search("[\u0400-\u04ff]", low):
                out.append(cues)
        elif len(words & _LATIN_HINTS[cues.lang]) >= 2:
            out.append(cues)
    return out


_ANY_WORD = re.compile(r"\w+")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Common words of each language that English doesn't share (folded: no accents).
_LATIN_HINTS = {
    lang: _word_set(words)
    for lang, words in {
        "it": "il di che della del gli questo questa sono tutti tutte nel nella ho abbiamo chi ogni gia perche "
        "anche sempre molto valutatore candidato istruzioni punti forza ignora dimentica precedenti segna le",
        "es": "el los las que del esta este todos todas pero como hemos para quien cada muy tambien evaluador "
        "candidato instrucciones olvida anteriores marque reglas",
        "fr": "le les des est et que une pour pas dans avec ce cette nous vous qui aucun aucune tous evaluateur "
        "candidat consignes ignorez oubliez vos",
        "de": "der die das und ist nicht ein eine ich wir mit fur auf den dem alle keine bitte sie prufer kandidat "
        "anweisungen ignoriere vergiss",
        "pt": "os que nao um uma para com em do da dos das este esta todos voce quem avaliador candidato instrucoes "
        "esqueca anteriores regras",
    }.items()
}
_INTENT_KINDS = {
    "override": "overrides the assessment",
    "addressed to the assessor": "addressed to the assessor",
    "asks for a verdict": "asks for a verdict",
}
# Words one of which an English override or addressee needs: a cheap test before the regexes.
_EN_OVERRIDE_WORDS = _word_set("ignore disregard forget set skip throw discard")
_EN_ADDRESSEE_WORDS = _word_set(
    "assessor assessors evaluator evaluators grader graders reviewer reviewers marker markers examiner examiners "
    "rater raters scorer scorers screener screeners judge judges reader readers recruiter recruiters hiring ai "
    "llm llms model models bot bots assistant assistants scoring screening grading evaluation assessment "
    "transcript transcripts interview interviews recording recordings conversation conversations call calls "
    "session sessions tape tapes notes text exchange write writeup writeups scorecard scorecards feedback "
    "assessments evaluations"
)


def semantic(text: str, strict: bool = False) -> list[tuple[str, str]]:
    """Hits from the multilingual cues (see :mod:`.cues`)."""
    low = text.lower()
    words = set(_ANY_WORD.findall(low))
    spans: list[tuple[int, int]] = []
    hits: list[tuple[str, str]] = []
    for cues in languages_in(low, words):
        suffix = "" if cues.lang == "en" else f" ({cues.lang})"
        english = cues.lang == "en"
        if not english or words & _EN_OVERRIDE_WORDS:
            m = cues.override.search(low)
            if m and not is_mention(low, m.start()) and not mentioned(low, m.start()):
                hits.append(("ignore instructions" + suffix, snippet(text, m.start(), m.end())))
        if english:
            for kind, start, end in english_intent(low, words):
                mention = mentioned(low, start) or (kind == "override" and is_mention(low, start))
                if strict or not mention:
                    hits.append((_INTENT_KINDS[kind], snippet(text, start, end)))
            if not words & _EN_ADDRESSEE_WORDS:
                continue
        spans = spans or [(m.start(), m.end()) for m in SENTENCE.finditer(low)]
        for i, (a, b) in enumerate(spans):
            sentence = low[a:b]
            found = cues.addressee.search(sentence) or cues.reader.search(sentence)
            if found and (strict or not mentioned(sentence, found.start())):
                after = low[a + found.end() : spans[min(i + 2, len(spans) - 1)][1]]
                window = sentence[: found.start()] + " " + after
                cue = cues.directive.search(window) or cues.outcome.search(window) or cues.selfref.search(window)
                if strict or cue:
                    hits.append(("addressed to the assessor" + suffix, snippet(text, a + found.start(), b)))
                    break
        if english or not cues.selfref.search(low):
            continue
        for a, b in spans:
            sentence = low[a:b]
            d = cues.directive.search(sentence)
            if (
                d
                and cues.outcome.search(sentence)
                and cues.selfref.search(sentence)
                and (strict or not mentioned(sentence, d.start()))
            ):
                hits.append(("asks for a verdict" + suffix, snippet(text, a, b)))
                break
    return hits

