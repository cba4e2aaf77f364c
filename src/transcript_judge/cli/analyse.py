"""``transcript-judge analyse``: the main job."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click
from rich.console import Console

from ..analysis import AnalysisResult, AnalysisSettings, Event, plan_analysis, run_analysis
from ..chunking import ChunkingSettings
from ..config import resolve_config
from ..errors import BudgetExceededError, ConfigError
from ..llm.base import LLM
from ..llm.factory import build_llm
from ..llm.openai_client import OpenAIChatLLM
from ..report import format_for_path, render, render_terminal
from ..report.model import Report
from ..rubric import load_rubric
from .common import EXIT_PARTIAL, err_console, load_with_roles, setup_logging

__all__ = ["analyse", "schema"]


def _progress_printer(verbose: bool) -> object:
    def on_event(event: Event) -> None:
        if not verbose:
            return
        if event.kind == "planned":
            err_console.print(f"planned {event.total} chunk(s)", highlight=False)
        elif event.kind == "chunk_started":
            err_console.print(f"chunk {event.chunk}: sending", highlight=False)
        elif event.kind == "chunk_done":
            extra = f" ({event.detail})" if event.detail else ""
            err_console.print(f"chunk {event.chunk}: {event.status}{extra}", highlight=False, markup=False)
        elif event.kind == "rechunk":
            err_console.print(f"chunk {event.chunk}: {event.status}; {event.detail}", highlight=False)
    return on_event


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here (.json, .md, .html).")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "html"]), help="Report format (default: from -o's extension).")
@click.option("--candidate", help="The candidate's speaker label (overrides inference).")
@click.option("--all-speech-is-candidate", "all_speech", is_flag=True,
              help="For transcripts without speaker labels: treat all speech as the candidate's.")
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), help="A rubric file (TOML or JSON).")
@click.option("--model", help="Model name (or Azure deployment). Env: TJ_MODEL.")
@click.option("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1. Env: TJ_BASE_URL.")
@click.option("--config", "config_path", help="Config file (TOML). Env: TJ_CONFIG.")
@click.option("--tagger", type=click.Choice(["llm", "lexical"]), help="Force the keyword baseline with 'lexical'.")
@click.option("--require-llm", is_flag=True, help="Fail instead of falling back to the keyword baseline.")
@click.option("--concurrency", type=int, help="Chunks judged at once (default 4).")
@click.option("--chunk-tokens", type=int, help="Transcript tokens per chunk (default 8000).")
@click.option("--input-format", help="Force a reader instead of detecting the format.")
@click.option("--max-file-mb", type=float, help="Refuse files larger than this (default 25).")
@click.option("--max-cost", type=float, help="Refuse to start if the estimated cost (USD) is higher.")
@click.option("--max-tokens", type=int, help="Refuse to start if the estimated tokens are more.")
@click.option("-v", "--verbose", is_flag=True, help="Show progress and retries as they happen.")
@click.option("--quiet", is_flag=True, help="No terminal summary.")
@click.option("--debug", is_flag=True, help="Debug logging and tracebacks (no transcript text).")
@click.option("--log-transcript", is_flag=True, help="With --debug: also log request bodies (transcript text).")
def analyse(file: Path, output: Path | None, fmt: str | None, candidate: str | None, all_speech: bool,
            rubric_path: Path | None, model: str | None, base_url: str | None, config_path: str | None,
            tagger: str | None, require_llm: bool, concurrency: int | None, chunk_tokens: int | None,
            input_format: str | None, max_file_mb: float | None, max_cost: float | None,
            max_tokens: int | None, verbose: bool, quiet: bool, debug: bool, log_transcript: bool) -> None:
    """Analyse FILE: strengths and red flags of the candidate, with quotes."""
    setup_logging(verbose, log_transcript=log_transcript, debug=debug)
    report_format = format_for_path(output, fmt) if output else None
    cfg = resolve_config(model=model, base_url=base_url, config_path=config_path,
                         concurrency=concurrency, chunk_tokens=chunk_tokens)
    rubric = load_rubric(rubric_path)
    transcript, roles = load_with_roles(file, input_format=input_format, candidate=candidate,
                                        all_speech=all_speech, max_file_mb=max_file_mb)
    use_llm = tagger != "lexical" and cfg.llm_configured
    if tagger == "llm" and not cfg.llm_configured or require_llm and not use_llm:
        raise ConfigError(
            "No model is configured, and an LLM judgement was required.",
            hint="Set OPENAI_API_KEY (or TJ_API_KEY), or --base-url for a local OpenAI-compatible server.",
        )
    if not use_llm and not quiet:
        err_console.print(
            "[bold yellow]No LLM configured: using the offline KEYWORD BASELINE, not an LLM judgement.[/]\n"
            "  Set OPENAI_API_KEY (or --base-url for Ollama/vLLM/llama.cpp) and --model for a real judgement.",
            highlight=False,
        )
    settings = AnalysisSettings(
        model=cfg.client.model, tagger="llm" if use_llm else "lexical", concurrency=cfg.concurrency,
        chunking=ChunkingSettings(chunk_tokens=cfg.chunk_tokens),
    )
    plan = plan_analysis(transcript, roles, rubric, settings)
    estimate = plan.estimate()
    if use_llm and max_tokens is not None and estimate.prompt_tokens + estimate.completion_tokens > max_tokens:
        raise BudgetExceededError(
            f"Estimated {estimate.prompt_tokens + estimate.completion_tokens} tokens "
            f"({estimate.calls} calls) is over --max-tokens {max_tokens}. Nothing was sent.")
    if use_llm and max_cost is not None:
        if estimate.cost_usd is None:
            raise BudgetExceededError(
                f"--max-cost was set but the price of {cfg.client.model!r} is unknown. Nothing was sent.",
                hint="Set TJ_PRICE_INPUT and TJ_PRICE_OUTPUT (USD per million tokens).")
        if estimate.cost_usd > max_cost:
            raise BudgetExceededError(
                f"Estimated cost ${estimate.cost_usd:.4f} ({estimate.calls} calls) is over --max-cost "
                f"${max_cost:.4f}. Nothing was sent.")
    if verbose:
        err_console.print(f"{cfg.describe()}; {len(plan.chunks)} chunk(s) of <= {plan.budget} tokens; "
                          f"estimate {estimate.prompt_tokens}+{estimate.completion_tokens} tokens", highlight=False)

    async def go() -> AnalysisResult:
        llm: LLM | None = None
        client: OpenAIChatLLM | None = None
        if use_llm:
            client = build_llm(cfg.client)
            llm = client
        try:
            return await run_analysis(plan, llm, source_name=file.name,
                                      on_event=_progress_printer(verbose))  # type: ignore[arg-type]
        finally:
            if client is not None:
                await client.aclose()

    result = asyncio.run(go())
    report: Report = result.report
    if output and report_format:
        output.write_text(render(report, report_format, turns=transcript.turns), encoding="utf-8")
        if not quiet:
            err_console.print(f"report written to {output}", highlight=False)
    if not quiet:
        render_terminal(report, Console(soft_wrap=False))
    if report.partial:
        sys.exit(EXIT_PARTIAL)


@click.command()
def schema() -> None:
    """Print the report's JSON schema (versioned)."""
    click.echo(json.dumps(Report.model_json_schema(), indent=2))
