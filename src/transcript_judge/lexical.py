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
from .schema import QUOTE_MAX_CHARS, Assessment, QuoteRef

__all__ = ["LexicalTagger", "cue_pattern", "sentences_of"]

_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")
_SENTENCE_PUNCT = ".!?…"
_NEGATION = re.compile(
    r"\b(?:never|not|no|don't|dont|didn't|wouldn't|won't|can't|cannot|isn't|aren't|avoid|"
    r"without|instead of|rather than|stopped|against|n't)\b",
    re.IGNORECASE,
)
_QUESTION_CRITERIA = {"probing_questions", "technology_only_questions"}
_CONFIDENCE = 0.5


def _cue_regex(cue: str) -> str:
    """A cue as a regex: its words as written, where `` * `` stands for up to three words
    ("questions * for" matches "questions do you have for")."""
    return r"(?:\s+\S+){0,3}?\s+".join(re.escape(part.strip()) for part in cue.split(" * "))


@cache
def cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str] | None:
    """Any of ``cues`` as whole words, case-insensitive (None for no cues)."""
    if not cues:
        return None
    alternatives = sorted((_cue_regex(c) for c in cues), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


@cache
def _line_filter(cues: tuple[str, ...]) -> re.Pattern[str] | None:
    """A pattern that finds a cue in a line whenever one of its sentences has one (each
    sentence is a piece of the line, cut after sentence-ending punctuation), so a line
    without a match needn't be split into sentences at all. None when that doesn't hold:
    a cue ending in such punctuation could match in a sentence and not in its line."""
    if any(c.rstrip()[-1:] in _SENTENCE_PUNCT for c in cues):
        return None
    return cue_pattern(cues)


def sentences_of(text: str) -> list[str]:
    """The sentences of ``text``, each cut after its sentence-ending punctuation."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _sentences(line: ChunkLine) -> list[str]:
    return sentences_of(line.text)


class _Lines:
    """A chunk's candidate lines, each split into sentences once (not once per criterion)."""

    def __init__(self, lines: Sequence[ChunkLine]) -> None:
        self.lines = lines
        self._sentences: dict[int, list[str]] = {}

    def sentences(self, i: int) -> list[str]:
        found = self._sentences.get(i)
        if found is None:
            found = self._sentences[i] = _sentences(self.lines[i])
        return found

    def asked(self) -> bool:
        """Whether the candidate asks anything in these lines."""
        return any(s.endswith("?") for i, ln in enumerate(self.lines) if "?" in ln.text for s in self.sentences(i))


_CLAUSE_BREAK = re.compile(r"[;:,—–]| but | and then ")


def _negated(sentence: str, start: int) -> bool:
    """A negation earlier in the same clause, within ten words of the cue."""
    clause = _CLAUSE_BREAK.split(sentence[:start])[-1]
    window = " ".join(clause.split()[-10:])
    return bool(_NEGATION.search(window))


def _hits(
    criterion: Criterion, lines: _Lines, questions_only: bool, *, first_only: bool = False
) -> list[tuple[int, str]]:
    cues = tuple(criterion.cues)
    pattern = cue_pattern(cues)
    if pattern is None:
        return []
    prefilter = _line_filter(cues)
    found: list[tuple[int, str]] = []
    for i, line in enumerate(lines.lines):
        if prefilter is not None and not prefilter.search(line.text):
            continue
        for sentence in lines.sentences(i):
            if questions_only and not sentence.endswith("?"):
                continue
            for m in pattern.finditer(sentence):
                if not _negated(sentence, m.start()):
                    found.append((line.turn, sentence))
                    if first_only:
                        return found
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
        return any(_hits(probing, _Lines(ch.candidate_lines), questions_only=True, first_only=True) for ch in chunks)

    def judge(self, chunk: Chunk) -> dict[str, Assessment]:
        lines = _Lines([ln for ln in chunk.candidate_lines if not ln.overlap])
        asked: bool | None = None
        out: dict[str, Assessment] = {}
        for c in self.rubric.criteria:
            questions_only = c.id in _QUESTION_CRITERIA
            hits = _hits(c, lines, questions_only)
            if c.id == "technology_only_questions" and self.interview_has_probing_questions:
                hits = []
            if hits:
                quotes = [QuoteRef(turn=t, text=s[:QUOTE_MAX_CHARS]) for t, s in hits[:3]]
                out[c.id] = Assessment(
                    evidence=quotes,
                    reasoning=f"keyword cue found in {len(hits)} candidate sentence(s)",
                    verdict="shown",
                    confidence=_CONFIDENCE,
                )
            else:
                if questions_only and asked is None:
                    asked = lines.asked()
                has_words = bool(lines.lines) and (not questions_only or bool(asked))
                out[c.id] = Assessment(
                    evidence=[],
                    reasoning="no keyword cue in the candidate's words"
                    if has_words
                    else "the candidate says nothing relevant in this part",
                    verdict="not_shown" if has_words else "insufficient_evidence",
                    confidence=_CONFIDENCE,
                )
        return out
