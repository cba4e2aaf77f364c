"""Which probes were asked, by the model (``probe_detection = "model"``).

A separate call per chunk, made by the model tagger as part of the chunk's work (after
its judgement), not a field of the judgement: it shows the model only the
interviewer's lines (a few hundred tokens) and asks for a short list, so a small model's
judgement prompt doesn't grow, and the judgement's schema and cache keys don't change. Its
cost is in the report's usage. The answer is checked like any evidence: a probe counts only
at a line the interviewer said in that chunk, and its quote is that line's asking sentence,
verbatim from the transcript. A chunk whose answer is unusable (or whose call failed) is
read by the cue method instead, and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .answer_json import AnswerUnreadableError, extract_json
from .chunking import Chunk
from .errors import LLMTransientError
from .judge import ChunkOutcome
from .lexical import cue_pattern, sentences_of
from .llm.base import LLM, ChatRequest, Usage
from .probes import asks, find_probes, quote_of
from .report.model import ProbeAsked
from .rubric import Probe
from .transcript import Turn

if TYPE_CHECKING:
    from .planning import Plan

__all__ = [
    "ModelProbes",
    "ask_probes",
    "describe",
    "detect_with_model",
    "probe_json_schema",
    "probe_request",
    "probes_from_outcomes",
]

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
    """What the model found (its calls are in the chunks' outcomes)."""

    asked: list[ProbeAsked]
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


async def ask_probes(plan: Plan, llm: LLM, chunk: Chunk, outcome: ChunkOutcome, repeat_index: int = 0) -> None:
    """Ask which probes the interviewer asked in ``chunk``; the answer (and its cost) go in
    ``outcome``. Called by the model tagger inside the chunk's work, so a batch round sees
    it as the chunk's call (:mod:`.batch`)."""
    request = probe_request(plan, chunk, repeat_index)
    if request.subject is None or not request.subject.lines:
        return  # no interviewer lines here: nothing to ask about
    try:
        result = await llm.complete(request)
    except LLMTransientError:
        outcome.probe_answer = None
        return
    if result.cache_hit:
        outcome.cached_usage = outcome.cached_usage + result.usage
    else:
        outcome.usage = outcome.usage + result.usage
    outcome.calls += 1
    outcome.cache_hits += int(result.cache_hit)
    outcome.probe_answer = _read(result.content or "") if result.finish_reason == "stop" else None


def probes_from_outcomes(plan: Plan, outcomes: Sequence[ChunkOutcome]) -> ModelProbes:
    """The probes the model named, checked against each chunk's interviewer lines (the cue
    method for a chunk whose answer was unusable); the first ask of each probe kept."""
    by_id = {p.id: p for p in plan.rubric.probes}
    turns = {t.index: t for t in plan.transcript.turns}
    out = ModelProbes(asked=[])
    found: dict[str, ProbeAsked] = {}
    for o in outcomes:
        own = {ln.turn for ln in o.chunk.lines if ln.role == "interviewer" and not ln.overlap}
        pairs = o.probe_answer
        if pairs is None:
            out.fell_back.append(o.chunk.index)
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


async def detect_with_model(plan: Plan, llm: LLM, *, repeat_index: int = 0) -> tuple[ModelProbes, Usage, int]:
    """Probe detection alone (no judgement), for the benchmark: the probes, the usage and the calls.

    Raises:
        LLMError: a failure every call would share (auth, model not found).
    """
    outcomes = [ChunkOutcome(chunk=ch, status="ok") for ch in plan.chunks]
    for o in outcomes:
        await ask_probes(plan, llm, o.chunk, o, repeat_index)
    usage = Usage()
    for o in outcomes:
        usage = usage + o.usage
    return probes_from_outcomes(plan, outcomes), usage, sum(o.calls for o in outcomes)


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

