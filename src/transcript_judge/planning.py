"""Step 5: plan an analysis — the settings, the chunks, the prompt, the estimate.

:func:`plan_analysis` is pure and cheap: it sends nothing, and its :class:`Plan` is what
budgets (:meth:`Plan.estimate`), caches and recordings (:meth:`Plan.first_requests`)
reason about before a run. :func:`.analysis.run_analysis` carries a plan out.

Every default of an analysis is declared here, once (``DEFAULT_*``, the fields of
:class:`AnalysisSettings`); the configuration (:mod:`.config`) resolves the user's
choices into one frozen :class:`AnalysisSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast, get_args

from .chunking import Chunk, ChunkingSettings, chunk_transcript, compute_budget
from .errors import NoCandidateError
from .judge import DEFAULT_CONFIRM_THRESHOLD, JudgeSettings
from .lexical import LexicalTagger
from .llm.base import ChatRequest
from .pricing import NO_OVERRIDES, PriceOverrides, model_info
from .prompting import PromptBuilder, prompt_fingerprint
from .roles import RoleAssignment
from .rubric import Rubric
from .taggers import Estimate, Tagger, tagger_for
from .tokens import TokenCounter, get_counter
from .transcript import Transcript

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MODEL",
    "JUDGE_MODES",
    "JUDGE_MODE_SETTINGS",
    "LEXICAL_MODEL_LABEL",
    "PROBE_DETECTIONS",
    "AnalysisSettings",
    "JudgeMode",
    "Plan",
    "ProbeDetection",
    "TaggerName",
    "judge_mode_for",
    "plan_analysis",
]

DEFAULT_MODEL = "gpt-4.1-mini"
#: The model a report names when no model judged it (the keyword baseline).
LEXICAL_MODEL_LABEL = "lexical-baseline"
#: Model calls in flight at once, unless the user says otherwise (the adaptive limiter lowers it on 429s).
DEFAULT_CONCURRENCY = 4
#: Who tags the chunks (:mod:`.taggers`): a model, or the offline keyword baseline.
TaggerName = Literal["llm", "lexical"]
#: How the llm tagger judges a chunk: ``full`` (one answer for every criterion, quotes
#: found by the model), ``compact`` (the same, with a short prompt and a compact answer
#: of about half the answer tokens: ``prompts/compact_system.j2``, for small models) or
#: ``confirm`` (the keyword baseline proposes, the model confirms each proposal with a
#: yes/no; see ``confirm.py``).
JudgeMode = Literal["full", "compact", "confirm"]
JUDGE_MODES: tuple[str, ...] = get_args(JudgeMode)
#: What a user may set: a mode, or ``auto`` (:func:`judge_mode_for`).
JUDGE_MODE_SETTINGS: tuple[str, ...] = ("auto", *JUDGE_MODES)


def judge_mode_for(setting: str, *, local_server: bool) -> JudgeMode:
    """The judge mode a setting means. ``auto`` is ``confirm`` for a server on this machine
    or network, where the models measured were small (a 1.5B model: ``confirm`` matched its
    keyword baseline's macro-F1 in 28 s an interview, ``full`` scored lower in 150 s), and
    ``full`` for a hosted API, whose frontier models ``confirm`` would hold to the keyword
    baseline's recall (benchmarks/RESULTS.md, section 9)."""
    if setting == "auto":
        return "confirm" if local_server else "full"
    return cast(JudgeMode, setting)


#: How the probes asked are found (:mod:`.probes`): the rubric's cue phrases (no call), or
#: a model call per chunk over the interviewer's lines (:mod:`.probe_judge`; llm tagger only).
ProbeDetection = Literal["cues", "model"]
PROBE_DETECTIONS: tuple[str, ...] = ("cues", "model")


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that shapes an analysis besides the transcript and rubric."""

    model: str = DEFAULT_MODEL
    tagger: TaggerName = "llm"
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    concurrency: int = DEFAULT_CONCURRENCY
    temperature: float = 0.0
    max_output_tokens: int = 4000
    max_reasks: int = 1
    seed: int | None = None
    judge_mode: JudgeMode = "full"
    probe_detection: ProbeDetection = "cues"
    #: ``judge_mode = "confirm"``: the P(yes) a keyword match needs (:mod:`.confirm`).
    confirm_threshold: float = DEFAULT_CONFIRM_THRESHOLD
    #: The user's prices and context window (``TJ_PRICE_*``, ``TJ_CONTEXT_WINDOW``), resolved
    #: by :func:`.config.resolve_config`.
    pricing: PriceOverrides = NO_OVERRIDES

    @property
    def uses_model(self) -> bool:
        """Whether a model judges (else the keyword baseline does, and nothing is sent)."""
        return self.tagger == "llm"

    @property
    def model_label(self) -> str:
        """The model a run with these settings names in its report and history."""
        return self.model if self.uses_model else LEXICAL_MODEL_LABEL

    def judge_settings(self) -> JudgeSettings:
        return JudgeSettings(
            model=self.model,
            temperature=self.temperature,
            max_output_tokens=self.max_output_tokens,
            max_reasks=self.max_reasks,
            seed=self.seed,
            compact=self.judge_mode == "compact",
            confirm_threshold=self.confirm_threshold,
        )

    def fingerprint_settings(self) -> dict[str, object]:
        return {
            "model": self.model,
            "tagger": self.tagger,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "max_reasks": self.max_reasks,
            "seed": self.seed,
            "chunk_tokens": self.chunking.chunk_tokens,
            "overlap_tokens": self.chunking.overlap_tokens,
            "judge_mode": self.judge_mode,
            "probe_detection": self.probe_detection,
            **({"confirm_threshold": self.confirm_threshold} if self.judge_mode == "confirm" else {}),
        }


@dataclass
class Plan:
    transcript: Transcript
    roles: RoleAssignment
    rubric: Rubric
    settings: AnalysisSettings
    chunks: list[Chunk]
    budget: int
    counter: TokenCounter
    builder: PromptBuilder
    fingerprint: str
    static_tokens: int
    #: Who tags the chunks, chosen from the settings (:func:`.taggers.tagger_for`).
    tagger: Tagger

    def lexical_tagger(self) -> LexicalTagger:
        """The keyword baseline for this interview (it proposes, in ``confirm`` mode)."""
        return LexicalTagger(
            self.rubric,
            interview_has_probing_questions=LexicalTagger.probing_anywhere(self.rubric, self.chunks),
        )

    def first_requests(self, repeat_index: int = 0) -> list[ChatRequest]:
        """The request each chunk starts with: what a cache or a recording must hold."""
        return self.tagger.first_requests(self, repeat_index)

    def estimate(self) -> Estimate:
        """Calls and tokens before anything is sent (completion tokens at the reserve)."""
        return self.tagger.estimate(self)


def plan_analysis(transcript: Transcript, roles: RoleAssignment, rubric: Rubric, settings: AnalysisSettings) -> Plan:
    """Chunk the transcript to fit the model's context beside the prompt.

    Raises:
        NoCandidateError: the candidate has no turns to judge.
    """
    counter = get_counter(settings.model)
    builder = PromptBuilder(rubric)
    static = builder.static_prompt_tokens(counter.count)
    budget = compute_budget(
        settings.chunking,
        context_window=model_info(settings.model, settings.pricing).context_window,
        prompt_tokens=static,
    )
    chunks = chunk_transcript(
        transcript,
        roles,
        budget=budget,
        count_tokens=counter.count,
        overlap_tokens=settings.chunking.overlap_tokens,
    )
    if not chunks:
        raise NoCandidateError(
            f"The candidate ({roles.candidate!r}) has no turns to judge in this transcript.",
            hint="Check --candidate, or run `transcript-judge inspect FILE` to see who speaks.",
        )
    return Plan(
        transcript=transcript,
        roles=roles,
        rubric=rubric,
        settings=settings,
        chunks=chunks,
        budget=budget,
        counter=counter,
        builder=builder,
        fingerprint=prompt_fingerprint(rubric, settings.fingerprint_settings()),
        static_tokens=static,
        tagger=tagger_for(settings),
    )
