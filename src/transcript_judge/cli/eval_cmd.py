"""``transcript-judge eval``: measure tagging accuracy on a labelled dataset, compare with a
baseline, and gate a change.

The command collects its options into :class:`EvalOptions` and hands them to
:func:`evaluate`; how the model is reached is :mod:`.eval_llm`'s.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from .._version import __version__
from ..config import ResolvedConfig, resolve_config
from ..errors import ConfigError, InputError, ReplayMissError
from ..evaluation.baseline import EvalReport, GateConfig, compare, evaluate_gate, load_baseline, load_gate
from ..evaluation.dataset import Dataset, load_dataset
from ..evaluation.probe_scoring import found_probes, score_probes
from ..evaluation.render import render_eval, render_eval_terminal
from ..evaluation.runner import CaseRun, EvalSettings, Reducer
from ..evaluation.scoring import score
from ..planning import DEFAULT_CONCURRENCY, TaggerName
from ..report.render import format_for_path
from ..rubric import Rubric, load_rubric
from ..store import write_private_text
from .common import (
    EXIT_GATE_FAILED,
    err_console,
    judge_mode_option,
    model_options,
    setup_logging,
    structured_output_option,
    timeout_option,
)
from .eval_llm import model_for, run_batch, run_live

__all__ = ["EvalOptions", "eval_cmd", "evaluate"]

DEFAULT_GATE = Path("evals/gate.toml")


@dataclass(frozen=True)
class EvalOptions:
    """What ``eval`` was asked: one field per option below, named as click names it."""

    dataset_dir: Path
    model: str | None
    base_url: str | None
    config_path: str | None
    structured_output: str | None
    timeout_s: float | None
    judge_mode: str | None
    taggers: tuple[str, ...]
    repeats: int
    reducer: Reducer
    concurrency: int
    no_cache: bool
    record_dir: Path | None
    replay_dir: Path | None
    save_baseline: Path | None
    baseline_path: Path | None
    gate_path: Path | None
    no_gate: bool
    use_labelled_candidate: bool
    rubric_path: Path | None
    chunk_tokens: int | None
    resamples: int
    output: Path | None
    batch: bool
    poll_interval: float
    fail_fast: bool
    verbose: bool


@click.command("eval")
@click.option(
    "--dataset",
    "dataset_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder with dataset.jsonl and the transcripts.",
)
@model_options
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
def eval_cmd(**options: Any) -> None:
    """Measure tagging accuracy on a labelled dataset; compare with a baseline; gate."""
    evaluate(EvalOptions(**options))


def evaluate(opts: EvalOptions) -> None:
    """Score every case and repeat, write what was asked for, print the summary, and exit
    with what makes the run not a pass (see :func:`_exit_for`)."""
    setup_logging(opts.verbose)
    taggers = _checked_taggers(opts)
    out_format = format_for_path(opts.output) if opts.output else None
    rubric = load_rubric(opts.rubric_path)
    dataset = load_dataset(opts.dataset_dir, rubric, fail_fast=opts.fail_fast)
    for case_id, why in dataset.unreadable.items():
        err_console.print(f"warning: case {case_id}: {why}; it counts as a failed case.", markup=False, highlight=False)
    cfg = resolve_config(
        model=opts.model,
        base_url=opts.base_url,
        config_path=opts.config_path,
        chunk_tokens=opts.chunk_tokens,
        structured_output=opts.structured_output,
        timeout_s=opts.timeout_s,
        judge_mode=opts.judge_mode,
    )
    settings = EvalSettings(
        analysis=cfg.analysis_settings(concurrency=min(DEFAULT_CONCURRENCY, opts.concurrency)),
        taggers=taggers,
        repeats=opts.repeats,
        concurrency=opts.concurrency,
        reducer=opts.reducer,
        use_labelled_candidate=opts.use_labelled_candidate,
    )
    gate = None if opts.no_gate else load_gate(opts.gate_path or _default_gate(opts.dataset_dir))
    baseline = load_baseline(opts.baseline_path) if opts.baseline_path else None
    started = datetime.now(UTC)
    runs = _runs(opts, dataset, rubric, settings, cfg)
    report = _report(opts, dataset, rubric, settings, runs, model=cfg.client.model, started=started)
    _judge(report, dataset, baseline=baseline, gate=gate, resamples=opts.resamples)
    _write(report, save_baseline=opts.save_baseline, output=opts.output, out_format=out_format)
    render_eval_terminal(report, Console(soft_wrap=True))
    _exit_for(report, dataset)


def _checked_taggers(opts: EvalOptions) -> tuple[TaggerName, ...]:
    """The taggers asked for, once the options that can't go together are refused.

    Raises:
        click.BadParameter: an unknown tagger.
        ConfigError: --record with --replay, or --batch without the llm tagger or with --replay.
    """
    taggers = _parse_taggers(opts.taggers)
    if opts.record_dir and opts.replay_dir:
        raise ConfigError("--record and --replay can't be used together.")
    if opts.batch and (opts.replay_dir or "llm" not in taggers):
        raise ConfigError(
            "--batch sends the llm tagger's calls to the Batch API; it needs --tagger llm and no --replay."
        )
    return taggers


def _runs(
    opts: EvalOptions, dataset: Dataset, rubric: Rubric, settings: EvalSettings, cfg: ResolvedConfig
) -> list[CaseRun]:
    """Every case and repeat, through the Batch API or live (recordings, or the model)."""
    if opts.batch:
        if not cfg.llm_configured:
            raise ConfigError("--batch needs a model.", hint="Set OPENAI_API_KEY.")
        return asyncio.run(
            run_batch(
                dataset,
                rubric,
                settings,
                cfg,
                no_cache=opts.no_cache,
                record_dir=opts.record_dir,
                poll_interval=opts.poll_interval,
                verbose=opts.verbose,
            )
        )
    llm, store = model_for(
        dataset, rubric, settings, cfg, no_cache=opts.no_cache, record=opts.record_dir, replay=opts.replay_dir
    )
    return asyncio.run(run_live(dataset, rubric, settings, llm, store))


def _report(
    opts: EvalOptions,
    dataset: Dataset,
    rubric: Rubric,
    settings: EvalSettings,
    runs: list[CaseRun],
    *,
    model: str,
    started: datetime,
) -> EvalReport:
    """The scores of each tagger (the first is the one compared and gated)."""
    scores = [
        score(dataset, rubric, runs, tagger=t, model=model, reducer=opts.reducer, resamples=opts.resamples)
        for t in settings.taggers
    ]
    return EvalReport(
        tool_version=__version__,
        created_at=started,
        dataset=str(opts.dataset_dir),
        dataset_digest=dataset.digest,
        labels=dataset.label_source,
        disagreements=dataset.disagreements,
        model=model,
        repeats=opts.repeats,
        reducer=opts.reducer,
        taggers=scores,
        missing_recordings=sum(1 for r in runs if r.status == "missing"),
        probes=score_probes(dataset, rubric, found_probes(runs), resamples=opts.resamples),
    )


def _judge(
    report: EvalReport, dataset: Dataset, *, baseline: EvalReport | None, gate: GateConfig | None, resamples: int
) -> None:
    """Compare the first tagger with the baseline and apply the gate, if given."""
    primary = report.taggers[0]
    if baseline is not None:
        report.comparison = compare(baseline, primary, dataset, resamples=resamples)
        if report.comparison is None:
            err_console.print(f"warning: the baseline has no {primary.tagger!r} tagger to compare with.", markup=False)
    if gate is not None:
        report.gate = evaluate_gate(gate, primary, report.comparison)


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
