"""Record and replay LLM responses, keyed by everything that shapes them.

``--record DIR`` stores each successful response as ``DIR/<key[:2]>/<key>.json``, where the
key is :meth:`ChatRequest.key` (model, messages, schema, sampling settings, repeat index).
``--replay DIR`` answers only from those files and never calls out: a missing recording
raises :class:`ReplayMissError`, and the run counts them all before it fails. Errors are
never recorded.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import ReplayMissError
from ..llm.base import LLM, ChatRequest, ChatResult

__all__ = ["RecordingLLM", "ReplayLLM"]

_FORMAT_VERSION = 1


def _path(root: Path, key: str) -> Path:
    return root / key[:2] / f"{key}.json"


def _write_atomic(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(data)
    Path(tmp).replace(path)


class RecordingLLM:
    """Passes requests to ``inner`` and records each successful response."""

    def __init__(self, inner: LLM, root: str | Path) -> None:
        self.inner = inner
        self.root = Path(root)
        self.recorded = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        result = await self.inner.complete(request)  # errors propagate and are not recorded
        payload = {
            "format": _FORMAT_VERSION,
            "request": {
                "model": request.model,
                "repeat_index": request.repeat_index,
                "temperature": request.temperature,
                "schema_name": request.schema_name,
            },
            "result": result.model_dump(mode="json"),
        }
        _write_atomic(_path(self.root, request.key()), json.dumps(payload, ensure_ascii=False))
        self.recorded += 1
        return result


class ReplayLLM:
    """Answers from recordings only. Never calls out."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.hits = 0
        self.missing: set[str] = set()

    def has(self, request: ChatRequest) -> bool:
        return _path(self.root, request.key()).is_file()

    async def complete(self, request: ChatRequest) -> ChatResult:
        path = _path(self.root, request.key())
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.missing.add(request.key())
            raise ReplayMissError(
                f"No recording in {self.root} for a request to {request.model} (repeat {request.repeat_index}).",
                hint=f"The prompt, rubric, model or settings changed since recording. Re-record with "
                f"--record {self.root} against a live model.",
            ) from None
        self.hits += 1
        result = ChatResult.model_validate(payload["result"])
        return result.model_copy(update={"cache_hit": True, "latency_s": 0.0, "retries": 0})
