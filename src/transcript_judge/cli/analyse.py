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
from typing import Any

import click

from .. import service
from ..analysis import AnalysisResult
from ..config import ResolvedConfig, resolve_config
from ..errors import ConfigError, TranscriptJudgeError
from ..llm.base import LLM, stream_progress
from ..llm.factory import build_llm
from ..report import format_for_path
from ..report.model import Report
from ..rubric import Rubric, load_rubric
from ..runs import RunSession
from ..store import Store
from ..trace import CallStats
from .common import (
    candidate_options,
    combined_exit_code,
    err_console,
    judge_mode_option,
    model_options,
    redact_options,
    setup_logging,
    structured_output_option,
    timeout_option,
)
from .one_file import AnalyseOptions, Prepared, deliver, prepare
from .progress import StreamTally, call_printer, event_printer, heartbeat, show_retries, summary_line

__all__ = ["analyse", "schema"]


async def _run(prepared: Prepared, session: RunSession, cfg: ResolvedConfig, *, verbose: bool) -> AnalysisResult:
    """Run the file through the service, with the session's LLM stack (or none: the
    keyword baseline)."""
    on_event = event_printer(verbose)
    if not prepared.use_llm:
        return await service.run(prepared.ready, None, on_event=on_event)
    client = build_llm(cfg.client, modes=session.store)
    tally = StreamTally()
    stream_progress.set(tally)  # tasks inherit it: each streaming call reports its tokens
    beat: asyncio.Task[None] | None = None

    def wrap(llm: LLM) -> LLM:
        nonlocal beat
        stack = session.wrap(llm)
        if verbose:
            beat = asyncio.create_task(heartbeat(stack.stats, tally=tally))
        return stack

    try:
        return await service.run(prepared.ready, client, wrap=wrap, on_event=on_event)
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
@candidate_options
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), help="A rubric file (TOML or JSON).")
@model_options
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
@redact_options("before anything is sent")
@click.option(
    "--batch",
    is_flag=True,
    help="Send every chunk of every FILE through the OpenAI Batch API: half the price, results "
    "within 24 h, resumable (re-run the same command).",
)
@click.option(
    "--poll-interval", type=float, default=10.0, show_default=True, help="With --batch: seconds between status checks."
)
def analyse(**options: Any) -> None:
    """Analyse FILE(s): strengths and red flags of the candidate, with quotes."""
    sys.exit(analyse_files(AnalyseArgs(**options)))


@dataclass(frozen=True)
class AnalyseArgs(AnalyseOptions):
    """What ``analyse`` was asked: one field per option above, named as click names it
    (the per-file choices, :class:`.one_file.AnalyseOptions`, and the rest)."""

    files: tuple[Path, ...]
    output: Path | None
    rubric_path: Path | None
    model: str | None
    base_url: str | None
    config_path: str | None
    structured_output: str | None
    timeout_s: float | None
    judge_mode: str | None
    concurrency: int | None
    chunk_tokens: int | None
    debug: bool
    log_transcript: bool
    batch: bool
    poll_interval: float

    def config(self) -> ResolvedConfig:
        return resolve_config(
            model=self.model,
            base_url=self.base_url,
            config_path=self.config_path,
            concurrency=self.concurrency,
            chunk_tokens=self.chunk_tokens,
            structured_output=self.structured_output,
            timeout_s=self.timeout_s,
            judge_mode=self.judge_mode,
        )


def _check(args: AnalyseArgs) -> None:
    """Refuse combinations of options that can't work, before anything is read."""
    if args.resume and args.no_cache:
        raise ConfigError("--resume works through the cache; it can't be combined with --no-cache.")
    if args.resume and args.batch:
        raise ConfigError("--batch resumes by itself (re-run the same command); drop --resume.")
    if len(args.files) > 1 and args.output is not None and args.output.suffix:
        raise ConfigError("With several files, -o names a folder (each report is written there).")


def analyse_files(args: AnalyseArgs) -> int:
    """Analyse every file (or batch them); the exit code (:func:`.common.combined_exit_code`)."""
    setup_logging(args.verbose, log_transcript=args.log_transcript, debug=args.debug)
    if args.verbose and not (args.debug and args.log_transcript):
        show_retries()
    _check(args)
    cfg = args.config()
    rubric = load_rubric(args.rubric_path)
    opts: AnalyseOptions = args  # what each file's run needs of them
    if args.batch:
        from .batch_run import analyse_batch

        return analyse_batch(args.files, args.output, cfg, rubric, opts, poll_interval=args.poll_interval)
    if len(args.files) == 1:
        return _analyse_one(args.files[0], args.output, cfg, rubric, opts)  # errors propagate: one clear message
    codes: list[int] = []
    for file in args.files:
        try:
            target = _report_path(args.output, file, args.fmt) if args.output else None
            codes.append(_analyse_one(file, target, cfg, rubric, opts))
        except TranscriptJudgeError as e:
            err_console.print(f"[bold red]error:[/] {file}: {e}", highlight=False)
            codes.append(e.exit_code)
    return combined_exit_code(codes)


def _report_path(folder: Path, file: Path, fmt: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{file.stem}.{fmt or 'html'}"


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
        result = asyncio.run(_run(prepared, session, cfg, verbose=opts.verbose))
        report = session.finish(result.report)
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
