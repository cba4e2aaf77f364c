"""``analyse --batch FILE...``: many analyses through the OpenAI Batch API.

Every file is read, attributed and planned first (a file that fails does so alone, with
its message). Then every chunk of every analysis goes out in one batch (``batch.run_batch``),
the cache answering what it already has, and each finished report is saved to the history
and written like a synchronous one. Re-running the same command after an interruption
resumes polling the same batch instead of paying for a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from ..analysis import AnalysisResult
from ..batch import BatchJob, BatchProgress, BatchSettings, run_batch
from ..config import ResolvedConfig
from ..errors import ConfigError, TranscriptJudgeError
from ..history import History
from ..llm.base import LLM
from ..llm.factory import http_client_factory
from ..report.model import Report
from ..rubric import Rubric
from ..runs import RunSession
from ..store import Store
from .common import combined_exit_code, err_console
from .one_file import AnalyseOptions, Prepared, deliver, finish_report, prepare
from .progress import progress_bar

__all__ = ["analyse_batch"]


def _target(output: Path | None, file: Path, fmt: str | None, many: bool) -> Path | None:
    if output is None:
        return None
    if not many and output.suffix:
        return output
    output.mkdir(parents=True, exist_ok=True)
    return output / f"{file.stem}.{fmt or 'html'}"


def analyse_batch(
    files: tuple[Path, ...],
    output: Path | None,
    cfg: ResolvedConfig,
    rubric: Rubric,
    opts: AnalyseOptions,
    *,
    poll_interval: float = 10.0,
) -> int:
    """Run ``files`` as one batch; the exit code (the first failure's, else 3 if any report is partial)."""
    if not cfg.llm_configured or opts.tagger == "lexical":
        raise ConfigError(
            "--batch sends the analyses to a model, and none is configured.",
            hint="Set OPENAI_API_KEY, or drop --batch for the keyword baseline.",
        )
    codes: list[int] = []
    prepared = _prepare_all(files, cfg, rubric, opts, codes)
    if not prepared:
        return combined_exit_code(codes)
    many = len(files) > 1
    with Store.open() as store, contextlib.ExitStack() as runs:
        # Each file's run as in a synchronous analyse: its trace, its cache linked to it (so
        # that `forget` deletes its answers), marked failed or interrupted by what stopped it.
        sessions = [
            runs.enter_context(
                RunSession(store, p.plan, source=p.file, original=p.original, options=p.run_options(opts))
            )
            for p in prepared
        ]
        results = asyncio.run(_send(prepared, sessions, cfg, opts, poll_interval))
        history = History(store)
        for p, session, result in zip(prepared, sessions, results, strict=True):
            if isinstance(result, AnalysisResult):
                report = finish_report(p, session, result.report)
                codes.append(deliver(p, report, _target(output, p.file, opts.fmt, many), opts))
                if not opts.quiet:
                    _say_done(p.file, report)
            else:
                history.mark(session.id, "failed")
                err_console.print(f"[bold red]error:[/] {p.file}: {result}", highlight=False)
                codes.append(result.exit_code)
    return combined_exit_code(codes)


def _prepare_all(
    files: tuple[Path, ...], cfg: ResolvedConfig, rubric: Rubric, opts: AnalyseOptions, codes: list[int]
) -> list[Prepared]:
    """Every file that can be prepared; each that can't says why, and adds its exit code."""
    prepared: list[Prepared] = []
    for file in files:
        try:
            prepared.append(prepare(file, cfg, rubric, opts))
        except TranscriptJudgeError as e:
            err_console.print(f"[bold red]error:[/] {file}: {e}", highlight=False)
            codes.append(e.exit_code)
    return prepared


async def _send(
    prepared: list[Prepared],
    sessions: list[RunSession],
    cfg: ResolvedConfig,
    opts: AnalyseOptions,
    poll_interval: float,
) -> list[AnalysisResult | TranscriptJudgeError]:
    """Every prepared file's chunks through the Batch API, each behind its own run's stack."""
    jobs = [BatchJob(plan=p.plan, source_name=p.file.name) for p in prepared]

    def wrap(llm: LLM, job: int) -> LLM:
        # Answers already in the cache never join the batch; new ones are written as they land.
        return sessions[job].wrap(llm)

    http = http_client_factory()
    try:
        with _progress_bar(opts) as on_progress:
            return await run_batch(
                jobs,
                cfg.client,
                settings=BatchSettings(poll_interval_s=poll_interval),
                http_client=http,
                on_progress=on_progress,
                wrap=wrap,
            )
    finally:
        if http is not None:
            await http.aclose()


@contextlib.contextmanager
def _progress_bar(opts: AnalyseOptions) -> Iterator[Callable[[BatchProgress], None]]:
    """The batch's progress bar (on a terminal, unless --quiet), and its callback."""
    with progress_bar("batch", disable=opts.quiet) as bar:
        task = bar.add_task("preparing", total=None)

        def on_progress(p: BatchProgress) -> None:
            bar.update(
                task,
                total=p.total or None,
                completed=p.completed,
                description=f"round {p.round}: {p.status}" + (f" ({p.batch_id})" if p.batch_id else ""),
            )
            if opts.verbose:
                err_console.print(
                    f"batch round {p.round}: {p.status} {p.completed}/{p.total} "
                    f"failed {p.failed} ({p.elapsed_s:.0f} s)",
                    highlight=False,
                    markup=False,
                )

        yield on_progress


def _say_done(file: Path, report: Report) -> None:
    u = report.usage
    cost = "unknown" if u.estimated_cost_usd is None else f"${u.estimated_cost_usd:.4f}"
    err_console.print(
        f"{file.name}: analysis {report.analysis_id}, {u.calls} call(s), "
        f"{u.prompt_tokens}+{u.completion_tokens} tokens, {cost} at batch prices",
        highlight=False,
        markup=False,
    )
