"""One file of ``analyse``, from reading to the report: what ``analyse FILE`` and
``analyse --batch`` share (the batch sends differently, nothing else).

:func:`prepare` reads, attributes, redacts and plans the file and checks the budget;
:func:`finish_report` maps redacted quotes back and saves the report; :func:`deliver`
writes the report file and the terminal summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ..analysis import Plan, plan_analysis
from ..config import ResolvedConfig
from ..errors import BudgetExceededError, ConfigError
from ..redaction import Redaction, redact_transcript, restore_report, speaker_names
from ..report import format_for_path, render_pieces, render_terminal
from ..report.model import Report
from ..rubric import Rubric
from ..runs import RunOptions, RunSession
from ..store import write_private_text
from ..transcript import Transcript
from .common import EXIT_OK, EXIT_PARTIAL, err_console, load_with_roles

__all__ = ["AnalyseOptions", "Prepared", "deliver", "finish_report", "prepare"]


@dataclass(frozen=True)
class AnalyseOptions:
    """The per-file choices of ``analyse`` (everything but the files and the model config)."""

    fmt: str | None
    candidate: str | None
    all_speech: bool
    tagger: str | None
    require_llm: bool
    input_format: str | None
    max_file_mb: float | None
    max_cost: float | None
    max_tokens: int | None
    verbose: bool
    quiet: bool
    no_cache: bool
    resume: bool
    trace_path: Path | None
    trace_content: bool
    redact: bool
    redact_names: bool
    redact_name: tuple[str, ...]


def _check_budget(plan: Plan, model: str, max_cost: float | None, max_tokens: int | None) -> None:
    estimate = plan.estimate()
    total = estimate.prompt_tokens + estimate.completion_tokens
    if max_tokens is not None and total > max_tokens:
        raise BudgetExceededError(
            f"Estimated {total} tokens ({estimate.calls} calls) is over --max-tokens {max_tokens}. Nothing was sent."
        )
    if max_cost is not None:
        if estimate.cost_usd is None:
            raise BudgetExceededError(
                f"--max-cost was set but the price of {model!r} is unknown. Nothing was sent.",
                hint="Set TJ_PRICE_INPUT and TJ_PRICE_OUTPUT (USD per million tokens).",
            )
        if estimate.cost_usd > max_cost:
            raise BudgetExceededError(
                f"Estimated cost ${estimate.cost_usd:.4f} ({estimate.calls} calls) is over --max-cost "
                f"${max_cost:.4f}. Nothing was sent."
            )


def _redact(transcript: Transcript, *, names: bool, extra: tuple[str, ...]) -> tuple[Transcript, Redaction]:
    wanted = [*(speaker_names(transcript) if names else []), *extra]
    return redact_transcript(transcript, names=wanted)


@dataclass(frozen=True)
class Prepared:
    """One file, read, attributed, redacted and planned: ready to send."""

    file: Path
    original: Transcript
    plan: Plan
    redaction: Redaction | None
    use_llm: bool

    def run_options(self, opts: AnalyseOptions) -> RunOptions:
        return RunOptions(
            cache=not opts.no_cache,
            resume=opts.resume,
            trace_path=opts.trace_path,
            trace_content=opts.trace_content,
            recorded={
                "redact": self.redaction is not None,
                "redact_names": opts.redact_names,
                "redact_name_count": len(opts.redact_name),
                "candidate": self.plan.roles.candidate,
            },
        )


def prepare(file: Path, cfg: ResolvedConfig, rubric: Rubric, opts: AnalyseOptions) -> Prepared:
    """Read, attribute, redact and plan one file, and check the budget. Sends nothing."""
    transcript, roles = load_with_roles(
        file,
        input_format=opts.input_format,
        candidate=opts.candidate,
        all_speech=opts.all_speech,
        max_file_mb=opts.max_file_mb,
    )
    use_llm = opts.tagger != "lexical" and cfg.llm_configured
    if (opts.tagger == "llm" and not cfg.llm_configured) or (opts.require_llm and not use_llm):
        raise ConfigError(
            "No model is configured, and an LLM judgement was required.",
            hint="Set OPENAI_API_KEY (or TJ_API_KEY), or --base-url for a local OpenAI-compatible server.",
        )
    if not use_llm and not opts.quiet:
        err_console.print(
            "[bold yellow]No LLM configured: using the offline KEYWORD BASELINE, not an LLM judgement.[/]\n"
            "  Set OPENAI_API_KEY (or --base-url for Ollama/vLLM/llama.cpp) and --model for a real judgement.",
            highlight=False,
        )
    original = transcript
    redaction: Redaction | None = None
    if opts.redact or opts.redact_names or opts.redact_name:
        transcript, redaction = _redact(transcript, names=opts.redact_names, extra=opts.redact_name)
        if opts.verbose:
            err_console.print(f"redacted before sending: {redaction.summary()}", highlight=False)
    settings = cfg.analysis_settings(tagger="llm" if use_llm else "lexical")
    plan = plan_analysis(transcript, roles, rubric, settings)
    if use_llm:
        _check_budget(plan, cfg.client.model, opts.max_cost, opts.max_tokens)
    if opts.verbose:
        estimate = plan.estimate()
        err_console.print(
            f"{cfg.describe()}; {len(plan.chunks)} chunk(s) of <= {plan.budget} tokens; "
            f"estimate {estimate.prompt_tokens}+{estimate.completion_tokens} tokens",
            highlight=False,
        )
    return Prepared(file=file, original=original, plan=plan, redaction=redaction, use_llm=use_llm)


def finish_report(prepared: Prepared, session: RunSession, report: Report) -> Report:
    """Map redacted quotes back to the original words, and save the report to the history."""
    if prepared.redaction is not None:
        report = restore_report(report, prepared.redaction)
    return session.finish(report)


def deliver(prepared: Prepared, report: Report, output: Path | None, opts: AnalyseOptions) -> int:
    """Write the report file and the terminal summary; the exit code for this file."""
    if output is not None:
        # 0600: a report quotes the interview (store.write_private_text)
        pieces = render_pieces(report, format_for_path(output, opts.fmt), turns=prepared.original.turns)
        write_private_text(output, pieces)
        if not opts.quiet:
            err_console.print(f"report written to {output}", highlight=False)
    if not opts.quiet:
        render_terminal(report, Console(soft_wrap=False))
    return EXIT_PARTIAL if report.partial else EXIT_OK
