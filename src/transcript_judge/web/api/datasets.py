"""Reviewed analyses as an evaluation dataset, downloaded: ``export-dataset`` from the web.

``GET /api/reviews/dataset.zip`` (every reviewed analysis) or ``?ids=A,B`` (those) answers
a zip of the dataset :func:`~transcript_judge.evaluation.review_export.export_reviews`
writes: ``dataset.jsonl``, ``transcripts/``, ``gate.toml``. Unzipped, ``transcript-judge
eval --dataset FOLDER`` runs on it unchanged and reports agreement with the reviewers.
``accept_unreviewed``, ``redact`` and ``redact_names`` are the CLI's options of those names.

Nothing is kept on the server: the dataset is written to a temporary folder, zipped in
memory and the folder removed.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from ...errors import ReviewError
from ...evaluation.review_export import ExportChoices, export_reviews
from ...rubric import Rubric
from ...service import RedactChoices
from ..actions import Service
from ..views import matching_rubric
from .common import ServiceDep, problem
from .schemas import Problem

__all__ = ["dataset_filename", "dataset_zip", "parse_ids", "router"]

router = APIRouter()


def _rubric(service: Service, ids: Sequence[str]) -> Rubric:
    """The rubric the first analysis was judged with, if the server has it; else the default
    (the export then names any analysis judged with another)."""
    report = service.report(ids[0])
    catalogue = service.rubrics
    rubrics = [catalogue.get(c.key) for c in catalogue.choices()]
    return (matching_rubric(report, rubrics) if report is not None else None) or catalogue.get(None)


def _chosen(service: Service, ids: Sequence[str] | None) -> list[str]:
    """The analyses to export: ``ids`` (each must exist), or every reviewed one.

    Raises:
        ReviewError: an unknown id; nothing reviewed yet.
    """
    if ids is None:
        chosen = service.store.reviews.reviewed()
        if not chosen:
            raise ReviewError(
                "No analysis has been reviewed yet.",
                hint="Review the findings of a report first (agree or disagree on each card).",
            )
        return chosen
    unknown = [i for i in ids if service.view(i) is None]
    if unknown:
        raise ReviewError(f"No analysis {', '.join(repr(i[:40]) for i in unknown)}.")
    return list(ids)


def dataset_zip(service: Service, ids: Sequence[str] | None, choices: ExportChoices) -> bytes:
    """The export of ``ids`` (None: every reviewed analysis) as a zip, its files under
    ``reviewed-dataset/``.

    Raises:
        ReviewError: as :func:`_chosen` and :func:`.export_reviews`.
    """
    chosen = _chosen(service, ids)
    with tempfile.TemporaryDirectory(prefix="tj-export-") as tmp:
        root = Path(tmp) / "reviewed-dataset"
        export_reviews(service.store.store, chosen, root, _rubric(service, chosen), choices)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                archive.write(path, path.relative_to(root.parent).as_posix())
    return buffer.getvalue()


def parse_ids(ids: str | None) -> list[str] | None:
    """``?ids=A,B`` as ids, each once (None: none given, so every reviewed analysis)."""
    return [i for i in dict.fromkeys(part.strip() for part in (ids or "").split(",")) if i] or None


def dataset_filename() -> str:
    """The download's content-disposition: the time of the export in the name."""
    return f'attachment; filename="reviewed-dataset-{datetime.now(UTC).strftime("%Y%m%d-%H%M%S")}.zip"'


@router.get(
    "/reviews/dataset.zip",
    responses={200: {"content": {"application/zip": {}}}, 409: {"model": Problem}},
    summary="Reviewed analyses as an evaluation dataset (zip)",
)
async def get_dataset(
    service: ServiceDep,
    ids: str | None = None,
    accept_unreviewed: bool = False,
    redact: bool = False,
    redact_names: bool = False,
) -> Response:
    chosen = parse_ids(ids)
    choices = ExportChoices(RedactChoices(redact, redact_names, ()), accept_unreviewed)
    try:
        body = await asyncio.to_thread(dataset_zip, service, chosen, choices)
    except ReviewError as exc:
        raise problem(409, "not_exportable", exc.message, hint=exc.hint) from exc
    return Response(body, media_type="application/zip", headers={"content-disposition": dataset_filename()})
