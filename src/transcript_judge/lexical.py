"""The offline lexical baseline: cue phrases from the rubric, with negation handling.

It runs when no model is configured, and as a row in the evaluation harness. It is an
honest keyword matcher, not an LLM judgement, and every report that uses it says so.

Per chunk and criterion: a cue phrase in a candidate sentence, not negated within the
six words before it, makes the verdict "shown" with that sentence as the quote. For the
two "questions" criteria only the candidate's questions count; "asks only about
technology" needs technology questions and no question about data, evaluation or
constraints anywhere in the interview.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from .chunking import Chunk, ChunkLine
from .rubric import Criterion, Rubric
from .schema import Assessment, QuoteRef

__all__ = ["LexicalTagger"]

_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")
_NEGATION = re.compile(
    r"\b(?:never|not|no|don't|dont|didn't|wouldn't|won't|can't|cannot|isn't|aren't|avoid|"
    r"without|instead of|rather than|stopped|against|n't)\b",
    re.IGNORECASE,
)
_QUESTION_CRITERIA = {"probing_questions", "technology_only_questions"}
_CONFIDENCE = 0.5


@cache
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str] | None:
    if not cues:
        return None
    alternatives = sorted((re.escape(c) for c in cues), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


def _sentences(line: ChunkLine) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(line.text) if s.strip()]


_CLAUSE_BREAK = re.compile(r"[;:,—–]| but | and then ")


def _negated(sentence: str, start: int) -> bool:
    """A negation earlier in the same clause, within ten words of the cue."""
    clause = _CLAUSE_BREAK.split(sentence[:start])[-1]
    window = " ".join(clause.split()[-10:])
    return bool(_NEGATION.search(window))


def _hits(criterion: Criterion, lines: Sequence[ChunkLine], questions_only: bool) -> list[tuple[int, str]]:
    pattern = _cue_pattern(tuple(criterion.cues))
    if pattern is None:
        return []
    found: list[tuple[int, str]] = []
    for line in lines:
        for sentence in _sentences(line):
            if questions_only and not sentence.endswith("?"):
                continue
            for m in pattern.finditer(sentence):
                if not _negated(sentence, m.start()):
                    found.append((line.turn, sentence))
                    break
    return found


class LexicalTagger:
    """Judges a chunk with keyword cues. Deterministic; makes no calls."""

    def __init__(self, rubric: Rubric, *, interview_has_probing_questions: bool = False) -> None:
        self.rubric = rubric
        self.interview_has_probing_questions = interview_has_probing_questions

    @staticmethod
    def probing_anywhere(rubric: Rubric, chunks: Sequence[Chunk]) -> bool:
        try:
            probing = rubric.get("probing_questions")
        except KeyError:
            return False
        lines = [ln for ch in chunks for ln in ch.candidate_lines]
        return bool(_hits(probing, lines, questions_only=True))

    def judge(self, chunk: Chunk) -> dict[str, Assessment]:
        lines = [ln for ln in chunk.candidate_lines if not ln.overlap]
        out: dict[str, Assessment] = {}
        for c in self.rubric.criteria:
            questions_only = c.id in _QUESTION_CRITERIA
            hits = _hits(c, lines, questions_only)
            if c.id == "technology_only_questions" and self.interview_has_probing_questions:
                hits = []
            if hits:
                quotes = [QuoteRef(turn=t, text=s[:600]) for t, s in hits[:3]]
                out[c.id] = Assessment(
                    evidence=quotes,
                    reasoning=f"keyword cue found in {len(hits)} candidate sentence(s)",
                    verdict="shown",
                    confidence=_CONFIDENCE,
                )
            else:
                asked = any(s.endswith("?") for ln in lines for s in _sentences(ln))
                has_words = bool(lines) and (not questions_only or asked)
                out[c.id] = Assessment(
                    evidence=[],
                    reasoning="no keyword cue in the candidate's words"
                    if has_words
                    else "the candidate says nothing relevant in this part",
                    verdict="not_shown" if has_words else "insufficient_evidence",
                    confidence=_CONFIDENCE,
                )
        return out
