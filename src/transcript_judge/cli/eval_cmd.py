"""``transcript-judge eval``: measure tagging accuracy on a labelled dataset, compare with a
baseline, and gate a change."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from .._version import __version__
from ..config import ResolvedConfig, resolve_config
from ..errors import ConfigError, InputError, ReplayMissError, TranscriptJudgeError
from ..evaluation.baseline import EvalReport, compare, evaluate_gate, load_baseline, load_gate
from ..evaluation.dataset import Dataset, load_dataset
from ..evaluation.recording import RecordingLLM, ReplayLLM
from ..evaluation.render import render_eval, render_eval_terminal
from ..evaluation.runner import CaseRun, EvalSettings, run_eval, run_eval_batch
from ..evaluation.scoring import score
from ..llm.base import LLM
from ..llm.cache import CachingLLM
from ..llm.factory import build_llm, close_llm, http_client_factory
from ..planning import DEFAULT_CONCURRENCY, TaggerName, plan_analysis
from ..report.render import format_for_path
from ..roles import assign_roles
from ..rubric import Rubric, load_rubric
from ..store import Store, write_private_text
from .common import (
    EXIT_GATE_FAILED,
    err_console,
    judge_mode_option,
    setup_logging,
    structured_output_option,
    timeout_option,
)
from .progress import progress_bar

if TYPE_CHECKING:  # batch.py imports the SDK: only when a batch runs
    from ..batch import BatchProgress

__all__ = ["eval_cmd"]

DEFAULT_GATE = Path("evals/gate.toml")


def _default_gate(dataset_dir: Path) -> Path:
    """The gate beside the dataset (``evals/dev`` → ``evals/gate.toml``), wherever eval runs
    from; never silently none.

    Raises:
        ConfigError: no gate file was found (pass --gate FILE or --no-gate).
    """
    looked = [dataset_dir / "gate.toml", dataset_dir.parent / "gate.toml", DEFAULT_GATE]
    for path in looked:
        if path.is_file():
            return path
    raise ConfigError(
        "No gate file found (looked in " + ", ".join(str(p) for p in looked) + "); a regression would pass unseen.",
        hint="Pass --gate FILE, or --no-gate to report without thresholds.",
    )


def _parse_taggers(values: tuple[str, ...]) -> tuple[TaggerName, ...]:
    names: list[TaggerName] = []
    for v in values or ("llm",):
        for part in v.split(","):
            part = part.strip()
            if part not in ("llm", "lexical"):
                raise click.BadParameter(f"unknown tagger {part!r} (llm or lexical)", param_hint="--tagger")
            if part not in names:
                names.append(part)  # type: ignore[arg-type]
    return tuple(names)


def _eval_stack(llm: LLM, store: Store, *, cache: bool, record_dir: Path | None) -> LLM:
    """The stack in front of the model for ``eval``, live or through the Batch API: the
    cache (not linked to an analysis: an eval is not one), and the recorder if asked."""
    cached: LLM = CachingLLM(llm, store, enabled=cache)
    return RecordingLLM(cached, record_dir) if record_dir else cached


def _missing_recordings(replay: ReplayLLM, dataset: Dataset, rubric: Rubric, settings: EvalSettings) -> tuple[int, int]:
    """Count the first requests of every case and repeat that have no recording."""
    missing = total = 0
    for case in dataset.cases:
        transcript = dataset.transcripts.get(case.id)
        if transcript is None:
            continue  # unreadable: it fails on its own, visibly, and needs no recording
        try:
            roles = assign_roles(transcript, candidate=case.candidate if settings.use_labelled_candidate else None)
        except TranscriptJudgeError:
            continue  # that case fails on its own, visibly
        plan = plan_analysis(transcript, roles, rubric, settings.analysis)
        for r in range(settings.repeats):
            for request in plan.first_requests(r):
                total += 1
                missing += int(not replay.has(request))
    return missing, total


@click.command("eval")
@click.option(
    "--dataset",
    "dataset_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder with dataset.jsonl and the transcripts.",
)
@click.option("--model", help="Model name. Env: TJ_MODEL.")
@click.option("--base-url", help="OpenAI-compatible endpoint. Env: TJ_BASE_URL.")
@click.option("--config", "config_path", help="Config file (TOML).")
@structured_output_option
@timeout_option
@judge_mode_option
@click.option("--tagger", "taggers", multiple=True, help="llm, lexical, or both (llm,lexical) side by side.")
@click.option("--repeats", type=click.IntRange(1, 50), default=1, show_default=True, help="Runs per case (epochs).")
@click.option("--reducer", type=click.Choice(["majority", "any", "all"]), default="majority", show_default=True)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="LLM calls in flight.",
)
@click.option("--no-cache", is_flag=True, help="Don't read or write the response cache.")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), help="Record every response here.")
@click.option("--replay", "replay_dir", type=click.Path(path_type=Path), help="Answer only from recordings; no calls.")
@click.option("--save-baseline", type=click.Path(path_type=Path), help="Save this run as a baseline.")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path), help="Compare with a saved baseline.")
@click.option("--gate", "gate_path", type=click.Path(path_type=Path), help="Gate thresholds (default evals/gate.toml).")
@click.option("--no-gate", is_flag=True, help="Report only; never fail on thresholds.")
@click.option("--use-labelled-candidate", is_flag=True, help="Give the labelled candidate instead of inferring it.")
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), help="A rubric file.")
@click.option("--chunk-tokens", type=int, help="Transcript tokens per chunk.")
@click.option(
    "--resamples", type=click.IntRange(100, 100_000), default=1000, show_default=True, help="Bootstrap resamples."
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report (.json, .md, .html).")
@click.option(
    "--batch",
    is_flag=True,
    help="Send the llm tagger's calls through the OpenAI Batch API (half price, within 24 h, resumable).",
)
@click.option(
    "--poll-interval", type=float, default=10.0, show_default=True, help="With --batch: seconds between checks."
)
@click.option(
    "--fail-fast",
    is_flag=True,
    help="Stop at the first case whose transcript can't be read (default: count it as failed).",
)
@click.option("-v", "--verbose", is_flag=True)
def eval_cmd(
    dataset_dir: Path,
    model: str | None,
    base_url: str | None,
    config_path: str | None,
    structured_output: str | None,
    timeout_s: float | None,
    judge_mode: str | None,
    taggers: tuple[str, ...],
    repeats: int,
    reducer: str,
    concurrency: int,
    no_cache: bool,
    record_dir: Path | None,
    replay_dir: Path | None,
    save_baseline: Path | None,
    baseline_path: Path | None,
    gate_path: Path | None,
    no_gate: bool,
    use_labelled_candidate: bool,
    rubric_path: Path | None,
    chunk_tokens: int | None,
    resamples: int,
    output: Path | None,
    batch: bool,
    poll_interval: float,
    fail_fast: bool,
    verbose: bool,
) -> None:
    """Measure tagging accuracy on a labelled dataset; compare with a baseline; gate."""
    setup_logging(verbose)
    tagger_names = _parse_taggers(taggers)
    if record_dir and replay_dir:
        raise ConfigError("--record and --replay can't be used together.")
    if batch and (replay_dir or "llm" not in tagger_names):
        raise ConfigError(
            "--batch sends the llm tagger's calls to the Batch API; it needs --tagger llm and no --replay."
        )
    out_format = format_for_path(output) if output else None
    rubric = load_rubric(rubric_path)
    dataset = load_dataset(dataset_dir, rubric, fail_fast=fail_fast)
    for case_id, why in dataset.unreadable.items():
        err_console.print(f"warning: case {case_id}: {why}; it counts as a failed case.", markup=False, highlight=False)
    cfg = resolve_config(
        model=model,
        base_url=base_url,
        config_path=config_path,
        chunk_tokens=chunk_tokens,
        structured_output=structured_output,
        timeout_s=timeout_s,
        judge_mode=judge_mode,
    )
    settings = EvalSettings(
        analysis=cfg.analysis_settings(concurrency=min(DEFAULT_CONCURRENCY, concurrency)),
        taggers=tagger_names,
        repeats=repeats,
        concurrency=concurrency,
        reducer=reducer,  # type: ignore[arg-type]
        use_labelled_candidate=use_labelled_candidate,
    )
    gate = None if no_gate else load_gate(gate_path or _default_gate(dataset_dir))
    baseline = load_baseline(baseline_path) if baseline_path else None

    started = datetime.now(UTC)
    if batch:
        if not cfg.llm_configured:
            raise ConfigError("--batch needs a model.", hint="Set OPENAI_API_KEY.")
        runs = asyncio.run(
            _go_batch(
                dataset,
                rubric,
                settings,
                cfg,
                no_cache=no_cache,
                record_dir=record_dir,
                poll_interval=poll_interval,
                verbose=verbose,
            )
        )
    else:
        llm, store = _model_for(dataset, rubric, settings, cfg, no_cache=no_cache, record=record_dir, replay=replay_dir)
        runs = asyncio.run(_go_live(dataset, rubric, settings, llm, store))
    scores = [
        score(
            dataset,
            rubric,
            runs,
            tagger=t,
            model=cfg.client.model,
            reducer=reducer,  # type: ignore[arg-type]
            resamples=resamples,
        )
        for t in tagger_names
    ]
    missing_runs = sum(1 for r in runs if r.status == "missing")
    report = EvalReport(
        tool_version=__version__,
        created_at=started,
        dataset=str(dataset_dir),
        dataset_digest=dataset.digest,
        model=cfg.client.model,
        repeats=repeats,
        reducer=reducer,
        taggers=scores,
        missing_recordings=missing_runs,
    )
    primary = scores[0]
    if baseline is not None:
        report.comparison = compare(baseline, primary, dataset, resamples=resamples)
        if report.comparison is None:
            err_console.print(f"warning: the baseline has no {primary.tagger!r} tagger to compare with.", markup=False)
    if gate is not None:
        report.gate = evaluate_gate(gate, primary, report.comparison)
    _write(report, save_baseline=save_baseline, output=output, out_format=out_format)
    render_eval_terminal(report, Console(soft_wrap=True))
    _exit_for(report, dataset)


def _model_for(
    dataset: Dataset,
    rubric: Rubric,
    settings: EvalSettings,
    cfg: ResolvedConfig,
    *,
    no_cache: bool,
    record: Path | None,
    replay: Path | None,
) -> tuple[LLM | None, Store | None]:
    """The model the llm tagger talks to (recordings, or the configured one behind the
    cache), and the store to close after; nothing for a lexical-only run.

    Raises:
        ReplayMissError: ``replay`` lacks answers this run needs (nothing is sent).
        ConfigError: the llm tagger is asked for and no model is configured.
    """
    if "llm" not in settings.taggers:
        return None, None
    if replay:
        replaying = ReplayLLM(replay)
        missing, total = _missing_recordings(replaying, dataset, rubric, settings)
        if missing:
            raise ReplayMissError(
                f"{missing} of {total} responses needed for this run are not recorded in {replay}. "
                "Nothing was sent and nothing was scored.",
                hint=f"The prompt, rubric, model or settings changed since recording. Re-record with "
                f"--record {replay} against a live model (or drop --replay).",
            )
        return replaying, None
    if not cfg.llm_configured:
        raise ConfigError(
            "The llm tagger needs a model, and none is configured.",
            hint="Set OPENAI_API_KEY or --base-url, use --replay DIR, or run --tagger lexical.",
        )
    store = Store.open()
    return _eval_stack(build_llm(cfg.client, modes=store), store, cache=not no_cache, record_dir=record), store


async def _go_live(
    dataset: Dataset, rubric: Rubric, settings: EvalSettings, llm: LLM | None, store: Store | None
) -> list[CaseRun]:
    """Every case and repeat, with a progress bar; the model and store closed after."""
    total = sum(len(dataset.cases) * (1 if t == "lexical" else settings.repeats) for t in settings.taggers)
    try:
        with progress_bar("eval", disable=False) as progress:
            task = progress.add_task("", total=total)

            def advance(run: CaseRun) -> None:
                progress.update(task, advance=1, description=f"{run.case_id} {run.tagger} r{run.repeat}: {run.status}")

            return await run_eval(dataset, rubric, settings, llm, on_progress=advance)
    finally:
        closing = close_llm(llm)
        if closing is not None:
            await closing  # type: ignore[misc]
        if store is not None:
            store.close()


def _write(report: EvalReport, *, save_baseline: Path | None, output: Path | None, out_format: str | None) -> None:
    if save_baseline:
        baseline_copy = report.model_copy(update={"comparison": None, "gate": None})
        save_baseline.parent.mkdir(parents=True, exist_ok=True)
        write_private_text(save_baseline, baseline_copy.model_dump_json(indent=2))
        err_console.print(f"baseline saved to {save_baseline}", highlight=False)
    if output and out_format:
        write_private_text(output, render_eval(report, out_format))
        err_console.print(f"report written to {output}", highlight=False)


def _exit_for(report: EvalReport, dataset: Dataset) -> None:
    """Raise or exit for what makes this run not a pass: missing recordings, unreadable
    cases, a failed gate (in that order)."""
    if report.missing_recordings:
        raise ReplayMissError(
            f"{report.missing_recordings} run(s) hit a missing recording; the run is incomplete and was not gated."
        )
    if dataset.unreadable:
        named = "; ".join(f"{cid} ({why})" for cid, why in dataset.unreadable.items())
        raise InputError(
            f"{len(dataset.unreadable)} case(s) couldn't be read and were counted as failed: {named}. "
            "The report was written; the other cases were scored.",
            hint="Fix or re-export those transcripts (or --fail-fast to stop at the first one).",
        )
    if report.gate is not None and not report.gate.passed:
        sys.exit(EXIT_GATE_FAILED)


async def _go_batch(
    dataset: Dataset,
    rubric: Rubric,
    settings: EvalSettings,
    cfg: ResolvedConfig,
    *,
    no_cache: bool,
    record_dir: Path | None,
    poll_interval: float,
    verbose: bool,
) -> list[CaseRun]:
    store = Store.open()
    http = http_client_factory()

    def wrap(llm: LLM) -> LLM:
        return _eval_stack(llm, store, cache=not no_cache, record_dir=record_dir)

    def progress(p: BatchProgress) -> None:
        if verbose or err_console.is_terminal:
            err_console.print(
                f"batch round {p.round}: {p.status} {p.completed}/{p.total} failed {p.failed}",
                highlight=False,
                markup=False,
            )

    try:
        return await run_eval_batch(
            dataset,
            rubric,
            settings,
            cfg.client,
            wrap=wrap,
            on_batch_progress=progress,
            http_client=http,
            poll_interval_s=poll_interval,
        )
    finally:
        if http is not None:
            await http.aclose()
        store.close()

