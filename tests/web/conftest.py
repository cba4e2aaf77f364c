"""In-process web app fixtures: the ASGI app with its lifespan, driven by httpx."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from transcript_judge.chunking import ChunkingSettings
from transcript_judge.planning import AnalysisSettings
from transcript_judge.web import WebSettings, create_app
from transcript_judge.web.actions import LLMFactory
from transcript_judge.web.server import bind, make_server, url_of

BASE = "http://127.0.0.1:8000"
TERMINAL = {"candidate_needed", "done", "partial", "failed", "interrupted"}


def settings(**overrides: Any) -> WebSettings:
    """Small chunks (the fixtures make 3-4 of them), no trace files."""
    base = WebSettings(
        analysis=AnalysisSettings(chunking=ChunkingSettings(chunk_tokens=300, overlap_tokens=40)), trace=False
    )
    return replace(base, **overrides)


@asynccontextmanager
async def running(app: FastAPI, **client: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (startup recovery, shutdown marking jobs interrupted)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE, **client) as http:
            yield http


MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_app() -> MakeApp:
    def make(llm_factory: LLMFactory | None = None, **overrides: Any) -> FastAPI:
        return create_app(settings(**overrides), llm_factory=llm_factory)

    return make


async def wait_for(http: httpx.AsyncClient, analysis_id: str, states: set[str] | None = None) -> dict[str, Any]:
    """Poll the API until the analysis reaches one of ``states`` (bounded: 10 s)."""
    states = states or TERMINAL
    body: dict[str, Any] = {}
    for _ in range(400):
        body = (await http.get(f"/api/analyses/{analysis_id}")).json()
        if body["state"] in states:
            return body
        await asyncio.sleep(0.025)
    raise AssertionError(f"analysis {analysis_id} stayed {body.get('state')!r}")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


async def upload_api(http: httpx.AsyncClient, data: bytes, name: str = "interview.vtt", **form: str) -> httpx.Response:
    return await http.post("/api/analyses", files={"file": (name, data)}, data=form)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn in a background thread on 127.0.0.1 (a free port); stopped on exit."""
    sock = bind("127.0.0.1", 0)
    server = make_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="tj-test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
