"""The web app: ``create_app(settings)`` assembles the store, the job runner, the pages
and the JSON API behind the security middleware.

Example:
    >>> app = create_app(WebSettings(), llm_factory=lambda: FakeLLM(respond))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..config import ResolvedConfig, resolve_config
from ..llm.base import LLM
from ..llm.factory import build_llm
from ..report.render import FOLLOW_UPS_NOTE
from . import api, pages, review_pages
from .actions import LLMFactory, Service
from .citations import cited_by
from .jobs import JobRunner
from .pipeline import RubricCatalogue
from .security import Guard, clip
from .settings import WebSettings
from .storage import WebStore
from .uploads import sweep
from .views import STATE_LABELS

__all__ = ["create_app", "default_llm_factory", "templates"]

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


def templates() -> Environment:
    """Jinja with autoescaping on for every template, whatever its name."""
    env = Environment(
        loader=PackageLoader("transcript_judge.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["state_labels"] = STATE_LABELS
    env.globals["version"] = __version__
    env.globals["follow_ups_note"] = FOLLOW_UPS_NOTE
    env.globals["cited_by"] = cited_by  # the transcript's "cited by" badges (report.html.j2)
    return env


def default_llm_factory(cfg: ResolvedConfig | None = None) -> LLMFactory | None:
    """A factory building the configured model's client (a fresh one per analysis), or
    None when no model is configured."""
    cfg = cfg or resolve_config()
    if not cfg.llm_configured:
        return None

    def factory() -> LLM | None:
        return build_llm(cfg.client)

    return factory


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


#: What a validation error may quote of the input it refused.
ECHO_CHARS = 100


def _short(value: Any) -> Any:
    """A validation error's ``input``/``ctx``, cut so no error body echoes a big input."""
    if isinstance(value, str | bytes):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        return clip(text, ECHO_CHARS)
    if isinstance(value, dict):
        return {str(k)[:ECHO_CHARS]: _short(v) for k, v in list(value.items())[:10]}
    if isinstance(value, list | tuple):
        return [_short(v) for v in list(value)[:10]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return clip(repr(value), ECHO_CHARS)


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's validation errors without the whole of what was sent."""
    out: list[dict[str, Any]] = []
    for error in list(errors)[:20]:
        item = {k: v for k, v in dict(error).items() if k in ("type", "loc", "msg", "input", "ctx")}
        item["loc"] = [_short(x) for x in item.get("loc", ())]
        item["msg"] = clip(str(item.get("msg", "")), 300)
        if "input" in item:
            item["input"] = _short(item["input"])
        if "ctx" in item:
            item["ctx"] = _short(item["ctx"])
        out.append(item)
    return out


def create_app(settings: WebSettings | None = None, *, llm_factory: LLMFactory | None = None) -> FastAPI:
    """The ASGI app. Without ``llm_factory``, runs use the keyword baseline unless the
    settings ask for the LLM tagger (then the configured model is used).

    Raises:
        ConfigError: unsafe settings (see :meth:`WebSettings.check`).
        StoreError: the store can't be opened.
        RubricError: an extra rubric file is malformed.
    """
    settings = settings or WebSettings()
    settings.check()
    if llm_factory is None and settings.analysis.tagger == "llm":
        llm_factory = default_llm_factory()
    if llm_factory is None:
        settings = replace(settings, analysis=replace(settings.analysis, tagger="lexical"))
    factory: LLMFactory = llm_factory or (lambda: None)
    rubrics = RubricCatalogue(settings.rubrics)
    store = WebStore.open(settings.store_path, trace=settings.trace)
    runner = JobRunner(store, max_jobs=settings.max_jobs)
    app = FastAPI(
        title="transcript-judge",
        version=__version__,
        summary="Evidence-linked strengths and red flags from interview transcripts. Decision support, "
        "not a hiring decision.",
        docs_url=None,  # the interactive docs load from a CDN; the schema is at /openapi.json
        redoc_url=None,
        lifespan=_lifespan(store, runner),
    )
    app.state.settings = settings
    app.state.service = Service(settings, store, runner, rubrics, factory)
    app.state.templates = templates()
    app.include_router(api.router)
    app.include_router(pages.router)
    review_pages.install(app)  # the reviewer's forms on the report page, and their routes
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.add_middleware(Guard, settings=settings)
    return app


def _lifespan(store: WebStore, runner: JobRunner) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """On start, tidy what a stopped server left (runs cut off, half-received uploads); on
    stop, end the jobs and close the store."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cut = store.recover(runner.live())
        if cut:
            log.info("marked %d analysis(es) cut off by a restart as interrupted", len(cut))
        if swept := sweep(store.spool_dir):
            log.info("removed %d upload(s) left half-received by a stopped server", swept)
        try:
            yield
        finally:
            await runner.shutdown()
            store.close()

    return lifespan


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An HTTP error: the API's JSON problem, or the error page for a browser."""
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}  # an API problem
    hint = detail.get("hint")
    return pages.page(
        request,
        "error.html.j2",
        exc.status_code,
        title=_TITLES.get(exc.status_code, "Error"),
        message=clip(str(detail.get("message", "")), 1000),
        hint=clip(str(hint), 1000) if hint else None,
    )


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """A request that failed validation: the errors, cut short (see :func:`validation_errors`)."""
    if _wants_json(request):
        return JSONResponse({"detail": jsonable_encoder(validation_errors(exc.errors()))}, 422)
    return pages.page(  # a page with a way on, not a bare line of text
        request,
        "error.html.j2",
        422,
        title="Invalid form",
        message="A field of the form is missing, malformed or too long.",
        hint="Go back, check what you typed and send it again.",
    )


_TITLES = {400: "Bad request", 403: "Refused", 404: "Not found", 409: "Conflict", 410: "Gone", 413: "Too large"}
