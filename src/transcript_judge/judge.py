"""Step 6b: judge one chunk with the LLM, turning every kind of answer into an outcome.

Refusals, truncation, content filters, empty and invalid answers are outcomes, not
crashes. An answer is salvaged criterion by criterion (:mod:`.salvage`): what can be
used is kept, every repair is counted, and only the criteria that are missing or beyond
repair are re-asked, with the problems fed back. The number of re-asks is capped. A chunk
is lost only when nothing in any answer can be used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .chunking import Chunk
from .grounding import GroundedQuote, ground_quote
from .llm.base import LLM, ChatRequest, ChatResult, Usage
from .prompting import PromptBuilder
from .report.model import Warning
from .salvage import QuoteRanker, accepts, describe_repairs, salvage_answer
from .schema import Assessment, compact_json_schema, output_json_schema

__all__ = ["ChunkOutcome", "JudgeSettings", "OutcomeStatus", "build_request", "judge_chunk", "salvage_warnings"]

OutcomeStatus = Literal["ok", "refused", "truncated", "content_filter", "empty", "invalid", "failed"]


#: ``judge_mode = "confirm"``: P(yes) at or above which a keyword match counts as confirmed.
#: Chosen on the 12 tuning cases of the dev set with the 1.5B local model (the highest that
#: lost nothing there; 0.5, the answer word's own cut, scored 0.02 less) and read on the
#: other 27 (benchmarks/RESULTS.md, section 9).
DEFAULT_CONFIRM_THRESHOLD = 0.3


@dataclass(frozen=True)
class JudgeSettings:
    model: str
    temperature: float = 0.0
    max_output_tokens: int = 4000
    max_reasks: int = 1
    seed: int | None = None
    #: ``judge_mode = "compact"``: the short prompt (``compact_system.j2``) and the compact
    #: answer (:func:`.schema.compact_json_schema`).
    compact: bool = False
    #: ``judge_mode = "confirm"``: the P(yes) a keyword match needs to count as confirmed.
    confirm_threshold: float = DEFAULT_CONFIRM_THRESHOLD


@dataclass
class ChunkOutcome:
    chunk: Chunk
    status: OutcomeStatus
    detail: str = ""
    assessments: dict[str, Assessment] | None = None
    usage: Usage = field(default_factory=Usage)
    cached_usage: Usage = field(default_factory=Usage)
    calls: int = 0
    retries: int = 0
    cache_hits: int = 0
    latency_s: float = 0.0
    request_ids: list[str] = field(default_factory=list)
    structured_mode: str = ""
    #: What salvage repaired in this chunk's answers, by kind (see ``salvage.REPAIR_LABELS``).
    repairs: Counter[str] = field(default_factory=Counter)
    #: Criteria no answer gave a usable judgement for (the chunk is still judged on the rest).
    missing: list[str] = field(default_factory=list)
    #: The chunk didn't fit the model's context (:class:`.errors.ContextLengthExceededError`):
    #: smaller chunks may.
    too_long: bool = False
    #: ``probe_detection = "model"``: the (probe id, turn) pairs the model named for this
    #: chunk, unchecked (:mod:`.probe_judge`); None when its answer was unusable or the call
    #: failed; empty when nothing was asked, or no probe was named.
    probe_answer: list[tuple[str, int]] | None = field(default_factory=list)

    @property
    def splittable(self) -> bool:
        """Whether judging the chunk in smaller parts could succeed where this failed."""
        return self.status == "truncated" or self.too_long

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def add(self, result: ChatResult) -> None:
        # A cache hit was paid for by an earlier run: count it apart, never as spent twice.
        if result.cache_hit:
            self.cached_usage = self.cached_usage + result.usage
        else:
            self.usage = self.usage + result.usage
        self.calls += 1
        self.retries += result.retries
        self.cache_hits += int(result.cache_hit)
        self.latency_s += result.latency_s
        self.structured_mode = result.structured_mode
        if result.request_id:
            self.request_ids.append(result.request_id)


def _clip(text: str, n: int = 200) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _schema(builder: PromptBuilder, compact: bool, ids: Sequence[str] | None = None) -> dict[str, Any]:
    return compact_json_schema(builder.rubric, ids) if compact else output_json_schema(builder.rubric, ids)


def build_request(
    builder: PromptBuilder,
    chunk: Chunk,
    *,
    settings: JudgeSettings,
    interviewers: list[str],
    total_chunks: int,
    repeat_index: int = 0,
) -> ChatRequest:
    """The first request for a chunk (re-asks extend its messages)."""
    subject = builder.subject(chunk, interviewers=interviewers, total_chunks=total_chunks)
    messages = builder.compact_messages_for(subject) if settings.compact else builder.messages_for(subject)
    return ChatRequest(
        model=settings.model,
        messages=tuple(messages),
        schema_name="compact_judgement" if settings.compact else "chunk_judgement",
        json_schema=_schema(builder, settings.compact),
        accept=accepts(builder.rubric.ids),
        subject=subject,
        temperature=settings.temperature,
        max_output_tokens=settings.max_output_tokens,
        seed=settings.seed,
        repeat_index=repeat_index,
    )


def quote_ranker(chunk: Chunk) -> QuoteRanker:
    """Scores a quote by how well it grounds in this chunk's candidate words (0-100)."""

    def rank(turn: int, text: str) -> float:
        checked = ground_quote(turn, text, chunk.lines)
        return checked.score if isinstance(checked, GroundedQuote) else 0.0

    return rank


