"""Step 6b: judge one chunk with the LLM, turning every kind of answer into an outcome.

Refusals, truncation, content filters, empty and invalid answers are outcomes, not
crashes. Invalid output (bad JSON, schema violations, unknown criterion ids) is re-asked
once with the validation errors fed back; the number of re-asks is capped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from .chunking import Chunk
from .llm.base import LLM, ChatRequest, ChatResult, Usage
from .prompting import PromptBuilder
from .schema import Assessment, ChunkAnswer, output_json_schema, short_errors, validate_answer

__all__ = ["ChunkOutcome", "JudgeSettings", "OutcomeStatus", "build_request", "judge_chunk"]

OutcomeStatus = Literal["ok", "refused", "truncated", "content_filter", "empty", "invalid", "failed"]


@dataclass(frozen=True)
class JudgeSettings:
    model: str
    temperature: float = 0.0
    max_output_tokens: int = 4000
    max_reasks: int = 1
    seed: int | None = None


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
    messages = builder.messages(chunk, interviewers=interviewers, total_chunks=total_chunks)
    return ChatRequest(
        model=settings.model,
        messages=tuple(messages),
        schema_name="chunk_judgement",
        json_schema=output_json_schema(builder.rubric),
        temperature=settings.temperature,
        max_output_tokens=settings.max_output_tokens,
        seed=settings.seed,
        repeat_index=repeat_index,
    )


async def judge_chunk(
    llm: LLM,
    builder: PromptBuilder,
    answer_model: type[ChunkAnswer],
    chunk: Chunk,
    *,
    settings: JudgeSettings,
    interviewers: list[str],
    total_chunks: int,
    repeat_index: int = 0,
) -> ChunkOutcome:
    """Ask the model about one chunk.

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
    outcome = ChunkOutcome(chunk=chunk, status="failed")
    for attempt in range(settings.max_reasks + 1):
        result = await llm.complete(request)
        outcome.add(result)
        if result.finish_reason == "refusal" or result.refusal:
            outcome.status, outcome.detail = "refused", _clip(result.refusal or "refused")
            return outcome
        if result.finish_reason == "content_filter":
            outcome.status, outcome.detail = "content_filter", "the provider's content filter stopped the answer"
            return outcome
        if result.finish_reason == "length":
            outcome.status = "truncated"
            outcome.detail = f"the answer hit the output limit ({settings.max_output_tokens} tokens)"
            return outcome
        if not result.content or not result.content.strip():
            outcome.status, outcome.detail = "empty", "the model returned no content"
            return outcome
        try:
            answer = validate_answer(answer_model, result.content)
        except ValidationError as e:
            problem, errors = "it did not match the required JSON structure.", short_errors(e)
        except json.JSONDecodeError as e:  # pragma: no cover - pydantic wraps these
            problem, errors = f"it was not valid JSON ({e}).", ""
        else:
            outcome.status, outcome.assessments = "ok", answer.assessments()
            outcome.detail = "" if attempt == 0 else f"valid after {attempt} re-ask(s)"
            return outcome
        outcome.status, outcome.detail = "invalid", _clip(f"{problem} {errors}".strip(), 300)
        if attempt < settings.max_reasks:
            request = request.model_copy(
                update={
                    "messages": (
                        *request.messages,
                        {"role": "assistant", "content": result.content[:20_000]},
                        {"role": "user", "content": builder.reask(problem, errors)},
                    )
                }
            )
    return outcome
