"""Step 6: who tags the chunks — a model, or the offline keyword baseline.

A :class:`Tagger` turns a plan's chunks into chunk outcomes (:class:`.judge.ChunkOutcome`)
and says beforehand what that will send (:meth:`Tagger.first_requests`,
:meth:`Tagger.estimate`), so that budgets, caches and recordings need no knowledge of how
a chunk is judged. :func:`tagger_for` picks one from the settings:

- :class:`KeywordBaseline`: the rubric's cue phrases (:mod:`.lexical`); sends nothing.
- :class:`FullJudge`: one model answer for every criterion of a chunk (:mod:`.judge`);
  ``judge_mode = "compact"`` is the same judge with the short prompt and compact answer.
- :class:`ConfirmJudge`: the baseline proposes, the model confirms each proposal with a
  yes/no (:mod:`.confirm`; for small local models).

The two model taggers share how a run meets the server (:class:`ModelTagger`): calls
share an adaptive limiter (429s are waited out there, not in the SDK); a chunk whose
answer was truncated, or that didn't fit the context, is judged again in two halves (at
most ``MAX_SPLIT_DEPTH`` deep); and a failure every chunk would share (auth, model not
found) stops the run with that error rather than failing each chunk.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from .chunking import Chunk
from .confirm import confirm_chunk, confirm_requests
from .errors import ContextLengthExceededError, LLMError, LLMTransientError
from .events import Event, EventCallback, EventKind
from .judge import ChunkOutcome, build_request, judge_chunk
from .lexical import LexicalTagger
from .limiter import AdaptiveLimiter, RateLimitedLLM
from .llm.base import LLM, ChatRequest, Usage
from .pricing import estimate_cost
from .probe_judge import ask_probes

if TYPE_CHECKING:
    from .planning import AnalysisSettings, Plan

__all__ = [
    "MAX_SPLIT_DEPTH",
    "ConfirmJudge",
    "Estimate",
    "FullJudge",
    "KeywordBaseline",
    "ModelTagger",
    "Tagger",
    "Tagging",
    "tagger_for",
]

#: How many times a chunk may be halved when its answer is truncated or it is too long.
MAX_SPLIT_DEPTH = 2
#: The completion tokens an estimate assumes per full answer (the reserve, capped) and per yes/no.
_FULL_ANSWER_TOKENS = 2500
_COMPACT_ANSWER_TOKENS = 900
_CONFIRM_ANSWER_TOKENS = 8
#: What a model tagger works out once per run, before its chunks (:meth:`ModelTagger.start`).
S = TypeVar("S")


@dataclass(frozen=True)
class Estimate:
    """What a plan will send, before anything is sent (completion tokens at the reserve)."""

    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Tagging:
    """The outcome of every chunk, and how the limiter fared (for the benchmarks)."""

    outcomes: list[ChunkOutcome]
    #: The adaptive limiter's lowest concurrency and how often it backed off (429s).
    concurrency_lowest: int | None = None
    backoffs: int = 0


class Tagger(Protocol):
    """Tags a plan's chunks: the one thing the pipeline asks of a judge."""

    #: Whether it calls a model (a report by one that doesn't says it is the keyword baseline).
    uses_model: bool

    def first_requests(self, plan: Plan, repeat_index: int = 0) -> list[ChatRequest]:
        """The request each chunk starts with (none for a tagger that sends nothing)."""
        ...

    def estimate(self, plan: Plan) -> Estimate:
        """Calls, tokens and cost of the plan's first requests."""
        ...

    async def tag(
        self, plan: Plan, llm: LLM, *, repeat_index: int = 0, on_event: EventCallback | None = None
    ) -> Tagging:
        """An outcome for every chunk (more than one where a chunk was split).

        Raises:
            LLMError: a failure every chunk would share (auth, model not found).
        """
        ...


