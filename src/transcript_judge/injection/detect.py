"""The scan of a whole transcript: every turn, and every speaker label."""

from __future__ import annotations

from collections.abc import Iterable

from ..textnorm import fold, invisible_report
from ..transcript import Transcript
from .hits import InjectionHit, snippet
from .language import base_language, language_switch
from .patterns import ROLE_LABEL
from .scan import scan_text

__all__ = ["detect_injection"]


def detect_injection(transcript: Transcript, criteria: Iterable[str] = ()) -> list[InjectionHit]:
    """Every turn that seems to address the assessor, with a short quote, and every turn
    whose invisible characters were removed (``category="hidden"``).

    ``criteria`` are the rubric's criterion ids (text naming one is suspect).
    """
    terms = frozenset(criteria)
    hits: list[InjectionHit] = []
    flagged_labels: set[str] = set()
    base = base_language(t.text for t in transcript.turns)
    for turn in transcript.turns:
        if ROLE_LABEL.match(fold(turn.speaker)) and turn.speaker not in flagged_labels:
            flagged_labels.add(turn.speaker)
            quote = snippet(fold(turn.text), 0, 0)
            hits.append(InjectionHit(turn.index, turn.speaker, f"fake role turn labelled {turn.speaker!r}", quote))
        found = scan_text(turn.text, terms)
        for kind, found_quote in found:
            hits.append(InjectionHit(turn=turn.index, speaker=turn.speaker, kind=kind, quote=found_quote))
        switch = language_switch(turn.text, base)
        if switch and not found:
            lang, sentence = switch
            kind = f"a passage in another language ({lang})"
            hits.append(InjectionHit(turn.index, turn.speaker, kind, snippet(sentence, 0, 0)))
        invisible = invisible_report(turn.text)
        if invisible:
            names = ", ".join(f"{n} {name}" for name, n in invisible)
            kind = f"invisible characters removed: {names}"
            hits.append(InjectionHit(turn.index, turn.speaker, kind, snippet(fold(turn.text), 0, 0), "hidden"))
    return hits
