"""The report: a pydantic model with a versioned JSON schema.

``SCHEMA_VERSION`` changes whenever a field is removed or changes meaning; adding an
optional field doesn't change it. ``transcript-judge schema`` prints the JSON schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..roles import RoleAssignment
from ..schema import Verdict

__all__ = [
    "SCHEMA_VERSION",
    "ChunkReport",
    "Coverage",
    "Finding",
    "Notice",
    "Quote",
    "Report",
    "UsageReport",
    "Warning",
]

SCHEMA_VERSION = "1.0"

NOTICE = (
    "Decision support, not a hiring decision. This report points to moments in the interview "
    "for a person to review; it infers nothing about the candidate's personal traits, and "
    "it can be wrong. Read the quotes in context before relying on any finding."
)
LEXICAL_BANNER = (
    "KEYWORD BASELINE, NOT AN LLM JUDGEMENT: no model was configured, so these findings "
    "come from matching cue phrases. Set OPENAI_API_KEY (or --base-url for a local "
    "OpenAI-compatible server) and --model to get an LLM judgement."
)


class Quote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn: int = Field(description="0-based turn index in the transcript.")
    speaker: str
    timestamp: str = Field(description="hh:mm:ss, or --:-- when the source had no times.")
    start: float | None = None
    text: str = Field(description="Verbatim words from the transcript.")
    match: Literal["exact", "fuzzy"] = "exact"


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criterion_id: str
    kind: Literal["strength", "red_flag"]
    title: str
    verdict: Verdict
    confidence: float
    rationale: str
    quotes: list[Quote] = Field(default_factory=list, max_length=3)
    chunks_shown: int = Field(0, description="Chunks in which the criterion was shown.")


class ChunkReport(BaseModel):
    index: int
    turns: tuple[int, int]
    tokens: int
    status: str
    detail: str = ""
    calls: int = 0
    retries: int = 0
    cache_hits: int = 0
    repairs: dict[str, int] = Field(
        default_factory=dict, description="What salvage repaired in this chunk's answers, by kind."
    )
    missing: list[str] = Field(default_factory=list, description="Criteria no answer judged usably in this chunk.")
    structured_mode: str = Field("", description="How the answer's JSON shape was asked for on the wire.")


class Coverage(BaseModel):
    chunks_total: int
    chunks_ok: int
    chunks_failed: int
    candidate_turns: int
    candidate_turns_covered: int
    quotes_grounded: int = Field(0, description="Quotes the model gave that were verified.")
    quotes_rejected: int = Field(0, description="Quotes dropped as unverifiable.")
    chunks: list[ChunkReport] = Field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.chunks_failed > 0


class UsageReport(BaseModel):
    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    estimated_cost_usd: float | None = Field(
        None, description="What this run spent (cache hits excluded). None when the model's price is unknown."
    )
    cached_prompt_tokens_reused: int = Field(0, description="Prompt tokens of answers served from the cache.")
    cached_completion_tokens_reused: int = Field(0, description="Completion tokens served from the cache.")
    saved_cost_usd: float | None = Field(0.0, description="What the cached answers cost when first made.")
    token_count_exact: bool = True
    wall_time_s: float = 0.0


class Warning(BaseModel):  # a report item; shadows the builtin only inside this module
    kind: Literal[
        "quote_dropped",
        "salvaged",
        "prompt_injection",
        "injection_review",
        "candidate_inferred",
        "lexical_baseline",
        "partial",
        "token_estimate",
        "parse",
        "language",
        "redaction",
        "other",
    ]
    message: str
    quote: str | None = None
    turn: int | None = None


class Notice(BaseModel):
    text: str = NOTICE


class Report(BaseModel):
    """Everything an analysis produced."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    tool_version: str
    analysis_id: str | None = None
    created_at: datetime
    source_name: str
    source_format: str
    language: str | None = None
    tagger: Literal["llm", "lexical"]
    model: str
    prompt_version: str
    rubric_name: str
    rubric_version: str
    roles: RoleAssignment
    turns: int
    duration_s: float | None = None
    strengths: list[Finding]
    red_flags: list[Finding]
    coverage: Coverage
    usage: UsageReport
    warnings: list[Warning] = Field(default_factory=list)
    redaction: bool = False
    notice: str = NOTICE

    @property
    def partial(self) -> bool:
        return self.coverage.partial

    @property
    def findings(self) -> list[Finding]:
        return [*self.strengths, *self.red_flags]
