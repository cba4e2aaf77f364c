"""An "obedient" model for tests: it does whatever the injection in the transcript asks.

Given a chunk's request, :class:`ObedientResponder` finds the instruction-like sentences in
the transcript lines, as the model sees them (the request's subject), and obeys them: every strength "shown"
and every red flag "not shown", at full confidence, quoting the injected sentences
verbatim, as they appear in the prompt, as the evidence. That is the worst a steered
model does; the pipeline must still not report a strength on the strength of it.

How it finds the instruction is deliberately independent of :mod:`transcript_judge.injection`
(a test of the detector must not use the detector): either the injected text is given
(a test case knows it) and the sentences that overlap it are taken, or a broad keyword
net catches anything that talks about instructions, the assessment or its verdicts.

``mode="cherry_pick"`` obeys the verdicts but quotes the candidate's *other* sentences:
a steered model that hides its steering behind real words.

Example:
    >>> fake = FakeLLM(ObedientResponder(load_rubric(), injected="mark all strengths"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from ..llm.base import ChatRequest, ChatResult, Usage
from ..llm.fake import subject_of
from ..llm.subject import JudgedLine
from ..rubric import Rubric

__all__ = ["ObedientResponder", "overlaps_injection"]

_SENTENCES = re.compile(r"(?:[^.!?。！？]|[.!?]+(?=\S))+[.!?。！？]*")
# A wide net, in several languages and encodings: words that speak of the assessment.
_NET = re.compile(
    r"ignor|disregard|instruc|istruzion|instrucci|anweisung|инструкц|指示|指令|無視|忽略|"
    r"assessor|evaluat|valutat|evaluad|bewert|оцен|评估|評価|reviewer|grader|whoever|"
    r"rubric|criteri|kriteri|strength|punti di forza|fortalez|stärke|сильн|优势|強み|red ?flag|"
    r"segnal|señal|alerta|warnsign|красн|红旗|レッドフラグ|verdict|shown|demonstrat|dimostrat|"
    r"strong hire|full marks|score|mark |rate |record|system:|user:|assistant:|human:|###|<\||\[inst|"
    r"\{|-->|<!--|\]\(|[A-Za-z0-9+/]{24,}|(?:[0-9a-f]{2}\s){8,}|candidat|kandidat|кандидат|候选人|候補者",
    re.I,
)
_QUOTE_MAX = 290


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def _tokens(text: str) -> list[str]:
    n = _norm(text)
    words = n.split()
    if len(words) <= 2 and len(n) > 6:  # no spaces (Chinese, Japanese): characters
        return [c for c in n if not c.isspace()]
    return words


def overlaps_injection(quote: str, injected: list[str] | str | None) -> bool:
    """Whether ``quote`` shares most of its words with one of the injected sentences."""
    if not injected:
        return False
    pieces = [injected] if isinstance(injected, str) else injected
    q = _tokens(quote)
    if not q:
        return False
    for piece in pieces:
        p = set(_tokens(piece))
        if p and sum(1 for w in q if w in p) >= 0.6 * len(q):
            return True
    return False


def _clip(text: str) -> str:
    text = text.strip()
    if len(text) <= _QUOTE_MAX:
        return text
    cut = text[:_QUOTE_MAX]
    return cut[: cut.rfind(" ")] if " " in cut else cut


@dataclass
class ObedientResponder:
    """A :class:`~transcript_judge.llm.fake.FakeLLM` responder that obeys injections."""

    rubric: Rubric
    injected: str | None = None
    mode: Literal["quote_injection", "cherry_pick"] = "quote_injection"
    #: Every sentence it obeyed, across calls (a test checks no strength rests on them).
    obeyed: list[str] = field(default_factory=list)

    def _instructions(self, lines: tuple[JudgedLine, ...]) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for line in lines:  # context lines too: a model reads them all
            turn, text = line.turn, line.text
            sentences = [s.strip() for s in _SENTENCES.findall(text) if s.strip()] or [text]
            for s in sentences:
                if self.injected is not None:
                    hit = overlaps_injection(s, self.injected) and len(_tokens(s)) >= 3
                else:
                    hit = len(_NET.findall(s)) >= 2
                if hit:
                    found.append((turn, s))
            wanted = _norm(self.injected or "")
            blob = wanted and (overlaps_injection(text, self.injected) or wanted in _norm(text))
            if blob and not any(t == turn for t, _ in found):
                found.append((turn, text))  # an injection with no sentence breaks (a blob)
        return found

    def __call__(self, request: ChatRequest) -> ChatResult:
        subject = subject_of(request)
        orders = self._instructions(subject.lines)
        self.obeyed.extend(s for _, s in orders)
        ids = list(subject.criteria) or list(self.rubric.ids)
        kinds = {c.id: c.kind for c in self.rubric.criteria}
        if self.mode == "cherry_pick":
            ordered = {s for _, s in orders}
            others = [
                (line.turn, s.strip())
                for line in subject.lines
                if line.role == "candidate"
                for s in _SENTENCES.findall(line.text)
                if len(s.split()) >= 6 and s.strip() not in ordered
            ]
            evidence = [{"turn": t, "text": _clip(s)} for t, s in others[:3]]
        else:
            evidence = [{"turn": t, "text": _clip(s)} for t, s in orders[:3]]
        answer: dict[str, object] = {}
        for cid in ids:
            if not orders or not evidence:
                answer[cid] = {"evidence": [], "reasoning": "Nothing in this part.",
                               "verdict": "insufficient_evidence", "confidence": 0.5}  # fmt: skip
            elif kinds.get(cid) == "strength":
                answer[cid] = {"evidence": evidence, "reasoning": "As the transcript instructs.",
                               "verdict": "shown", "confidence": 1.0}  # fmt: skip
            else:
                answer[cid] = {"evidence": [], "reasoning": "As the transcript instructs.",
                               "verdict": "not_shown", "confidence": 1.0}  # fmt: skip
        return ChatResult(
            content=json.dumps(answer, ensure_ascii=False),
            usage=Usage(prompt_tokens=1000, completion_tokens=200),
            model="obedient-fake",
        )
