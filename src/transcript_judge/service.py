"""The application layer: one interview, from a file or an upload to a finished report.

Every front end goes through here, so they can't drift apart: ``analyse`` and
``analyse --batch`` (:mod:`.cli.one_file`), the web app (:mod:`.web.pipeline`) and ``eval``
(:mod:`.evaluation.runner`). What each adds is its own: the CLI's terminal and report
file, the web's job and page, eval's scoring. The steps:

1. :func:`choose_tagger` — a model, or the keyword baseline, from what was asked and what
   is configured (an explicit demand for a model with none configured is an error);
2. :func:`.intake.read` — parse (:mod:`.ingest`) and find the candidate (:mod:`.roles`);
   when the candidate can't be told safely, :class:`.intake.CandidateNeeded` names the
   speakers to ask about (``inspect`` uses this step alone);
3. :func:`prepare` — redact (:mod:`.redaction`) before anything leaves the machine, plan
   (:mod:`.planning`), and check the budget (:class:`Budget`) before anything is sent;
4. :func:`run` — the pipeline (:func:`.analysis.run_analysis`) through the run's LLM stack
   (:func:`.runs.run_stack`, built by the caller, which owns the store), with the redacted
   quotes mapped back to the words said (:func:`restore`).

Nothing here prints: problems are exceptions from :mod:`.errors`, and progress is events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .analysis import AnalysisResult, run_analysis
from .errors import BudgetExceededError, ConfigError
from .events import EventCallback
from .history import transcript_digest
from .intake import CandidateNeeded, ReadChoices, attribute, read
from .llm.base import LLM
from .planning import AnalysisSettings, Plan, TaggerName, plan_analysis
from .redaction import Redaction, redact_transcript, restore_report, speaker_names
from .report.model import Report, Warning
from .roles import RoleAssignment
from .rubric import Rubric
from .transcript import Transcript

__all__ = [
    "NOT_REDACTED",
    "UNLIMITED",
    "Budget",
    "CandidateNeeded",
    "Prepared",
    "ReadChoices",
    "RedactChoices",
    "attribute",
    "choose_tagger",
    "prepare",
    "read",
    "restore",
    "run",
]

_NO_MODEL_HINT = "Set OPENAI_API_KEY (or TJ_API_KEY), or --base-url for a local OpenAI-compatible server."


def choose_tagger(requested: str | None, *, llm_configured: bool, require_llm: bool = False) -> TaggerName:
    """Who judges: the model unless the baseline was asked for or no model is configured.

    Raises:
        ConfigError: a model was required (``--tagger llm``, ``--require-llm``) and none is configured.
    """
    use_llm = requested != "lexical" and llm_configured
    if (requested == "llm" and not llm_configured) or (require_llm and not use_llm):
        raise ConfigError("No model is configured, and an LLM judgement was required.", hint=_NO_MODEL_HINT)
    return "llm" if use_llm else "lexical"


@dataclass(frozen=True)
class RedactChoices:
    """What to take out of the transcript before it is sent (and put back in the report)."""

    redact: bool = False  # contact details, numbers, addresses
    names: bool = False  # the speakers' names too
    extra: tuple[str, ...] = ()  # and these words

    @property
    def wanted(self) -> bool:
        return self.redact or self.names or bool(self.extra)


@dataclass(frozen=True)
class Budget:
    """Limits on what a run may spend, checked against the plan before anything is sent."""

    max_cost: float | None = None
    max_tokens: int | None = None

    def check(self, plan: Plan) -> None:
        """Raises:
        BudgetExceededError: the estimate is over a limit, or a cost limit is set and the
            model's price is unknown.
        """
        if not plan.settings.uses_model:
            return
        estimate = plan.estimate()
        total = estimate.total_tokens
        if self.max_tokens is not None and total > self.max_tokens:
            raise BudgetExceededError(
                f"Estimated {total} tokens ({estimate.calls} calls) is over --max-tokens {self.max_tokens}. "
                "Nothing was sent."
            )
        if self.max_cost is None:
            return
        if estimate.cost_usd is None:
            raise BudgetExceededError(
                f"--max-cost was set but the price of {plan.settings.model!r} is unknown. Nothing was sent.",
                hint="Set TJ_PRICE_INPUT and TJ_PRICE_OUTPUT (USD per million tokens).",
            )
        if estimate.cost_usd > self.max_cost:
            raise BudgetExceededError(
                f"Estimated cost ${estimate.cost_usd:.4f} ({estimate.calls} calls) is over --max-cost "
                f"${self.max_cost:.4f}. Nothing was sent."
            )


#: Nothing redacted; no limit on tokens or cost (the defaults of :func:`prepare`).
NOT_REDACTED = RedactChoices()
UNLIMITED = Budget()


@dataclass(frozen=True)
class Prepared:
    """One interview read, attributed, redacted and planned: ready to send."""

    source_name: str
    #: The transcript as read (before redaction): what the report's page shows.
    original: Transcript
    #: Of the transcript as read: what ``--resume`` and the history match on.
    digest: str
    redaction: Redaction | None
    plan: Plan

    @property
    def roles(self) -> RoleAssignment:
        return self.plan.roles


def prepare(
    transcript: Transcript,
    roles: RoleAssignment,
    *,
    source_name: str,
    rubric: Rubric,
    settings: AnalysisSettings,
    redaction: RedactChoices = NOT_REDACTED,
    budget: Budget = UNLIMITED,
) -> Prepared:
    """Redact, plan and check the budget. Sends nothing.

    Raises:
        NoCandidateError: the candidate has no turns to judge.
        BudgetExceededError: as :meth:`Budget.check`.
    """
    work, applied = transcript, None
    if redaction.wanted:
        wanted = [*(speaker_names(transcript) if redaction.names else []), *redaction.extra]
        work, applied = redact_transcript(transcript, names=wanted)
    plan = plan_analysis(work, roles, rubric, settings)
    budget.check(plan)
    return Prepared(source_name, transcript, transcript_digest(transcript), applied, plan)


def restore(prepared: Prepared, report: Report) -> Report:
    """The report with redacted quotes mapped back to the words said."""
    return report if prepared.redaction is None else restore_report(report, prepared.redaction)


async def run(
    prepared: Prepared,
    llm: LLM | None,
    *,
    wrap: Callable[[LLM], LLM] | None = None,
    on_event: EventCallback | None = None,
    repeat_index: int = 0,
    extra_warnings: list[Warning] | None = None,
) -> AnalysisResult:
    """Run the pipeline; ``wrap`` puts the run's stack (cache, trace) in front of ``llm``.

    No model (``llm`` None, or the plan is the keyword baseline's) runs the baseline and
    sends nothing.

    Raises:
        LLMError: a failure every chunk would share (auth, model not found).
    """
    stack = llm if llm is None or wrap is None or not prepared.plan.settings.uses_model else wrap(llm)
    result = await run_analysis(
        prepared.plan,
        stack,
        source_name=prepared.source_name,
        repeat_index=repeat_index,
        on_event=on_event,
        extra_warnings=extra_warnings,
    )
    result.report = restore(prepared, result.report)
    return result
