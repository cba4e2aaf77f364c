"""The report: a pydantic model with a versioned JSON schema.

``SCHEMA_VERSION``'s minor number goes up when optional fields are added (older reports
still load: every new field has a default), its major number when a field is removed or
changes meaning. ``transcript-judge schema`` prints the JSON schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..roles import RoleAssignment

__all__ = [
    "SCHEMA_VERSION",
    "WARNING_AUDIENCE",
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
    "WarningKind",
]

#: 1.1: a finding may be ``not_probed`` (no question gave the candidate the chance), and
#: ``interview`` and ``follow_ups`` say what the interview covered and what to ask next.
#: 1.2: a finding's ``unverified_shown`` counts the parts whose "shown" lost its quotes.
SCHEMA_VERSION = "1.2"
#: A finding's verdict: the model's (:data:`.schema.Verdict`), or ``not_probed`` when it
#: wasn't shown and no probe for it was asked (the rubric's probes, :mod:`..probes`).
ReportVerdict = Literal["shown", "not_shown", "insufficient_evidence", "not_probed"]

NOTICE = (
    "Decision support, not a hiring decision. This report points to moments in the interview "
    "for a person to review; it infers nothing about the candidate's personal traits, and "
    "it can be wrong. Read the quotes in context before relying on any finding."
)
#: What a keyword-baseline report means, for its reader (LEXICAL_BANNER says how to do better).
LEXICAL_READER = (
    "Keyword baseline, not an AI judgement: these findings come only from matching phrases in "
    "the candidate's words. Treat them as pointers to read, not as verdicts."
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
    unverified_shown: int = Field(
        0,
        description="Parts of the interview the model judged it shown in, but with no quote that could be "
        "verified, so they didn't count (0 in reports before schema 1.2).",
    )

    @property
    def downgraded(self) -> bool:
        """A "shown" the model gave that didn't count because its quotes couldn't be verified."""
        return self.verdict != "shown" and self.unverified_shown > 0


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


WarningKind = Literal[
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
#: Who a warning is for: the person reading the report about the candidate ("reader"), or
#: whoever runs the tool ("operator": how the run was made, and how to make it better).
#: The only definition; every renderer splits warnings by it.
WARNING_AUDIENCE: dict[str, Literal["reader", "operator"]] = {
    "prompt_injection": "reader",
    "injection_review": "reader",
    "candidate_inferred": "reader",
    "all_speech": "reader",
    "partial": "reader",
    "parse": "reader",
    "language": "reader",
    "redaction": "reader",
    "other": "reader",
    # The model's quotes that didn't verify: the reader only sees verified ones, and a
    # "shown" that lost them says so on its own card (Finding.unverified_shown).
    "quote_dropped": "operator",
    "salvaged": "operator",
    "token_estimate": "operator",
    # Its message says how to configure a model; the reader gets LEXICAL_READER instead.
    "lexical_baseline": "operator",
}


class Warning(BaseModel):  # a report item; shadows the builtin only inside this module
    kind: WarningKind
    message: str
    quote: str | None = None
    turn: int | None = None

    @property
    def for_reader(self) -> bool:
        """Whether the report's reader needs it (else it is for whoever runs the tool)."""
        return WARNING_AUDIENCE.get(self.kind, "reader") == "reader"


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
    def judged_nothing(self) -> bool:
        """No part of the interview could be judged: a failed run, whatever its findings say."""
        return self.coverage.chunks_total > 0 and self.coverage.chunks_ok == 0

    @property
    def outcome(self) -> Literal["done", "partial", "failed"]:
        """How the run ended, as the web page and the history state it."""
        return "failed" if self.judged_nothing else "partial" if self.partial else "done"

    @property
    def findings(self) -> list[Finding]:
        return [*self.strengths, *self.red_flags]
