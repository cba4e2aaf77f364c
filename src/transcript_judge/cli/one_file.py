"""One file of ``analyse``, from reading to the report: what ``analyse FILE`` and
``analyse --batch`` share (the batch sends differently, nothing else).

:func:`prepare` reads, attributes, redacts and plans the file and checks the budget
(the application layer's steps, :mod:`transcript_judge.service`, with the terminal's
messages); :func:`finish_report` maps redacted quotes back and saves the report;
:func:`deliver` writes the report file and the terminal summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from .. import service
from ..config import ResolvedConfig
from ..planning import Plan
from ..report import format_for_path, render_pieces, render_terminal
from ..report.model import Report
from ..rubric import Rubric
from ..runs import RunOptions, RunSession
from ..store import write_private_text
from ..transcript import Transcript
from .common import EXIT_OK, EXIT_PARTIAL, err_console, max_bytes

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


@dataclass(frozen=True)
class Prepared:
    """One file, read, attributed, redacted and planned (:func:`.service.prepare`): ready to send."""

    file: Path
    ready: service.Prepared

    @property
    def plan(self) -> Plan:
        return self.ready.plan

    @property
    def original(self) -> Transcript:
        return self.ready.original

    @property
    def use_llm(self) -> bool:
        return self.plan.settings.uses_model

    def run_options(self, opts: AnalyseOptions) -> RunOptions:
        return RunOptions(
            cache=not opts.no_cache,
            resume=opts.resume,
            trace_path=opts.trace_path,
            trace_content=opts.trace_content,
            recorded={
                "redact": self.ready.redaction is not None,
                "redact_names": opts.redact_names,
                "redact_name_count": len(opts.redact_name),
                "candidate": self.plan.roles.candidate,
            },
        )


def prepare(file: Path, cfg: ResolvedConfig, rubric: Rubric, opts: AnalyseOptions) -> Prepared:
    """Read, attribute, redact and plan one file, and check the budget. Sends nothing."""
    choices = service.ReadChoices(opts.input_format, opts.candidate, opts.all_speech, max_bytes(opts.max_file_mb))
    transcript, roles = service.read(file, choices)
    tagger = service.choose_tagger(opts.tagger, llm_configured=cfg.llm_configured, require_llm=opts.require_llm)
    if tagger == "lexical" and not opts.quiet:
        err_console.print(
            "[bold yellow]No LLM configured: using the offline KEYWORD BASELINE, not an LLM judgement.[/]\n"
            "  Set OPENAI_API_KEY (or --base-url for Ollama/vLLM/llama.cpp) and --model for a real judgement.",
            highlight=False,
        )
    ready = service.prepare(
        transcript,
        roles,
        source_name=file.name,
        rubric=rubric,
        settings=cfg.analysis_settings(tagger=tagger),
        redaction=service.RedactChoices(opts.redact, opts.redact_names, opts.redact_name),
        budget=service.Budget(opts.max_cost, opts.max_tokens),
    )
    if opts.verbose:
        if ready.redaction is not None:
            err_console.print(f"redacted before sending: {ready.redaction.summary()}", highlight=False)
        estimate = ready.plan.estimate()
        err_console.print(
            f"{cfg.describe()}; {len(ready.plan.chunks)} chunk(s) of <= {ready.plan.budget} tokens; "
            f"estimate {estimate.prompt_tokens}+{estimate.completion_tokens} tokens",
            highlight=False,
        )
    return Prepared(file=file, ready=ready)


def finish_report(prepared: Prepared, session: RunSession, report: Report) -> Report:
    """Map redacted quotes back to the original words, and save the report to the history."""
    return session.finish(service.restore(prepared.ready, report))


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
