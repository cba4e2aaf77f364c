"""A perfect model for a labelled dataset: the oracle check of every judge mode.

With a model that is always right, the pipeline must lose nothing: every judge mode
should score macro-F1 1.00 on the dev set (``confirm`` can only keep what the keyword
baseline proposes, so its ceiling is the baseline's recall). :class:`OracleResponder`
answers every request the pipeline sends (``full`` and ``compact`` judgements, ``confirm``
yes/no questions) from the case's labels and labelled quotes:

- a criterion labelled true is "shown" in a chunk where one of its labelled quotes is in
  a candidate line, with that quote; "insufficient_evidence" in the other chunks;
- a criterion labelled false is "not_shown";
- a confirmation is "yes" exactly when the criterion is labelled true, with the answer
  token's log-probabilities where the request asks for them (P(yes) 0.95 or 0.05), as a
  server that returns ``top_logprobs`` gives them.

It finds the case a request is about by the candidate's words (the request's subject),
never by the prompt's text, so a template change can't break it.

Example:
    >>> fake = FakeLLM(OracleResponder(load_dataset(Path("evals/dev"), rubric)))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from ..evaluation.dataset import Case, Dataset
from ..grounding import normalize_text
from ..llm.base import ChatRequest, ChatResult, TokenLogprob, Usage
from ..llm.fake import subject_of
from ..llm.subject import JudgedLine

__all__ = ["OracleResponder"]

_CONFIDENCE_SHOWN = 0.95
_CONFIDENCE_OTHER = 0.9


@dataclass
class OracleResponder:
    """Answers like a model that agrees with the dataset's labels."""

    dataset: Dataset
    #: Each case's candidate text, normalised (to find the case a request is about).
    _texts: list[tuple[Case, str]] = field(init=False)

    def __post_init__(self) -> None:
        self._texts = []
        for case in self.dataset.cases:
            transcript = self.dataset.transcripts.get(case.id)
            if transcript is not None:
                self._texts.append((case, " ".join(normalize_text(t.text) for t in transcript.turns)))

    def case_for(self, lines: list[JudgedLine]) -> Case:
        """The case whose transcript holds all of these candidate lines.

        Raises:
            AssertionError: no case does (the request isn't about this dataset).
        """
        wanted = [normalize_text(ln.text) for ln in lines if ln.text.strip()]
        for case, text in self._texts:
            if all(w in text for w in wanted):
                return case
        raise AssertionError("the oracle knows no case with these candidate lines")

    def __call__(self, request: ChatRequest) -> ChatResult:
        subject = subject_of(request)
        case = self.case_for(subject.candidate_lines() or list(subject.lines))
        logprobs: tuple[TokenLogprob, ...] = ()
        if subject.question is not None:
            word = "yes" if case.labels.get(subject.question.criterion) else "no"
            answer: object = {"answer": word}
            if request.top_logprobs:
                p_yes = _CONFIDENCE_SHOWN if word == "yes" else 1 - _CONFIDENCE_SHOWN
                top = {"yes": math.log(p_yes), "no": math.log(1 - p_yes)}
                logprobs = (
                    TokenLogprob(token='{"answer": "', top={'{"answer": "': 0.0}),
                    TokenLogprob(token=word, top=top),
                )
        else:
            compact = request.schema_name == "compact_judgement"
            answer = {cid: self._judge(case, cid, subject.candidate_lines(), compact) for cid in subject.criteria}
        return ChatResult(
            content=json.dumps(answer),
            usage=Usage(prompt_tokens=1000, completion_tokens=100),
            model="oracle",
            logprobs=logprobs,
        )

    def _judge(self, case: Case, cid: str, lines: list[JudgedLine], compact: bool) -> dict[str, object]:
        quotes: list[dict[str, object]] = []
        if case.labels.get(cid):
            for text in case.evidence.get(cid, []):
                line = next((ln for ln in lines if normalize_text(text) in normalize_text(ln.text)), None)
                if line is not None and len(quotes) < 2:
                    quotes.append({"turn": line.turn, "text": text})
            verdict = "shown" if quotes else "insufficient_evidence"
        else:
            verdict = "not_shown"
        confidence = _CONFIDENCE_SHOWN if verdict == "shown" else _CONFIDENCE_OTHER
        if compact:
            return {"quotes": quotes, "reason": "labelled", "verdict": verdict, "confidence": confidence}
        return {"evidence": quotes, "reasoning": "as labelled", "verdict": verdict, "confidence": confidence}