class KeywordBaseline:
    """The offline keyword baseline: cue phrases from the rubric. Sends nothing."""

    uses_model = False

    def first_requests(self, plan: Plan, repeat_index: int = 0) -> list[ChatRequest]:
        return []

    def estimate(self, plan: Plan) -> Estimate:
        return Estimate(0, 0, 0, 0.0)

    async def tag(
        self, plan: Plan, llm: LLM | None = None, *, repeat_index: int = 0, on_event: EventCallback | None = None
    ) -> Tagging:
        tagger = plan.lexical_tagger()
        return Tagging([ChunkOutcome(chunk=ch, status="ok", assessments=tagger.judge(ch)) for ch in plan.chunks])


class ModelTagger(ABC, Generic[S]):
    """A tagger that asks a model: the limiter, re-chunking and shared failures."""

    uses_model = True

    @abstractmethod
    def first_requests(self, plan: Plan, repeat_index: int = 0) -> list[ChatRequest]: ...

    @abstractmethod
    def estimate(self, plan: Plan) -> Estimate: ...

    @abstractmethod
    def start(self, plan: Plan) -> S:
        """What :meth:`judge` needs of the whole transcript, worked out once per run."""

    @abstractmethod
    async def judge(self, plan: Plan, llm: LLM, chunk: Chunk, state: S, repeat_index: int) -> ChunkOutcome:
        """One chunk's outcome.

        Raises:
            LLMError: as :func:`.judge.judge_chunk`.
        """

    async def tag(
        self, plan: Plan, llm: LLM, *, repeat_index: int = 0, on_event: EventCallback | None = None
    ) -> Tagging:
        limiter = AdaptiveLimiter(plan.settings.concurrency)
        # Every call (first asks, re-asks, re-chunks) takes a limiter slot only while it is at
        # the server; 429s are waited out here, not in the SDK.
        run = _ChunkRun(self, plan, RateLimitedLLM(llm, limiter), self.start(plan), repeat_index, on_event)
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(run.process(ch)) for ch in plan.chunks]
        except BaseExceptionGroup as group_error:
            # A failure every chunk would share (auth, model not found, replay miss) stops the
            # others; raise the first such error plainly rather than as a group.
            errors = group_error.exceptions
            first = next((e for e in errors if isinstance(e, LLMError)), errors[0])
            raise first from None
        return Tagging([o for t in tasks for o in t.result()], limiter.lowest, limiter.backoffs)


@dataclass
class _ChunkRun(Generic[S]):
    """One run of a model tagger over a plan's chunks."""

    tagger: ModelTagger[S]
    plan: Plan
    llm: LLM
    state: S
    repeat_index: int
    on_event: EventCallback | None
    total: int = field(init=False)

    def __post_init__(self) -> None:
        self.total = len(self.plan.chunks)

    def _emit(self, kind: EventKind, chunk: int | None, status: str = "", detail: str = "") -> None:
        if self.on_event is not None:
            self.on_event(Event(kind, self.total, chunk, status, detail))

    async def process(self, chunk: Chunk, depth: int = 0) -> list[ChunkOutcome]:
        """The chunk's outcome, or its halves' if it had to be split."""
        self._emit("chunk_started", chunk.index)
        try:
            outcome = await self.tagger.judge(self.plan, self.llm, chunk, self.state, self.repeat_index)
        except ContextLengthExceededError as e:
            outcome = ChunkOutcome(chunk=chunk, status="failed", detail=f"context length: {e.message}", too_long=True)
        except LLMTransientError as e:
            outcome = ChunkOutcome(chunk=chunk, status="failed", detail=e.message)
        halves = split_chunk(chunk) if outcome.splittable and depth < MAX_SPLIT_DEPTH else None
        if halves:
            self._emit("rechunk", chunk.index, outcome.status, "splitting into two smaller chunks")
            parts = await asyncio.gather(*(self.process(h, depth + 1) for h in halves))
            first = parts[0][0]  # keeps the tokens of the failed attempt in the totals
            first.usage = first.usage + outcome.usage
            first.calls += outcome.calls
            return [o for p in parts for o in p]
        if self.plan.settings.probe_detection == "model" and self.plan.rubric.probes:
            await ask_probes(self.plan, self.llm, chunk, outcome, self.repeat_index)
        self._emit("chunk_done", chunk.index, outcome.status, outcome.detail)
        return [outcome]


