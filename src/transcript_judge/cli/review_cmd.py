"""``transcript-judge review ID``: a person's review of an analysis, beside the model's verdicts.

Without options it shows the review; with ``--criterion X --agree`` (or ``--disagree
--verdict V``) it records the review of one finding, with ``--overall-note TEXT`` the
overall note (``""`` clears it). The reviewer is ``--reviewer``, else ``TJ_REVIEWER``,
else the OS user (:func:`transcript_judge.review.default_reviewer`). A review that doesn't
fit the report (an unknown criterion, a disagreement without a verdict) is a usage error
(exit code 2), like an unknown ID.
"""

from __future__ import annotations

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import ReviewError
from ..history import History
from ..ingest.textclean import safe_display
from ..report.model import Report
from ..report.review_render import reviewer_words
from ..review import VERDICTS, ReviewSheet, finding_entry, finding_of, overall_entry, verdict_words
from ..store import Store
from ..store.reviews import Reviews
from .common import err_console
from .store_cmd import _lookup, _status  # the ID lookup and its wording, as `show` has them

__all__ = ["review"]


def _report(store: Store, analysis_id: str) -> tuple[str, Report]:
    record = _lookup(store, analysis_id)
    report = History(store).report(record.id)
    if report is None:
        raise click.BadParameter(
            f"analysis {record.id} has no report to review: it is {_status(record)}.", param_hint="ID"
        )
    return record.id, report


def _print(sheet: ReviewSheet, report: Report) -> None:
    console = Console(soft_wrap=True)
    console.print(
        Text(
            f"{safe_display(report.source_name)} · candidate {safe_display(report.roles.candidate)} · "
            f"reviewed {sheet.reviewed} of {sheet.total} findings, {len(sheet.disagreements)} disagreement(s)"
        )
    )
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    # The criterion (its kind below) and who/when stay whole; verdicts and the note wrap.
    table.add_column("criterion", no_wrap=True)
    table.add_column("model's verdict", min_width=9, overflow="fold")
    table.add_column("reviewer", min_width=9, overflow="fold")
    table.add_column("note", overflow="fold", min_width=8)
    table.add_column("by, when (UTC)", no_wrap=True)
    for row in sheet.findings:
        r = row.review
        table.add_row(
            Text.assemble(row.criterion_id, "\n", (row.kind.replace("_", " "), "dim")),
            verdict_words(row.model_verdict),
            Text(reviewer_words(row)),
            Text(safe_display(r.note) if r else ""),
            Text(f"{safe_display(r.reviewer)}\n{r.reviewed_at:%Y-%m-%d %H:%M}" if r else ""),
        )
    console.print(table)
    if sheet.overall is not None:
        o = sheet.overall
        console.print(Text(f"Overall note ({safe_display(o.reviewer)}, {o.reviewed_at:%Y-%m-%d %H:%M} UTC): ", "bold"))
        console.print(Text(safe_display(o.note)))


@click.command("review")
@click.argument("analysis_id", metavar="ID")
@click.option("--criterion", help="The finding to review (a criterion id, as `review ID` lists them).")
@click.option("--agree", "decision", flag_value="agree", help="Agree with the model's verdict on --criterion.")
@click.option("--disagree", "decision", flag_value="disagree", help="Disagree; give --verdict.")
@click.option("--verdict", type=click.Choice(VERDICTS), help="With --disagree: the verdict you would give.")
@click.option("--note", help="A note on the finding (with --agree or --disagree).")
@click.option("--clear", is_flag=True, help="Withdraw the review of --criterion.")
@click.option("--overall-note", help='A note on the whole interview ("" clears it).')
@click.option("--reviewer", help="Who is reviewing (default: TJ_REVIEWER, else your user name).")
@click.option("--json", "as_json", is_flag=True, help="Print the review as JSON.")
def review(
    analysis_id: str,
    criterion: str | None,
    decision: str | None,
    verdict: str | None,
    note: str | None,
    clear: bool,
    overall_note: str | None,
    reviewer: str | None,
    as_json: bool,
) -> None:
    """Review an analysis: agree or disagree with each finding, add notes; or show the review."""
    _check(criterion, decision, verdict, note, clear)
    with Store.open() as store:
        found, report = _report(store, analysis_id)
        reviews = Reviews(store)
        if criterion is not None and clear:
            finding_of(report, criterion)  # the criterion is one of the report's
            reviews.clear_finding(found, criterion)
            err_console.print(f"withdrew the review of {criterion}.", highlight=False, markup=False)
        elif criterion is not None:
            entry = finding_entry(
                report, criterion, agree=decision == "agree", verdict=verdict, note=note, reviewer=reviewer
            )
            reviews.save_finding(found, entry)
            err_console.print(f"recorded: {criterion} {decision}s ({entry.reviewer}).", highlight=False, markup=False)
        if overall_note is not None:
            overall = overall_entry(overall_note, reviewer=reviewer)
            reviews.save_overall(found, overall)
            said = "recorded the overall note" if overall is not None else "cleared the overall note"
            err_console.print(f"{said}.", highlight=False, markup=False)
        sheet = ReviewSheet.of(report, reviews.get(found))
    if as_json:
        click.echo(sheet.model_dump_json(indent=2))
    else:
        _print(sheet, report)


def _check(criterion: str | None, decision: str | None, verdict: str | None, note: str | None, clear: bool) -> None:
    """Refuse the option combinations that say nothing clear.

    Raises:
        ReviewError: what is missing or contradictory.
    """
    if criterion is None and (decision or verdict or note is not None or clear):
        raise ReviewError("--agree, --disagree, --verdict, --note and --clear need --criterion.")
    if criterion is not None and clear and (decision or verdict or note is not None):
        raise ReviewError("--clear withdraws the review: it takes no --agree, --disagree, --verdict or --note.")
    if criterion is not None and not clear and decision is None:
        raise ReviewError(
            f"Say whether you agree with the model on {criterion[:80]!r}.",
            hint="Add --agree, or --disagree --verdict V.",
        )
    if decision == "agree" and verdict:
        raise ReviewError("--verdict goes with --disagree: agreeing takes the model's verdict.")
