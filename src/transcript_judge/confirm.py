"""Step 6b, for small models: the keyword baseline proposes, the model confirms.

``judge_mode = "confirm"``. A 1.5B model judging eleven criteria in one answer is slow
(about 1,000 answer tokens, minutes on a CPU) and degenerate (everything "shown", or
nothing). Checking is easier than finding: for every sentence in which the keyword
baseline found a cue, the model answers one yes/no question with the criterion's
definition and near misses, the transcript coming first so all the questions about a
chunk share one prompt prefix. A cue the model confirms stays as evidence; one it rejects
is dropped, and a criterion with no confirmed cue is "not shown".

Recall can't exceed the keyword baseline's; what the model adds is precision. Every
question and answer is an ordinary cached, traced, recorded :class:`ChatRequest`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .answer_json import AnswerUnreadableError, extract_json
from .chunking import Chunk
from .judge import ChunkOutcome, JudgeSettings
from .lexical import LexicalTagger
from .llm.base import LLM, ChatRequest
from .prompting import PromptBuilder
from .schema import Assessment, QuoteRef, confirmation_json_schema

__all__ = ["confirm_chunk", "confirm_requests", "read_confirmation"]

_YES = re.compile(r"^\W*(?:yes|true|shown|y)\b", re.I)
_NO = re.compile(r"^\W*(?:no|false|not[ _]shown|n)\b", re.I)
CONFIRMED_CONFIDENCE = 0.7
REJECTED_CONFIDENCE = 0.6


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
    confirmed: dict[str, list[QuoteRef]] = {}
    asked: dict[str, int] = {}
    for cid, quote, request in questions:  # one at a time: they share the server's prompt cache
        result = await llm.complete(request)
        outcome.add(result)
        asked[cid] = asked.get(cid, 0) + 1
        verdict = read_confirmation(result.content or "") if result.finish_reason == "stop" else None
        if verdict is None:
            outcome.repairs["confirmation_unreadable"] += 1
        elif verdict:
            confirmed.setdefault(cid, []).append(quote)
    outcome.assessments = _decide(proposals, confirmed, asked)
    if questions:
        kept = sum(len(v) for v in confirmed.values())
        outcome.detail = f"{kept} of {len(questions)} keyword match(es) confirmed by the model"
    return outcome


def _decide(
    proposals: dict[str, Assessment], confirmed: dict[str, list[QuoteRef]], asked: dict[str, int]
) -> dict[str, Assessment]:
    out: dict[str, Assessment] = {}
    for cid, proposed in proposals.items():
        if proposed.verdict != "shown":
            out[cid] = proposed
            continue
        quotes: Sequence[QuoteRef] = confirmed.get(cid, [])
        n = asked.get(cid, 0)
        if quotes:
            out[cid] = Assessment(
                evidence=list(quotes),
                reasoning=f"the model confirmed {len(quotes)} of {n} keyword match(es)",
                verdict="shown",
                confidence=CONFIRMED_CONFIDENCE,
            )
        else:
            out[cid] = Assessment(
                evidence=[],
                reasoning=f"the model rejected all {n} keyword match(es)",
                verdict="not_shown",
                confidence=REJECTED_CONFIDENCE,
            )
    return out
