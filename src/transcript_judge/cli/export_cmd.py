"""``transcript-judge export-dataset OUT_DIR``: reviewed analyses as an evaluation dataset.

The dataset is in the harness's own contract (``dataset.jsonl``, the transcripts, a
``gate.toml``), with the reviewers' verdicts as labels, so ``eval --dataset OUT_DIR`` runs
on it unchanged and reports agreement with the reviewers. What goes in, and what stops
an export, is :mod:`transcript_judge.evaluation.review_export`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ReviewError
from ..evaluation.review_export import ExportChoices, export_reviews
from ..rubric import load_rubric
from ..service import RedactChoices
from ..store import Store
from ..store.reviews import Reviews
from .common import err_console, redact_options
from .store_cmd import _lookup  # the ID lookup, prefixes and all, as `show` has it

__all__ = ["export_dataset"]


def _ids(store: Store, ids: str | None, all_reviewed: bool) -> list[str]:
    """The exact ids to export.

    Raises:
        ReviewError: neither or both of --ids and --all-reviewed; nothing reviewed.
    """
    if (ids is None) == (not all_reviewed):
        raise ReviewError("Say which analyses to export: --ids A,B or --all-reviewed (one of them).")
    if all_reviewed:
        found = Reviews(store).reviewed()
        if not found:
            raise ReviewError(
                f"No analysis in the store ({store.path}) has been reviewed yet.",
                hint="Review one first: `transcript-judge review ID --criterion X --agree`.",
            )
        return found
    wanted = [part.strip() for part in (ids or "").split(",") if part.strip()]
    if not wanted:
        raise ReviewError("--ids is empty: give analysis ids separated by commas.")
    return list(dict.fromkeys(_lookup(store, part).id for part in wanted))


@click.command("export-dataset")
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path(path_type=Path, file_okay=False))
@click.option("--ids", help="The analyses to export, by id (or unique prefix), separated by commas.")
@click.option("--all-reviewed", is_flag=True, help="Export every analysis with at least one reviewed finding.")
@click.option(
    "--accept-unreviewed",
    is_flag=True,
    help="Label findings nobody reviewed with the model's verdict (listed in each case's `unreviewed`); "
    "without it, an analysis with unreviewed findings stops the export.",
)
@redact_options("in the exported transcripts, quotes and notes")
@click.option(
    "--rubric", "rubric_path", type=click.Path(path_type=Path), help="The analyses' rubric (default: the built-in one)."
)
@click.option("--force", is_flag=True, help="Overwrite a dataset already in OUT_DIR.")
def export_dataset(
    out_dir: Path,
    ids: str | None,
    all_reviewed: bool,
    accept_unreviewed: bool,
    redact: bool,
    redact_names: bool,
    redact_name: tuple[str, ...],
    rubric_path: Path | None,
    force: bool,
) -> None:
    """Write reviewed analyses as an evaluation dataset (labels from the reviewers' verdicts)."""
    if (out_dir / "dataset.jsonl").exists() and not force:
        raise click.BadParameter(f"{out_dir} already holds a dataset.jsonl; pass --force to overwrite it.")
    rubric = load_rubric(rubric_path)
    choices = ExportChoices(RedactChoices(redact, redact_names, redact_name), accept_unreviewed)
    with Store.open() as store:
        exported = export_reviews(store, _ids(store, ids, all_reviewed), out_dir, rubric, choices)
    for warning in exported.warnings:
        err_console.print(f"warning: {warning}.", highlight=False, markup=False)
    disagreements = sum(len(c.disagreements or ()) for c in exported.cases)
    unreviewed = sum(len(c.unreviewed or ()) for c in exported.cases)
    err_console.print(
        f"exported {len(exported.cases)} reviewed analys{'is' if len(exported.cases) == 1 else 'es'} to {out_dir}: "
        f"{disagreements} label(s) where the reviewer disagreed with the model"
        + (f", {unreviewed} unreviewed (the model's verdict)" if unreviewed else "")
        + ".",
        highlight=False,
        markup=False,
    )
    if exported.candidate_not_inferred:
        err_console.print(
            "note: eval's role inference wouldn't find the reviewed candidate in "
            f"{', '.join(exported.candidate_not_inferred)} (chosen by hand): run eval with --use-labelled-candidate.",
            highlight=False,
            markup=False,
        )
    err_console.print(
        f"Measure agreement with the reviewers: transcript-judge eval --dataset {out_dir} --tagger lexical "
        "(or with your model).",
        highlight=False,
        markup=False,
    )
