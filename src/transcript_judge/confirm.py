"""Step 6b, for small models: the keyword baseline proposes, the model confirms.

``judge_mode = "confirm"``. A 1.5B model judging eleven criteria in one answer is slow
(about 1,000 answer tokens, minutes on a CPU) and degenerate (everything "shown", or
nothing). Checking is easier than finding: for every sentence in which the keyword
baseline found a cue, the model answers one yes/no question with the criterion's
definition and near misses, the transcript coming first so all the questions about a
chunk share one prompt prefix. A cue the model confirms stays as evidence; one it rejects
is dropped, and a criterion with no confirmed cue is "not shown".

How sure the model is comes from the answer token's log-probabilities where the server
returns them (``top_logprobs``; llama-cpp-python, vLLM, OpenAI's chat models do): the
probability of "yes" against "no" (:func:`yes_probability`). A match is confirmed when it
reaches ``confirm_threshold``, and that probability is the finding's confidence. Without
log-probabilities the answer's word decides, with fixed confidences.

Recall can't exceed the keyword baseline's; what the model adds is precision. Every
question and answer is an ordinary cached, traced, recorded :class:`ChatRequest`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from .answer_json import AnswerUnreadableError, extract_json
from .chunking import Chunk
from .judge import ChunkOutcome, JudgeSettings
from .lexical import LexicalTagger
from .llm.base import LLM, ChatRequest, ChatResult
from .prompting import PromptBuilder
from .schema import Assessment, QuoteRef, confirmation_json_schema

__all__ = ["confirm_chunk", "confirm_requests", "read_confirmation", "yes_probability", "yes_share"]

_YES = re.compile(r"^\W*(?:yes|true|shown|y)\b", re.I)
_NO = re.compile(r"^\W*(?:no|false|not[ _]shown|n)\b", re.I)
#: The confidences of a word-only answer (a server that returns no log-probabilities).
CONFIRMED_CONFIDENCE = 0.7
REJECTED_CONFIDENCE = 0.6
#: The alternatives asked for at each answer token: enough to hold both "yes" and "no".
CONFIRM_TOP_LOGPROBS = 5
_YES_WORDS = ("yes", "true")
_NO_WORDS = ("no", "false")


def _word(token: str) -> str:
    return token.strip().strip("\"'{}:,. ").lower()


def yes_share(top: Mapping[str, float]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over one token's alternatives (token -> log-probability);
    None when neither is among them."""
    yes = no = 0.0
    for alt, logprob in top.items():
        word = _word(alt)
        if word.startswith(_YES_WORDS):
            yes += math.exp(logprob)
        elif word.startswith(_NO_WORDS):
            no += math.exp(logprob)
    return yes / (yes + no) if yes + no > 0 else None


def yes_probability(result: ChatResult) -> float | None:
    """:func:`yes_share` at the first answer token that says yes or no; None when the
    result has no log-probabilities (the server gave none) or no token said either."""
    for token in result.logprobs:
        if _word(token.token).startswith(_YES_WORDS + _NO_WORDS):
            return yes_share(token.top)
    return None


def read_confirmation(content: str) -> bool | None:
    """True for yes, False for no, None when the answer says neither."""
    try:
        value = extract_json(content)
    except AnswerUnreadableError:
        value = content
    if isinstance(value, dict):
        value = value.get("answer", next(iter(value.values()), None) if len(value) == 1 else None)
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    if _YES.match(value):
        return True
    if _NO.match(value):
        return False
    return None


def _accept(content: str) -> bool:
    return read_confirmation(content) is not None


