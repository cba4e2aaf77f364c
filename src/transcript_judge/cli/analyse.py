"""``transcript-judge analyse``: the main job.

Around the pipeline, this command: redacts (``--redact``) before planning, records the
run in the store before sending, answers from the cache and writes every usable answer
as it arrives (``--no-cache`` bypasses it; ``--resume`` picks up an interrupted run),
traces every call, and prints a one-line summary at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console

from ..analysis import AnalysisResult, Plan, plan_analysis, run_analysis
from ..config import ResolvedConfig, resolve_config
from ..errors import BudgetExceededError, ConfigError, TranscriptJudgeError
from ..llm.base import stream_progress
from ..llm.factory import build_llm
from ..redaction import Redaction, redact_transcript, restore_report, speaker_names
from ..report import format_for_path, render_pieces, render_terminal
from ..report.model import Report
from ..rubric import Rubric, load_rubric
from ..runs import RunOptions, RunSession
from ..store import Store, write_private_text
from ..trace import CallStats
from ..transcript import Transcript
from .common import (
    EXIT_PARTIAL,
    combined_exit_code,
    err_console,
    judge_mode_option,
    load_with_roles,
    setup_logging,
    structured_output_option,
    timeout_option,
)
from .progress import StreamTally, call_printer, event_printer, heartbeat, show_retries, summary_line

__all__ = ["AnalyseOptions", "Prepared", "analyse", "deliver", "finish_report", "prepare", "schema"]


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


async def _run(
    plan: Plan, session: RunSession, cfg: ResolvedConfig | None, *, source_name: str, verbose: bool
) -> AnalysisResult:
    """Run the pipeline with the session's LLM stack (or none: the keyword baseline)."""
    if cfg is None:
        return await run_analysis(plan, None, source_name=source_name, on_event=event_printer(verbose))
    client = build_llm(cfg.client, modes=session.store)
    llm = session.wrap(client)
    tally = StreamTally()
    stream_progress.set(tally)  # tasks inherit it: each streaming call reports its tokens
    beat = asyncio.create_task(heartbeat(llm.stats, tally=tally)) if verbose else None
    try:
        return await run_analysis(plan, llm, source_name=source_name, on_event=event_printer(verbose))
    finally:
        if beat is not None:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await client.aclose()


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the report here (.json, .md, .html); with several files, a folder.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "md", "html"]), help="Report format (default: from -o's extension)."
)
@click.option("--candidate", help="The candidate's speaker label (overrides inference).")
@click.option(
    "--all-speech-is-candidate",
    "all_speech",
    is_flag=True,
    help="For transcripts without speaker labels: treat all speech as the candidate's.",
)
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), help="A rubric file (TOML or JSON).")
@click.option("--model", help="Model name (or Azure deployment). Env: TJ_MODEL.")
@click.option("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1. Env: TJ_BASE_URL.")
@click.option("--config", "config_path", help="Config file (TOML). Env: TJ_CONFIG.")
@structured_output_option
@timeout_option
@judge_mode_option
@click.option("--tagger", type=click.Choice(["llm", "lexical"]), help="Force the keyword baseline with 'lexical'.")
@click.option("--require-llm", is_flag=True, help="Fail instead of falling back to the keyword baseline.")
@click.option("--concurrency", type=int, help="Most model calls in flight (default 4; halves on 429s).")
@click.option("--chunk-tokens", type=int, help="Transcript tokens per chunk (default 8000).")
@click.option("--input-format", help="Force a reader instead of detecting the format.")
@click.option("--max-file-mb", type=float, help="Refuse files larger than this (default 25).")
@click.option("--max-cost", type=float, help="Refuse to start if the estimated cost (USD) is higher.")
@click.option("--max-tokens", type=int, help="Refuse to start if the estimated tokens are more.")
@click.option("-v", "--verbose", is_flag=True, help="Show progress and retries as they happen.")
@click.option("--quiet", is_flag=True, help="No terminal summary.")
@click.option("--debug", is_flag=True, help="Debug logging and tracebacks (no transcript text).")
@click.option("--log-transcript", is_flag=True, help="With --debug: also log request bodies (transcript text).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the response cache.")
@click.option(
    "--resume", is_flag=True, help="Pick up the latest unfinished run of this transcript: only missing chunks are sent."
)
@click.option(
    "--trace",
    "trace_path",
    type=click.Path(path_type=Path),
    help="Append the per-call trace (JSON lines) here (default: TJ_HOME/traces/DATE.jsonl).",
)
@click.option("--trace-content", is_flag=True, help="Also put prompts and answers (transcript text) in the trace.")
@click.option(
    "--redact", is_flag=True, help="Replace emails, phone numbers and URLs with placeholders before anything is sent."
)
@click.option("--redact-names", is_flag=True, help="Also redact the names in the speaker labels (implies --redact).")
@click.option(
    "--redact-name",
    "redact_name",
    multiple=True,
    metavar="NAME",
    help="Also redact this name (repeatable; implies --redact).",
)
@click.option(
    "--batch",
    is_flag=True,
    help="Send every chunk of every FILE through the OpenAI Batch API: half the price, results "
    "within 24 h, resumable (re-run the same command).",
)
@click.option(
    "--poll-interval", type=float, default=10.0, show_default=True, help="With --batch: seconds between status checks."
)
def analyse(
    files: tuple[Path, ...],
    output: Path | None,
    fmt: str | None,
    candidate: str | None,
    all_speech: bool,
    rubric_path: Path | None,
    model: str | None,
    base_url: str | None,
    config_path: str | None,
    structured_output: str | None,
    timeout_s: float | None,
    judge_mode: str | None,
    tagger: str | None,
    require_llm: bool,
    concurrency: int | None,
    chunk_tokens: int | None,
    input_format: str | None,
    max_file_mb: float | None,
    max_cost: float | None,
    max_tokens: int | None,
    verbose: bool,
    quiet: bool,
    debug: bool,
    log_transcript: bool,
    no_cache: bool,
    resume: bool,
    trace_path: Path | None,
    trace_content: bool,
    redact: bool,
    redact_names: bool,
    redact_name: tuple[str, ...],
    batch: bool,
    poll_interval: float,
) -> None:
    """Analyse FILE(s): strengths and red flags of the candidate, with quotes."""
    setup_logging(verbose, log_transcript=log_transcript, debug=debug)
    if verbose and not (debug and log_transcript):
        show_retries()
    if resume and no_cache:
        raise ConfigError("--resume works through the cache; it can't be combined with --no-cache.")
    if resume and batch:
        raise ConfigError("--batch resumes by itself (re-run the same command); drop --resume.")
    cfg = resolve_config(
        model=model,
        base_url=base_url,
        config_path=config_path,
        concurrency=concurrency,
        chunk_tokens=chunk_tokens,
        structured_output=structured_output,
        timeout_s=timeout_s,
        judge_mode=judge_mode,
    )
    rubric = load_rubric(rubric_path)
    opts = AnalyseOptions(
        fmt=fmt,
        candidate=candidate,
        all_speech=all_speech,
        tagger=tagger,
        require_llm=require_llm,
        input_format=input_format,
        max_file_mb=max_file_mb,
        max_cost=max_cost,
        max_tokens=max_tokens,
        verbose=verbose,
        quiet=quiet,
        no_cache=no_cache,
        resume=resume,
        trace_path=trace_path,
        trace_content=trace_content,
        redact=redact,
        redact_names=redact_names,
        redact_name=redact_name,
    )
    if batch:
        from .batch_run import analyse_batch

        sys.exit(analyse_batch(files, output, cfg, rubric, opts, poll_interval=poll_interval))
    if len(files) == 1:
        code = _analyse_one(files[0], output, cfg, rubric, opts)  # errors propagate: one clear message
        sys.exit(code)
    if output is not None and output.suffix:
        raise ConfigError("With several files, -o names a folder (each report is written there).")
    codes: list[int] = []
    for file in files:
        try:
            target = _report_path(output, file, fmt) if output else None
            codes.append(_analyse_one(file, target, cfg, rubric, opts))
        except TranscriptJudgeError as e:
            err_console.print(f"[bold red]error:[/] {file}: {e}", highlight=False)
            codes.append(e.exit_code)
    sys.exit(combined_exit_code(codes))