def split_chunk(chunk: Chunk) -> list[Chunk] | None:
    """The chunk's own lines in two halves (None if it has fewer than two)."""
    own = [ln for ln in chunk.lines if not ln.overlap]
    if len(own) < 2:
        return None
    mid = len(own) // 2
    halves = [own[:mid], own[mid:]]
    return [Chunk(index=chunk.index, lines=tuple(h), tokens=max(1, chunk.tokens * len(h) // len(own))) for h in halves]


class FullJudge(ModelTagger[None]):
    """One model answer for every criterion of a chunk, quotes found by the model (in the
    full or the compact shape, as the settings say)."""

    def first_requests(self, plan: Plan, repeat_index: int = 0) -> list[ChatRequest]:
        return [self._request(plan, ch, repeat_index) for ch in plan.chunks]

    def estimate(self, plan: Plan) -> Estimate:
        s = plan.settings
        prompt = sum(plan.static_tokens + ch.tokens for ch in plan.chunks)
        per_answer = _COMPACT_ANSWER_TOKENS if s.judge_mode == "compact" else _FULL_ANSWER_TOKENS
        completion = len(plan.chunks) * min(s.max_output_tokens, per_answer)
        usage = Usage(prompt_tokens=prompt, completion_tokens=completion)
        return Estimate(len(plan.chunks), prompt, completion, estimate_cost(s.model, usage, overrides=s.pricing))

    def _request(self, plan: Plan, chunk: Chunk, repeat_index: int) -> ChatRequest:
        return build_request(
            plan.builder,
            chunk,
            settings=plan.settings.judge_settings(),
            interviewers=plan.roles.interviewers,
            total_chunks=len(plan.chunks),
            repeat_index=repeat_index,
        )

    def start(self, plan: Plan) -> None:
        return None

    async def judge(self, plan: Plan, llm: LLM, chunk: Chunk, state: None, repeat_index: int) -> ChunkOutcome:
        return await judge_chunk(
            llm,
            plan.builder,
            chunk,
            settings=plan.settings.judge_settings(),
            interviewers=plan.roles.interviewers,
            total_chunks=len(plan.chunks),
            repeat_index=repeat_index,
        )


class ConfirmJudge(ModelTagger[LexicalTagger]):
    """The keyword baseline proposes; the model confirms each proposal with a yes/no."""

    def first_requests(self, plan: Plan, repeat_index: int = 0) -> list[ChatRequest]:
        tagger = plan.lexical_tagger()
        return [
            request
            for ch in plan.chunks
            for _, _, request in confirm_requests(
                plan.builder,
                tagger,
                ch,
                settings=plan.settings.judge_settings(),
                interviewers=plan.roles.interviewers,
                total_chunks=len(plan.chunks),
                repeat_index=repeat_index,
            )
        ]

    def estimate(self, plan: Plan) -> Estimate:
        s = plan.settings
        requests = self.first_requests(plan)
        prompt = sum(plan.counter.count(m["content"]) for r in requests for m in r.messages)
        completion = _CONFIRM_ANSWER_TOKENS * len(requests)
        usage = Usage(prompt_tokens=prompt, completion_tokens=completion)
        return Estimate(len(requests), prompt, completion, estimate_cost(s.model, usage, overrides=s.pricing))

    def start(self, plan: Plan) -> LexicalTagger:
        return plan.lexical_tagger()

    async def judge(
        self, plan: Plan, llm: LLM, chunk: Chunk, state: LexicalTagger, repeat_index: int
    ) -> ChunkOutcome:
        return await confirm_chunk(
            llm,
            plan.builder,
            state,
            chunk,
            settings=plan.settings.judge_settings(),
            interviewers=plan.roles.interviewers,
            total_chunks=len(plan.chunks),
            repeat_index=repeat_index,
        )


def tagger_for(settings: AnalysisSettings) -> Tagger:
    """The tagger the settings ask for."""
    if not settings.uses_model:
        return KeywordBaseline()
    return ConfirmJudge() if settings.judge_mode == "confirm" else FullJudge()
