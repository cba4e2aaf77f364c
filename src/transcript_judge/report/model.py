"""The report: a pydantic model with a versioned JSON schema.

``SCHEMA_VERSION`` changes whenever a field is removed or changes meaning; adding an
optional field doesn't change it. ``transcript-judge schema`` prints the JSON schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..roles import RoleAssignment

__all__ = [
    "SCHEMA_VERSION",
    "AreaCovered",
    "ChunkReport",
    "Coverage",
    "Finding",
    "FollowUp",
    "InterviewCoverage",
    "Notice",
    "ProbeAsked",
    "Quote",
    "Report",
    "ReportVerdict",
    "SpeakerTime",
    "UsageReport",
    "Warning",
]

#: 1.1: a finding may be ``not_probed`` (no question gave the candidate the chance), and
#: ``interview`` and ``follow_ups`` say what the interview covered and what to ask next.
SCHEMA_VERSION = "1.1"
#: A finding's verdict: the model's (:data:`.schema.Verdict`), or ``not_probed`` when it
#: wasn't shown and no probe for it was asked (the rubric's probes, :mod:`..probes`).
ReportVerdict = Literal["shown", "not_shown", "insufficient_evidence", "not_probed"]

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
    verdict: ReportVerdict
    confidence: float
    rationale: str
    quotes: list[Quote] = Field(default_factory=list, max_length=3)
    chunks_shown: int = Field(0, description="Chunks in which the criterion was shown.")
    probed: bool | None = Field(
        None, description="Whether a probe for it was asked (None: the rubric has no probes, or none could be found)."
    )
    probes_asked: list[str] = Field(default_factory=list, description="Ids of its probes that the interviewer asked.")


class ProbeAsked(BaseModel):
    """A probe the interviewer asked, with their words."""

    model_config = ConfigDict(extra="forbid")

    probe_id: str
    area: str
    quote: Quote


class AreaCovered(BaseModel):
    """An interview area, and where it was first asked about (``turn`` None: never)."""

    model_config = ConfigDict(extra="forbid")

    area: str
    probes: list[str] = Field(default_factory=list, description="Ids of its probes that were asked.")
    turn: int | None = None
    timestamp: str = "--:--"
    start: float | None = None

    @property
    def covered(self) -> bool:
        return self.turn is not None


class SpeakerTime(BaseModel):
    """How much one speaker spoke."""

    model_config = ConfigDict(extra="forbid")

    speaker: str
    role: Literal["candidate", "interviewer", "other"]
    words: int
    share: float = Field(description="Of all words spoken, 0-1.")
    seconds: float | None = Field(None, description="Speaking time, when the source has times.")


class InterviewCoverage(BaseModel):
    """What the interview asked: the rubric's probes found in the interviewer's turns."""

    model_config = ConfigDict(extra="forbid")

    probes_available: bool = Field(description="False: the rubric has no probes, or there were no interviewer turns.")
    unavailable_reason: str | None = None
    method: Literal["cues", "model"] = Field(
        "cues",
        description="How probes were found: the rubric's cue phrases in the interviewer's questions (cues), or "
        "a model call per part of the interview that sees only the interviewer's lines (model).",
    )
    probes: list[ProbeAsked] = Field(default_factory=list)
    areas: list[AreaCovered] = Field(default_factory=list)
    talk_time: list[SpeakerTime] = Field(default_factory=list)


class FollowUp(BaseModel):
    """A question to ask next round: a probe that wasn't asked, or whose answer was thin."""

    model_config = ConfigDict(extra="forbid")

    probe_id: str
    area: str
    criteria: list[str] = Field(description="The criteria it would give the candidate the chance to show.")
    reason: Literal["not_probed", "insufficient_evidence"]
    question: str = Field(description="A suggestion, from the rubric's probe, adapted to what the candidate said.")
    mention: Quote | None = Field(None, description="The candidate's words the question builds on.")


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
        "all_speech",  # all speech judged as the candidate's: the interviewer's words may be in it
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
    interview: InterviewCoverage | None = Field(None, description="Absent in reports before schema 1.1.")
    follow_ups: list[FollowUp] = Field(default_factory=list)
    redaction: bool = False
    notice: str = NOTICE

    @property
    def partial(self) -> bool:
        return self.coverage.partial

    @property
    def findings(self) -> list[Finding]:
        return [*self.strengths, *self.red_flags]
