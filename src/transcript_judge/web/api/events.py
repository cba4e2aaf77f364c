"""Live progress of an analysis as server-sent events: a snapshot whenever it changes,
a keep-alive otherwise, until the analysis ends or the server stops."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from .common import ServiceDep, found
from .schemas import Problem, out

__all__ = ["SSE_TICK_S", "router"]

router = APIRouter()

SSE_TICK_S = 5.0


@router.get(
    "/analyses/{analysis_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 404: {"model": Problem}},
    summary="Live progress as server-sent events (ends when the analysis does)",
)
async def analysis_events(analysis_id: str, service: ServiceDep) -> StreamingResponse:
    found(service, analysis_id)

    async def stream() -> AsyncIterator[str]:
        seen, last = -1, ""
        runner = service.runner
        while not runner.stopping:
            view = service.view(analysis_id)
            if view is None:
                yield "event: gone\ndata: {}\n\n"
                return
            payload = json.dumps(out(view).model_dump(mode="json"), sort_keys=True)
            if payload != last:
                yield f"data: {payload}\n\n"
                last = payload
            else:
                yield ": keep-alive\n\n"
            if view.terminal:
                return  # a closed connection ends the stream too: the next write fails
            job = runner.get(analysis_id)
            if job is None:
                for _ in range(int(SSE_TICK_S)):  # running elsewhere: look again now and then
                    if runner.stopping:
                        break
                    await asyncio.sleep(1)
            else:
                seen = await job.wait(seen, SSE_TICK_S)
        yield "event: bye\ndata: {}\n\n"  # the server is stopping; the page falls back to polling

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"})