def confirm_requests(
    builder: PromptBuilder,
    tagger: LexicalTagger,
    chunk: Chunk,
    *,
    settings: JudgeSettings,
    interviewers: list[str],
    total_chunks: int,
    repeat_index: int = 0,
    proposals: dict[str, Assessment] | None = None,
) -> list[tuple[str, QuoteRef, ChatRequest]]:
    """Every question a chunk needs: (criterion id, proposed quote, request). Deterministic,
    so a cache, a recording or ``--resume`` can know them before anything is sent.
    ``proposals`` is ``tagger.judge(chunk)`` when the caller already has it."""
    out: list[tuple[str, QuoteRef, ChatRequest]] = []
    chunk_subject = builder.subject(chunk, interviewers=interviewers, total_chunks=total_chunks)
    for cid, proposed in (proposals if proposals is not None else tagger.judge(chunk)).items():
        if proposed.verdict != "shown":
            continue
        for quote in proposed.evidence:
            subject = builder.confirm_subject(chunk_subject, cid, turn=quote.turn, sentence=quote.text)
            request = ChatRequest(
                model=settings.model,
                messages=tuple(builder.confirm_messages_for(subject)),
                schema_name="confirmation",
                json_schema=confirmation_json_schema(),
                accept=_accept,
                subject=subject,
                temperature=settings.temperature,
                max_output_tokens=16,
                seed=settings.seed,
                repeat_index=repeat_index,
                top_logprobs=CONFIRM_TOP_LOGPROBS,
            )
            out.append((cid, quote, request))
    return out


async def confirm_chunk(
    llm: LLM,
    builder: PromptBuilder,
    tagger: LexicalTagger,
    chunk: Chunk,
    *,
    settings: JudgeSettings,
    interviewers: list[str],
    total_chunks: int,
    repeat_index: int = 0,
) -> ChunkOutcome:
    """Judge one chunk by confirming the keyword baseline's proposals one by one.

    A question the model answers with neither yes nor no keeps the proposal out (it isn't
    confirmed) and is counted as a repair kind ``confirmation_unreadable``.

    Raises:
        LLMError: as :func:`~transcript_judge.judge.judge_chunk`.
    """
    proposals = tagger.judge(chunk)  # once: the questions and the decision share it
    questions = confirm_requests(
        builder,
        tagger,
        chunk,
        settings=settings,
        interviewers=interviewers,
        total_chunks=total_chunks,
        repeat_index=repeat_index,
        proposals=proposals,
    )
    outcome = ChunkOutcome(chunk=chunk, status="ok")
    confirmed: dict[str, list[tuple[QuoteRef, float]]] = {}
    asked: dict[str, list[float]] = {}
    for cid, quote, request in questions:  # one at a time: they share the server's prompt cache
        result = await llm.complete(request)
        outcome.add(result)
        verdict = read_confirmation(result.content or "") if result.finish_reason == "stop" else None
        if verdict is None:
            outcome.repairs["confirmation_unreadable"] += 1
            continue
        p_yes = yes_probability(result)
        if p_yes is None:
            yes, confidence = verdict, CONFIRMED_CONFIDENCE if verdict else 1 - REJECTED_CONFIDENCE
        else:
            yes, confidence = p_yes >= settings.confirm_threshold, p_yes
        asked.setdefault(cid, []).append(confidence)
        if yes:
            confirmed.setdefault(cid, []).append((quote, confidence))
    outcome.assessments = _decide(proposals, confirmed, asked)
    if questions:
        kept = sum(len(v) for v in confirmed.values())
        outcome.detail = f"{kept} of {len(questions)} keyword match(es) confirmed by the model"
    return outcome


def _decide(
    proposals: dict[str, Assessment],
    confirmed: dict[str, list[tuple[QuoteRef, float]]],
    asked: dict[str, list[float]],
) -> dict[str, Assessment]:
    """Each criterion's verdict from its confirmations. ``asked`` holds the P(yes) (or the
    word-only confidence of a yes) of every readable answer about the criterion."""
    out: dict[str, Assessment] = {}
    for cid, proposed in proposals.items():
        if proposed.verdict != "shown":
            out[cid] = proposed
            continue
        kept: Sequence[tuple[QuoteRef, float]] = confirmed.get(cid, [])
        answers = asked.get(cid, [])
        n = len(proposed.evidence)
        if kept:
            out[cid] = Assessment(
                evidence=[q for q, _ in kept],
                reasoning=f"the model confirmed {len(kept)} of {n} keyword match(es)",
                verdict="shown",
                confidence=round(max(p for _, p in kept), 3),
            )
        else:
            # The chance that it is not shown: that the likeliest "yes" was wrong.
            confidence = round(1 - max(answers), 3) if answers else REJECTED_CONFIDENCE
            out[cid] = Assessment(
                evidence=[],
                reasoning=f"the model rejected all {n} keyword match(es)",
                verdict="not_shown",
                confidence=confidence,
            )
    return out
