"""A per-call trace as JSON lines, and the run's call statistics.

``TracingLLM`` wraps the LLM stack (outside the cache, so hits are traced too) and, for
every call, appends one JSON object to the trace file (by default
``<TJ_HOME>/traces/<UTC date>.jsonl``)::

    {"time": "...", "model": "gpt-4.1-mini", "response_model": "...", "request_id": "req_...",
     "latency_s": 1.92, "prompt_tokens": 2400, "completion_tokens": 600, "cached_tokens": 0,
     "retries": 1, "cache_hit": false, "outcome": "ok", "status_code": null,
     "prompt_fingerprint": "p-...", "repeat_index": 0, "request_key": "<sha256>",
     "structured_mode": "json_schema", "analysis_id": "...",
     "criteria_usable": 11, "criteria_asked": 11, "repairs": {"confidence_scaled": 11}}

``outcome`` is ``ok``, ``refused``, ``length``, ``content_filter``, ``empty``, ``other``,
the error class (``LLMTransientError``, ...) or ``cancelled``. The messages and the
answer are never written unless ``include_content`` (``--trace-content``) is set, and
error messages are never written at all: they can echo request text. API keys never
reach this layer.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .errors import LLMError
from .llm.base import LLM, ChatRequest, ChatResult, Usage
from .store import home_dir, open_private_append, private_dir

__all__ = ["CallStats", "TraceWriter", "TracingLLM", "default_trace_path", "outcome_of"]


def default_trace_path(now: datetime | None = None) -> Path:
    day = (now or datetime.now(UTC)).strftime("%Y-%m-%d")
    return home_dir() / "traces" / f"{day}.jsonl"


def outcome_of(result: ChatResult) -> str:
    """A short name for what a call returned."""
    if result.refusal or result.finish_reason == "refusal":
        return "refused"
    if result.finish_reason in ("length", "content_filter", "other", "tool_calls"):
        return result.finish_reason
    if not result.content or not result.content.strip():
        return "empty"
    return "ok"


class TraceWriter:
    """Appends JSON lines to a file, one write and flush per record (safe to share)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if self._fh is None:
                # Private: traces name the analyses (and with --trace-content hold the
                # transcript). The tool's own traces folder is tightened; a folder the
                # user chose with --trace is only created 0700 if it is missing.
                home = home_dir()
                ours = self.path.parent == home / "traces"
                if ours:
                    private_dir(home)
                private_dir(self.path.parent, tighten=ours)
                self._fh = open_private_append(self.path)
            self._fh.write(line)
            self._fh.flush()  # a killed run keeps its trace up to the last call

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


@dataclass
class CallStats:
    """What the calls of one run added up to. ``sent`` is what was paid for this run;
    ``saved`` is the original usage of the answers that came from the cache."""

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    errors: int = 0
    sent: Usage = field(default_factory=Usage)
    saved: Usage = field(default_factory=Usage)
    in_flight: dict[int, float] = field(default_factory=dict)

    def oldest_in_flight(self, now: float | None = None) -> float | None:
        """Seconds the longest-running call has been waiting, or None if none is."""
        if not self.in_flight:
            return None
        return (now if now is not None else time.monotonic()) - min(self.in_flight.values())


def _salvage_fields(request: ChatRequest, result: ChatResult) -> dict[str, Any]:
    """What salvage made of this answer: the usable criteria and each repair, by kind
    (counts only, never text)."""
    if request.schema_name != "chunk_judgement":
        return {}
    ids = request.json_schema.get("required") if request.json_schema else None
    if not isinstance(ids, list) or not result.content or outcome_of(result) != "ok":
        return {}
    from .salvage import salvage_answer  # the pipeline's own step, not a second reading

    salvaged = salvage_answer(result.content, [str(i) for i in ids])
    return {"criteria_usable": len(salvaged.assessments), "criteria_asked": len(ids), "repairs": dict(salvaged.repairs)}


class TracingLLM:
    """:class:`~transcript_judge.llm.base.LLM` that traces and counts every call.

    Args:
        inner: the stack to call (usually a ``CachingLLM``).
        writer: where trace lines go; None keeps only the statistics.
        fingerprint: the prompt fingerprint, written on every line.
        analysis_id: the run, written on every line.
        include_content: also write the messages and the answer (``--trace-content``).
        on_call: called with each record after it is written (``--verbose`` prints it).
    """

    def __init__(
        self,
        inner: LLM,
        *,
        writer: TraceWriter | None = None,
        fingerprint: str = "",
        analysis_id: str | None = None,
        include_content: bool = False,
        on_call: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.inner = inner
        self.writer = writer
        self.fingerprint = fingerprint
        self.analysis_id = analysis_id
        self.include_content = include_content
        self.on_call = on_call
        self.stats = CallStats()
        self._ids = itertools.count()

    def _record(self, request: ChatRequest, started: float, **fields: Any) -> dict[str, Any]:
        record: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "model": request.model,
            "latency_s": round(time.monotonic() - started, 3),
            "prompt_fingerprint": self.fingerprint,
            "repeat_index": request.repeat_index,
            "request_key": request.key(),
            "analysis_id": self.analysis_id,
            **fields,
        }
        if self.include_content:
            record["messages"] = list(request.messages)
        return record

    def _emit(self, record: dict[str, Any]) -> None:
        if self.writer is not None:
            self.writer.write(record)
        if self.on_call is not None:
            self.on_call(record)

    async def complete(self, request: ChatRequest) -> ChatResult:
        token = next(self._ids)
        started = time.monotonic()
        self.stats.in_flight[token] = started
        try:
            result = await self.inner.complete(request)
        except LLMError as e:
            self.stats.calls += 1
            self.stats.errors += 1
            self._emit(
                self._record(
                    request,
                    started,
                    outcome=type(e).__name__,
                    status_code=e.status_code,
                    request_id=e.request_id,
                    cache_hit=False,
                )
            )
            raise
        except BaseException:
            # Ctrl-C or cancellation by a sibling's fatal error: say so, then let it go on.
            self._emit(self._record(request, started, outcome="cancelled", cache_hit=False))
            raise
        finally:
            self.stats.in_flight.pop(token, None)
        s = self.stats
        s.calls += 1
        s.retries += result.retries
        if result.cache_hit:
            s.cache_hits += 1
            s.saved = s.saved + result.usage
        else:
            s.sent = s.sent + result.usage
        u = result.usage
        record = self._record(
            request,
            started,
            response_model=result.model,
            request_id=result.request_id,
            prompt_tokens=u.prompt_tokens,
            completion_tokens=u.completion_tokens,
            cached_tokens=u.cached_tokens,
            retries=result.retries,
            cache_hit=result.cache_hit,
            outcome=outcome_of(result),
            status_code=None,
            structured_mode=result.structured_mode,
        )
        record.update(_salvage_fields(request, result))
        if self.include_content:
            record["content"] = result.content
            record["refusal"] = result.refusal
        self._emit(record)
        return result