def _reask(
    request: ChatRequest, builder: PromptBuilder, content: str, missing: Sequence[str], problems: str, compact: bool
) -> ChatRequest:
    """The same conversation, plus the answer and a request for the missing criteria only."""
    complete_miss = len(missing) == len(builder.rubric.ids)
    problem = (
        "it was not a JSON object in the required format."
        if complete_miss
        else f"it had no usable judgement for {len(missing)} criteria."
    )
    return request.model_copy(
        update={
            "messages": (
                *request.messages,
                {"role": "assistant", "content": content[:20_000]},
                {"role": "user", "content": builder.reask(problem, problems, ids=missing, compact=compact)},
            ),
            "json_schema": _schema(builder, compact, missing),
            "accept": accepts(missing),
            "subject": replace(request.subject, criteria=tuple(missing)) if request.subject else None,
        }
    )


async def judge_chunk(
    llm: LLM,
    builder: PromptBuilder,
    chunk: Chunk,
    *,
    settings: JudgeSettings,
    interviewers: list[str],
    total_chunks: int,
    repeat_index: int = 0,
) -> ChunkOutcome:
    """Ask the model about one chunk, salvaging what each answer gets right.

    Raises:
        LLMError: the service failed (auth, not found, context length, transient). The
            caller decides whether that ends the run, re-chunks, or fails the chunk.
    """
    request = build_request(
        builder,
        chunk,
        settings=settings,
        interviewers=interviewers,
        total_chunks=total_chunks,
        repeat_index=repeat_index,
    )
    rank = quote_ranker(chunk)
    outcome = ChunkOutcome(chunk=chunk, status="failed")
    got: dict[str, Assessment] = {}
    wanted: list[str] = list(builder.rubric.ids)
    for attempt in range(settings.max_reasks + 1):
        result = await llm.complete(request)
        outcome.add(result)
        stop = _unanswered(result, settings)
        if stop is not None:
            outcome.status, outcome.detail = stop
            break
        content = result.content or ""
        salvaged = salvage_answer(content, wanted, rank_quote=rank)
        outcome.repairs.update(salvaged.repairs)
        got.update(salvaged.assessments)
        wanted = salvaged.missing
        if not wanted:
            break
        outcome.status = "invalid"
        outcome.detail = _clip("no usable judgement: " + "; ".join(salvaged.problems), 300)
        if attempt < settings.max_reasks:
            problems = "\n".join(f"- {p}" for p in salvaged.problems[:12])
            request = _reask(request, builder, content, wanted, problems, settings.compact)
    if got:
        # Usable judgements survive a later failure (a re-ask that was refused or cut off).
        outcome.assessments = {cid: got[cid] for cid in builder.rubric.ids if cid in got}
        outcome.missing = list(wanted)
        outcome.status = "ok"
        notes = []
        if outcome.calls > 1:
            notes.append(f"{outcome.calls - 1} re-ask(s)")
        if wanted:
            notes.append(f"no usable judgement for {', '.join(wanted)}")
        outcome.detail = "; ".join(notes)
    return outcome


def salvage_warnings(outcomes: Sequence[ChunkOutcome]) -> list[Warning]:
    """One warning that says what was repaired or left unjudged, summed over chunks; none
    when every answer was usable as sent."""
    repairs: Counter[str] = Counter()
    for o in outcomes:
        repairs.update({k: v for k, v in o.repairs.items() if k not in ("criterion_missing", "criterion_unusable")})
    missing = sorted({cid for o in outcomes if o.ok for cid in o.missing})
    out = []
    if repairs:
        out.append(
            Warning(kind="salvaged", message="The model's answer needed repairs: " + describe_repairs(repairs) + ".")
        )
    if missing:
        out.append(
            Warning(
                kind="salvaged",
                message=f"No usable judgement for {', '.join(missing)} in some part(s) of the interview, "
                "even after asking again; those parts don't count for these criteria.",
            )
        )
    return out


def _unanswered(result: ChatResult, settings: JudgeSettings) -> tuple[OutcomeStatus, str] | None:
    """Why a result has no answer to salvage (refusal, filter, truncation, empty), or None."""
    if result.finish_reason == "refusal" or result.refusal:
        return "refused", _clip(result.refusal or "refused")
    if result.finish_reason == "content_filter":
        return "content_filter", "the provider's content filter stopped the answer"
    if result.finish_reason == "length":
        return "truncated", f"the answer hit the output limit ({settings.max_output_tokens} tokens)"
    if not result.content or not result.content.strip():
        return "empty", "the model returned no content"
    return None
