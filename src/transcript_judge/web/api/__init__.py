"""The JSON API: the same things the pages do, for scripts. Documented at ``/openapi.json``.

Writes from a browser need the ``X-CSRF-Token`` header; scripts on this machine, or
with ``Authorization: Bearer <token>`` when the server has a token, don't.

``POST /api/analyses`` answers 202 as soon as the upload is stored: the transcript is
parsed in the job. A transcript whose candidate can't be told safely then stops in the
state ``candidate_needed``, with the ``question`` (the speakers to choose from); answer
it with ``POST /api/analyses/{id}/answer``.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import analyses, datasets, events, reviews, rubrics, submit

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["analyses"])
# One router per resource, in the order /openapi.json lists them.
router.include_router(submit.router)
router.include_router(analyses.router)
router.include_router(events.router)
router.include_router(rubrics.router)
router.include_router(reviews.router)
router.include_router(datasets.router)
