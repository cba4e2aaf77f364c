"""What every route of the JSON API uses: the service, the CSRF check, and errors as a
:class:`~.schemas.Problem`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from ..actions import AnalysisView, Service
from ..security import check_api_csrf, clip
from .schemas import Problem

__all__ = ["ServiceDep", "csrf_ok", "found", "problem", "service_of"]


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def csrf_ok(request: Request) -> None:
    check_api_csrf(request, request.app.state.settings.token)


ServiceDep = Annotated[Service, Depends(service_of)]


def problem(status: int, code: str, message: str, hint: str | None = None, **extra: Any) -> HTTPException:
    body = Problem(code=code, message=clip(message, 1000), hint=clip(hint, 1000) if hint else None, **extra)
    return HTTPException(status, body.model_dump())


def found(service: Service, analysis_id: str) -> AnalysisView:
    """The analysis, or a 404 problem."""
    view = service.view(analysis_id)
    if view is None:
        raise problem(404, "not_found", f"No analysis {clip(analysis_id, 40)!r}.")
    return view
