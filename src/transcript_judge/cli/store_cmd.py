"""``transcript-judge history``, ``show ID`` and ``forget ID``: the analyses in the store.

IDs may be abbreviated to any unique prefix, as with git. An unknown or ambiguous ID is
a usage error (exit code 2).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..history import AnalysisRecord, History
from ..ingest.textclean import safe_display
from ..report import format_for_path, render_terminal
from ..report.review_render import render_reviewed
from ..store import Store, home_dir, write_private_text
from ..store.reviews import Reviews
from .common import err_console

__all__ = ["forget", "history", "show"]


def _lookup(store: Store, analysis_id: str) -> AnalysisRecord:
    found = History(store).find(analysis_id)
    if found is None:
        raise click.BadParameter(
            f"no analysis {analysis_id!r} in the store ({store.path}). `transcript-judge history` lists them.",
            param_hint="ID",
        )
    if isinstance(found, list):
        ids = ", ".join(r.id for r in found[:5])
        raise click.BadParameter(f"{analysis_id!r} matches several analyses ({ids}); give more of it.", param_hint="ID")
    return found


def _status(record: AnalysisRecord) -> str:
    if record.status == "running":
        return "running or killed"  # a killed process can't mark its own row
    if record.judged_nothing:
        return "failed"
    return record.status


@click.command("history")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--limit", type=int, default=50, show_default=True, help="Show at most this many, newest first.")
def history(as_json: bool, limit: int) -> None:
    """List the analyses in the store, newest first (interrupted runs too)."""
    with Store.open() as store:
        records = History(store).recent(limit)
        path = store.path
    if as_json:
        click.echo(json.dumps([asdict(r) for r in records], indent=2, ensure_ascii=False))
        return
    if not records:
        err_console.print(f"No analyses yet in {path}.", highlight=False, markup=False)
        return
    # compact: the prompt version and paths are in --json and `show`
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("ID", "started (UTC)", "source", "model", "status", "chunks", "cost"):
        table.add_column(column, no_wrap=column in ("ID", "started (UTC)"), overflow="fold")
    for r in records:
        chunks = f"{r.chunks_ok}/{r.chunks_planned}" if r.chunks_ok is not None else f"-/{r.chunks_planned}"
        cost = "" if r.cost_usd is None else f"${r.cost_usd:.4f}"
        # Names come from files and settings: shown as plain text (no rich markup), with
        # escape sequences, control and bidi characters taken out.
        table.add_row(
            r.id,
            r.started_at[:16].replace("T", " "),
            Text(safe_display(r.source_name)),
            Text(safe_display(r.model)),
            _status(r),
            chunks,
            cost,
        )
    Console(soft_wrap=True).print(table)


@click.command("show")
@click.argument("analysis_id", metavar="ID")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here (.json, .md, .html).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "md", "html"]),
    help="Report format (default: from -o's extension; without -o, prints it).",
)
def show(analysis_id: str, output: Path | None, fmt: str | None) -> None:
    """Show a saved analysis: the terminal summary, or a rendered report."""
    with Store.open() as store:
        record = _lookup(store, analysis_id)
        report = History(store).report(record.id)
        review = Reviews(store).get(record.id)  # written beside the model's verdicts
    if report is None:
        raise click.BadParameter(
            f"analysis {record.id} has no report: it is {_status(record)}. Run "
            f"`transcript-judge analyse {safe_display(record.source_path)} --resume` to finish it.",
            param_hint="ID",
        )
    if output is not None:
        write_private_text(output, render_reviewed(report, format_for_path(output, fmt), review))
        err_console.print(f"report written to {output}", highlight=False, markup=False)
    elif fmt is not None:
        click.echo(render_reviewed(report, format_for_path(Path(f"report.{fmt}")), review))
    else:
        render_terminal(report, Console(soft_wrap=False))


@click.command("forget")
@click.argument("analysis_id", metavar="ID")
def forget(analysis_id: str) -> None:
    """Delete an analysis (and the interrupted runs it resumed) and its cached responses.

    Cached responses that another analysis also used are kept. With the analysis go its
    web upload and parsed turns, and its review (the reviewer's verdicts and notes). Not
    touched: the trace files (TJ_HOME/traces, one line per model call; transcript text only
    with --trace-content), report files written with -o, eval recordings (--record DIR) and
    Batch API ids (TJ_HOME/batches).
    """
    with Store.open() as store:
        record = _lookup(store, analysis_id)
        reviews = Reviews(store)
        before = reviews.count()
        gone = History(store).forget(record.id)
        reviewed = before - reviews.count()  # deleted by cascade with the analyses
    kept = f"; {gone.responses_kept} kept (another analysis used them)" if gone.responses_kept else ""
    review = f"; its review deleted ({reviewed} entr{'y' if reviewed == 1 else 'ies'})" if reviewed else ""
    err_console.print(
        f"forgot analysis {', '.join(gone.analyses)}: {gone.responses_deleted} cached response(s) deleted{kept}"
        f"{review}.",
        highlight=False,
        markup=False,
    )
    err_console.print(
        f"Not touched: trace files in {home_dir() / 'traces'} (their lines name the analysis id), report "
        "files written with -o, eval recordings and Batch API ids. Delete those yourself if you need to.",
        highlight=False,
        markup=False,
    )

