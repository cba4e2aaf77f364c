"""The rubrics this server offers, for the upload's ``rubric`` field."""

from __future__ import annotations

from fastapi import APIRouter

from .common import ServiceDep

__all__ = ["router"]

router = APIRouter()


@router.get("/rubrics", summary="The rubrics this server offers")
async def list_rubrics(service: ServiceDep) -> list[dict[str, str]]:
    return [{"key": c.key, "title": c.title} for c in service.rubrics.choices()]
