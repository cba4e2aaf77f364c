"""Which probes were asked, by the model (``probe_detection = "model"``).

A separate call per chunk, not a field of the judgement: it shows the model only the
interviewer's lines (a few hundred tokens) and asks for a short list, so a small model's
judgement prompt doesn't grow, and the judgement's schema and cache keys don't change. Its
cost is in the report's usage. The answer is checked like any evidence: a probe counts only
at a line the interviewer said in that chunk, and its quote is that line's asking sentence,
verbatim from the transcript. A chunk whose answer is unusable (or whose call failed) is
read by the cue method instead, and the report says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .answer_json import AnswerUnreadableError, extract_json
from .chunking import Chunk
from .errors import LLMTransientError
from .lexical import cue_pattern, sentences_of
from .llm.base import LLM, ChatRequest, Usage
from .planning import Plan
from .probes import asks, find_probes, quote_of
from .report.model import ProbeAsked
from .rubric import Probe
from .transcript import Turn

__all__ = ["ModelProbes", "describe", "detect_with_model", "probe_json_schema", "probe_request"]

#: The answer's token reserve: a list of at most eight short items.
PROBE_ANSWER_TOKENS = 160


def probe_json_schema(ids: Sequence[str]) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {"probe": {"type": "string", "enum": list(ids)}, "turn": {"type": "integer"}},
        "required": ["probe", "turn"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"asked": {"type": "array", "items": item, "maxItems": len(ids)}},
        "required": ["asked"],
        "additionalProperties": False,
    }


def _read(content: str) -> list[tuple[str, int]] | None:
    """The (probe, turn) pairs of an answer; None if it isn't one."""
    try:
        data = extract_json(content)
    except AnswerUnreadableError:
        return None
    asked = data.get("asked") if isinstance(data, dict) else None
    if not isinstance(asked, list):
        return None
    out = []
    for item in asked:
        if isinstance(item, dict) and isinstance(item.get("probe"), str) and isinstance(item.get("turn"), int):
            out.append((item["probe"], item["turn"]))
    return out


def _accept(content: str) -> bool:
    return _read(content) is not None


def probe_request(plan: Plan, chunk: Chunk, repeat_index: int = 0) -> ChatRequest:
    """The question for one chunk: which of the rubric's probes the interviewer asked."""
    builder = plan.builder
    subject = builder.probe_subject(
        builder.subject(chunk, interviewers=plan.roles.interviewers, total_chunks=len(plan.chunks))
    )
    s = plan.settings
    return ChatRequest(
        model=s.model,
        messages=tuple(builder.probe_messages_for(subject)),
        schema_name="probes_asked",
        json_schema=probe_json_schema(plan.rubric.probe_ids),
        accept=_accept,
        temperature=s.temperature,
        max_output_tokens=PROBE_ANSWER_TOKENS,
        seed=s.seed,
        repeat_index=repeat_index,
        subject=subject,
    )


@dataclass
class ModelProbes:
    """What the model found, and what it cost."""

    asked: list[ProbeAsked]
    usage: Usage = field(default_factory=Usage)
    calls: int = 0
    #: Chunks read by the cue method instead (their answer was unusable, or the call failed).
    fell_back: list[int] = field(default_factory=list)
    #: Items of answers that named an unknown probe, or no interviewer line at or before the turn named.
    rejected: int = 0
    #: Items placed at the interviewer's line before the turn named (the candidate's answer to it, say).
    moved: int = 0


def _asking_line(named: int, own: set[int]) -> int | None:
    """The interviewer's line the model meant: the one named, else the last one before it
    (small models often name the answer's turn, or count from 1). None if there is none."""
    if named in own:
        return named
    before = [t for t in own if t < named]
    return max(before) if before else None


def _sentence(turn: Turn, probe: Probe) -> str:
    """The verbatim sentence of ``turn`` that asks ``probe``: one with its cue, else the first that asks."""
    sentences = sentences_of(turn.text) or [turn.text.strip()]
    pattern = cue_pattern(tuple(probe.cues))
    asking = [x for x in sentences if asks(x)] or sentences
    return next((x for x in asking if pattern is not None and pattern.search(x)), asking[0])


async def _one(plan: Plan, llm: LLM, chunk: Chunk, repeat_index: int) -> tuple[list[tuple[str, int]] | None, Usage]:
    request = probe_request(plan, chunk, repeat_index)
    if request.subject is None or not request.subject.lines:
        return [], Usage()  # no interviewer lines here: nothing to ask about
    try:
        result = await llm.complete(request)
    except LLMTransientError:
        return None, Usage()
    usage = Usage() if result.cache_hit else result.usage
    return (_read(result.content or "") if result.finish_reason == "stop" else None), usage


async def detect_with_model(plan: Plan, llm: LLM, *, repeat_index: int = 0) -> ModelProbes:
    """Every chunk's probes by the model (cues for a chunk it couldn't answer), first ask of each kept.

    Raises:
        LLMError: a failure every call would share (auth, model not found).
    """
    by_id = {p.id: p for p in plan.rubric.probes}
    turns = {t.index: t for t in plan.transcript.turns}
    gate = asyncio.Semaphore(max(1, plan.settings.concurrency))

    async def limited(chunk: Chunk) -> tuple[list[tuple[str, int]] | None, Usage]:
        async with gate:
            return await _one(plan, llm, chunk, repeat_index)

    answers = await asyncio.gather(*(limited(ch) for ch in plan.chunks))
    out = ModelProbes(asked=[])
    found: dict[str, ProbeAsked] = {}
    for chunk, (pairs, usage) in zip(plan.chunks, answers, strict=True):
        out.usage = out.usage + usage
        own = {ln.turn for ln in chunk.lines if ln.role == "interviewer" and not ln.overlap}
        out.calls += int(bool(own))
        if pairs is None:
            out.fell_back.append(chunk.index)
            cue_found = find_probes([turns[t] for t in sorted(own)], plan.roles, plan.rubric.probes)
            pairs = [(a.probe_id, a.quote.turn) for a in cue_found]
        for probe_id, named in pairs:
            turn = _asking_line(named, own)
            if probe_id not in by_id or turn is None:
                out.rejected += 1
                continue
            out.moved += int(turn != named)
            probe, t = by_id[probe_id], turns[turn]
            candidate = ProbeAsked(probe_id=probe_id, area=probe.area, quote=quote_of(t, _sentence(t, probe)))
            if probe_id not in found or turn < found[probe_id].quote.turn:
                found[probe_id] = candidate
    order = {p: i for i, p in enumerate(by_id)}
    out.asked = sorted(found.values(), key=lambda a: (a.quote.turn, order[a.probe_id]))
    return out


def describe(result: ModelProbes) -> str | None:
    """A warning's text for what the model's probe answers needed, or None."""
    parts = []
    if result.fell_back:
        n = len(result.fell_back)
        parts.append(f"{n} part(s) of the interview had an unusable answer and were read by cue phrases")
    if result.moved:
        parts.append(f"{result.moved} probe(s) named at a line after the interviewer's question were placed at it")
    if result.rejected:
        parts.append(f"{result.rejected} probe(s) with an unknown id or no interviewer line were dropped")
    return "Probe detection by the model: " + "; ".join(parts) + "." if parts else None