def _report_path(folder: Path, file: Path, fmt: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{file.stem}.{fmt or 'html'}"


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
    return EXIT_PARTIAL if report.partial else 0


def _analyse_one(file: Path, output: Path | None, cfg: ResolvedConfig, rubric: Rubric, opts: AnalyseOptions) -> int:
    """Analyse one file; the exit code (0, or 3 for a partial result)."""
    started = time.monotonic()
    if output is not None:
        format_for_path(output, opts.fmt)  # a bad -o fails before anything is sent
    prepared = prepare(file, cfg, rubric, opts)
    stats: CallStats | None = None
    with (
        Store.open() as store,
        RunSession(
            store,
            prepared.plan,
            source=file,
            original=prepared.original,
            options=prepared.run_options(opts),
            on_call=call_printer() if opts.verbose else None,
        ) as session,
    ):
        if opts.resume:
            _announce_resume(session, cfg.client.endpoint, quiet=opts.quiet)
        result = asyncio.run(
            _run(prepared.plan, session, cfg if prepared.use_llm else None, source_name=file.name, verbose=opts.verbose)
        )
        report = finish_report(prepared, session, result.report)
        stats = session.tracer.stats if session.tracer is not None else None
    code = deliver(prepared, report, output, opts)
    if not opts.quiet:
        if opts.resume:
            from_cache = sum(1 for c in report.coverage.chunks if c.calls and c.cache_hits == c.calls)
            err_console.print(
                f"resume: {from_cache} of {len(report.coverage.chunks)} chunk(s) came from the "
                "cache; the rest were sent.",
                highlight=False,
            )
        line = summary_line(report, stats, time.monotonic() - started, pricing=cfg.pricing)
        err_console.print(line, highlight=False, markup=False)
        err_console.print(
            f"saved as analysis {report.analysis_id} (transcript-judge show {report.analysis_id})",
            highlight=False,
            markup=False,
        )
    return code


def _announce_resume(session: RunSession, endpoint: str, *, quiet: bool) -> None:
    if quiet:
        return
    prev = session.previous
    if prev is None:
        err_console.print(
            "resume: no unfinished run of this transcript in the store; running it in full "
            "(any cached answers are still used).",
            highlight=False,
        )
        return
    cached = session.cached_chunks(endpoint)
    err_console.print(
        f"resume: picking up run {prev.id} ({prev.status}, started {prev.started_at[:19]}); "
        f"{cached} of {len(session.plan.chunks)} chunk(s) already answered.",
        highlight=False,
        markup=False,
    )
    for problem in session.resume_mismatch():
        err_console.print(f"  warning: {problem}; its cached answers won't match.", highlight=False, markup=False)


@click.command()
def schema() -> None:
    """Print the report's JSON schema (versioned)."""
    click.echo(json.dumps(Report.model_json_schema(), indent=2))
