"""How ``eval`` reaches the model: recorded answers (``--replay``), the configured model
behind the response cache (and the recorder, with ``--record``), or the Batch API
(``--batch``). Each way closes what it opened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..config import ResolvedConfig
from ..errors import ConfigError, ReplayMissError, TranscriptJudgeError
from ..evaluation.dataset import Dataset
from ..evaluation.recording import RecordingLLM, ReplayLLM
from ..evaluation.runner import CaseRun, EvalSettings, prepare_case, run_eval, run_eval_batch
from ..llm.base import LLM
from ..llm.cache import CachingLLM
from ..llm.factory import build_llm, close_llm, http_client_factory
from ..rubric import Rubric
from ..store import Store
from .common import err_console
from .progress import progress_bar

if TYPE_CHECKING:  # batch.py imports the SDK: only when a batch runs
    from ..batch import BatchProgress

__all__ = ["model_for", "run_batch", "run_live"]


def _eval_stack(llm: LLM, store: Store, *, cache: bool, record_dir: Path | None) -> LLM:
    """The stack in front of the model for ``eval``, live or through the Batch API: the
    cache (not linked to an analysis: an eval is not one), and the recorder if asked."""
    cached: LLM = CachingLLM(llm, store, enabled=cache)
    return RecordingLLM(cached, record_dir) if record_dir else cached


def _missing_recordings(replay: ReplayLLM, dataset: Dataset, rubric: Rubric, settings: EvalSettings) -> tuple[int, int]:
    """Count the first requests of every case and repeat that have no recording."""
    missing = total = 0
    for case in dataset.cases:
        try:
            plan = prepare_case(case, dataset, rubric, settings, settings.analysis.tagger).plan
        except TranscriptJudgeError:
            continue  # that case fails on its own, visibly, and needs no recording
        for r in range(settings.repeats):
            for request in plan.first_requests(r):
                total += 1
                missing += int(not replay.has(request))
    return missing, total


def model_for(
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


async def run_live(
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


async def run_batch(
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
    """Every case and repeat, the llm tagger's calls through the Batch API (a round line
    on the terminal, or always with ``verbose``); the store and HTTP client closed after."""
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
