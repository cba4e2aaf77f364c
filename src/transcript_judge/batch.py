"""Many analyses through the OpenAI Batch API: half the price, no thousands of open calls.

The analyses run exactly as they do synchronously (``run_analysis``: the same prompts,
validation, re-asks, re-chunking, grounding and report), but each model call waits for the
next *batch round* instead of going out on its own:

1. every analysis starts, and each of its chunks asks for its first answer;
2. when every analysis is waiting, the requests are written as JSONL (one line per distinct
   request, ``custom_id`` from :meth:`ChatRequest.key`, the body the synchronous client
   sends), uploaded (``files.create(purpose="batch")``) and submitted
   (``batches.create(endpoint="/v1/chat/completions", completion_window="24h")``);
3. the batch is polled until it is done, with a progress callback; its output and error
   files are downloaded and each line becomes the answer (or the error) of its request;
4. the analyses go on. A re-ask (invalid answer) or a re-chunk (truncated answer, context
   length) asks again, and those requests make the next round. Most runs need one round.

Identical requests from different analyses share one line and are paid for once (the
others report a cache hit). A round larger than the API's limits (50,000 requests or
200 MB per file) is split into several batches, submitted together.

Per-request failures are chunk outcomes, as in a synchronous run: a line with an error, a
non-200 status, or no line at all (the batch expired or was cancelled first) fails that
chunk, and the report says so; a context-length error re-chunks. A batch that fails as a
whole (its input was rejected) raises :class:`LLMBadRequestError`.

Resumable: a round's batch id is written to ``<TJ_HOME>/batches/<key>.json`` before
polling starts, where the key hashes the round's JSONL. Running the same analyses again
after an interruption finds it and polls that batch instead of submitting (and paying for)
a new one. The files are removed when every analysis has its report.

Cost is reported at batch prices (``estimate_cost(..., batch=True)``).

Only ``llm/openai_client.py`` imports ``openai``: the client comes from
:func:`build_openai_client`, and SDK errors become ours through :func:`map_error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx

from .analysis import AnalysisResult, run_analysis
from .errors import (
    ConfigError,
    ContextLengthExceededError,
    LLMBadRequestError,
    LLMError,
    LLMModelNotFoundError,
    LLMTransientError,
    TranscriptJudgeError,
)
from .events import EventCallback
from .llm.base import LLM, ChatRequest, ChatResult, Usage
from .llm.openai_client import build_openai_client, finish_reason, is_context_length, map_error
from .llm.openai_client import chat_body as openai_chat_body
from .llm.retry import RetryPolicy
from .llm.settings import ClientSettings
from .planning import Plan
from .report.model import Warning
from .store import home_dir

__all__ = [
    "BATCH_ENDPOINT",
    "BatchJob",
    "BatchProgress",
    "BatchSettings",
    "chat_body",
    "custom_id",
    "parse_output_line",
    "request_line",
    "run_batch",
]

log = logging.getLogger(__name__)

BATCH_ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
_STATE_VERSION = 1
_TERMINAL = ("completed", "failed", "expired", "cancelled")
_SETTLE_TICKS = 50  # event-loop turns without news before a round is considered complete
MAX_BATCH_REQUESTS = 50_000  # the Batch API's limits per input file
MAX_BATCH_BYTES = 190 * 1024 * 1024  # (200 MB, with a margin)
_RATE_LIMIT_ATTEMPTS = 6

T = TypeVar("T")


@dataclass(frozen=True)
class BatchJob:
    """One analysis to run in the batch: a plan and what ``run_analysis`` needs with it."""

    plan: Plan
    source_name: str
    repeat_index: int = 0
    extra_warnings: tuple[Warning, ...] = ()
    on_event: EventCallback | None = None


@dataclass(frozen=True)
class BatchSettings:
    """How to wait for batches, and where their ids are kept."""

    poll_interval_s: float = 10.0
    max_poll_interval_s: float = 60.0
    max_wait_s: float | None = None  # None: until the batch ends (its window is 24 h)
    state_dir: Path | None = None  # None: <TJ_HOME>/batches
    completion_window: Literal["24h"] = "24h"

    def directory(self) -> Path:
        return self.state_dir if self.state_dir is not None else home_dir() / "batches"


@dataclass(frozen=True)
class BatchProgress:
    """What a progress bar needs. ``status`` is the batch's, or one of ``uploading``,
    ``submitted``, ``resumed``, ``downloading``, ``done``."""

    round: int
    status: str
    batch_id: str | None = None
    completed: int = 0
    failed: int = 0
    total: int = 0
    elapsed_s: float = 0.0


ProgressCallback = Callable[[BatchProgress], None]
Sleep = Callable[[float], Awaitable[None]]


# ---------------------------------------------------------------- request and result lines


def custom_id(request: ChatRequest) -> str:
    """The line's id: the request's own key, so identical requests share one line."""
    return "tj-" + request.key()[:40]


def chat_body(request: ChatRequest) -> dict[str, Any]:
    """The body the synchronous client sends for ``request`` (strict structured outputs),
    unstreamed: the client's own definition, not a copy."""
    return openai_chat_body(request, wire="json_schema")


def request_line(request: ChatRequest) -> dict[str, Any]:
    """One line of the batch's input file."""
    return {"custom_id": custom_id(request), "method": "POST", "url": BATCH_ENDPOINT, "body": chat_body(request)}


def _completion_result(body: dict[str, Any], request_id: str | None) -> ChatResult:
    choices = body.get("choices") or []
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    common: dict[str, Any] = {
        "model": str(body.get("model") or ""),
        "request_id": request_id,
        "usage": Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            cached_tokens=int(details.get("cached_tokens") or 0),
        ),
    }
    if not choices:
        return ChatResult(content=None, finish_reason="other", **common)
    choice = choices[0]
    message = choice.get("message") or {}
    refusal = message.get("refusal")
    return ChatResult(
        content=message.get("content"),
        refusal=refusal,
        finish_reason=finish_reason(choice.get("finish_reason"), refusal),
        **common,
    )


def _line_error(status: int | None, error: dict[str, Any], request_id: str | None) -> LLMError:
    message = str(error.get("message") or "no message")
    code = str(error.get("code") or error.get("type") or "")
    text = f"{message} {code}".strip()
    low = text.lower()
    if status in (None, 400, 413, 422, 500) and is_context_length(low):
        return ContextLengthExceededError(
            f"The prompt exceeded the model's context window: {text}", status_code=status, request_id=request_id
        )
    where = f" ({status})" if status else ""
    # A failed line is one chunk's failure, as a call that outlived its retries would be.
    return LLMTransientError(f"The batch request failed{where}: {text}", status_code=status, request_id=request_id)


def parse_output_line(line: dict[str, Any]) -> tuple[str, ChatResult | LLMError]:
    """A line of a batch's output or error file: its ``custom_id`` and what it answered."""
    cid = str(line.get("custom_id") or "")
    error = line.get("error")
    response = line.get("response") or {}
    if error:
        return cid, _line_error(None, error if isinstance(error, dict) else {"message": str(error)}, None)
    status = response.get("status_code")
    request_id = response.get("request_id")
    body = response.get("body")
    if not isinstance(body, dict):
        return cid, LLMTransientError(f"The batch returned an unreadable response for {cid}.")
    if status != 200:
        nested = body.get("error")
        err: dict[str, Any] = nested if isinstance(nested, dict) else body
        return cid, _line_error(status if isinstance(status, int) else None, err, request_id)
    try:
        return cid, _completion_result(body, request_id)
    except (TypeError, ValueError, AttributeError) as e:
        return cid, LLMTransientError(f"The batch returned an unreadable response for {cid}: {e}")


# ---------------------------------------------------------------- the LLM the analyses see


@dataclass
class _Pending:
    request: ChatRequest
    futures: list[asyncio.Future[ChatResult]] = field(default_factory=list)

    def resolve(self, answer: ChatResult | LLMError) -> None:
        for i, fut in enumerate(self.futures):
            if fut.done():
                continue
            if isinstance(answer, LLMError):
                fut.set_exception(answer)
            elif i == 0:
                fut.set_result(answer)
            else:  # the same request from another analysis: answered once, paid once
                fut.set_result(answer.model_copy(update={"cache_hit": True, "usage": Usage()}))


class _BatchingLLM:
    """Collects requests; :class:`_Rounds` answers them a batch at a time."""

    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}
        self.arrivals = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        cid = custom_id(request)
        entry = self.pending.setdefault(cid, _Pending(request))
        fut: asyncio.Future[ChatResult] = asyncio.get_running_loop().create_future()
        entry.futures.append(fut)
        self.arrivals += 1
        return await fut

    def take(self) -> dict[str, _Pending]:
        taken, self.pending = self.pending, {}
        return taken


# ---------------------------------------------------------------- state files


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    Path(tmp).replace(path)


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        log.warning("ignoring unreadable batch state %s: %s", path, e)
        return {}
    return data if isinstance(data, dict) and data.get("version") == _STATE_VERSION else {}


def _forget(path: Path) -> None:
    path.unlink(missing_ok=True)


# ---------------------------------------------------------------- the rounds


class _Rounds:
    def __init__(
        self,
        client_settings: ClientSettings,
        settings: BatchSettings,
        http_client: httpx.AsyncClient | None,
        on_progress: ProgressCallback | None,
        sleep: Sleep,
    ) -> None:
        self.client_settings = client_settings
        self.settings = settings
        self.client = build_openai_client(client_settings, http_client=http_client)
        self.on_progress = on_progress
        self.sleep = sleep
        self.state_files: list[Path] = []
        self.round = 0

    def _emit(self, progress: BatchProgress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)

    async def _sdk(self, call: Callable[[], Awaitable[T]]) -> T:
        """One Batch API call. SDK errors become ours; a 429 is waited out here, honouring
        ``Retry-After`` when the error carries it; server errors follow the one retry policy."""
        policy = RetryPolicy(max_retries=self.client_settings.max_retries)
        retries = 0
        for attempt in range(1, _RATE_LIMIT_ATTEMPTS + 1):
            try:
                return await call()
            except Exception as e:  # SDK errors become ours, as in openai_client
                error = map_error(e, self.client_settings)
                if policy.should_retry(error, retries):
                    await policy.wait(error, retries)
                    retries += 1
                    continue
                if error.status_code != 429 or attempt == _RATE_LIMIT_ATTEMPTS:
                    raise error from e
                retry_after = getattr(error, "retry_after", None)
                wait = retry_after if isinstance(retry_after, int | float) else min(60.0, 2.0**attempt)
                log.info("Batch API rate limited (429); retrying in %.1f s", wait)
                await self.sleep(wait * (1 + 0.25 * random.random()))
        raise AssertionError("unreachable")  # pragma: no cover

    async def run(self, llm: _BatchingLLM, tasks: Sequence[asyncio.Task[AnalysisResult]]) -> None:
        """Answer rounds of requests until every analysis is done."""
        while True:
            await _settle(llm, tasks)
            if all(t.done() for t in tasks):
                return
            if not llm.pending:
                await asyncio.sleep(0.01)  # an analysis is busy with something else
                continue
            self.round += 1
            await self._answer(llm.take())

    async def _answer(self, pending: dict[str, _Pending]) -> None:
        """One round: as many batches as the API's limits need, submitted together."""
        groups: list[dict[str, bytes]] = [{}]
        size = 0
        for cid, entry in pending.items():
            line = json.dumps(request_line(entry.request), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            if groups[-1] and (len(groups[-1]) >= MAX_BATCH_REQUESTS or size + len(line) > MAX_BATCH_BYTES):
                groups.append({})
                size = 0
            groups[-1][cid] = line
            size += len(line)
        await asyncio.gather(*(self._answer_group(group, pending) for group in groups))

    async def _answer_group(self, group: dict[str, bytes], pending: dict[str, _Pending]) -> None:
        data = b"".join(group.values())
        where = self.client_settings.base_url or "api.openai.com"
        key = hashlib.sha256(where.encode() + b"\0" + data).hexdigest()[:32]
        path = self.settings.directory() / f"{key}.json"
        self.state_files.append(path)
        batch_id = await self._submit_or_resume(path, key, data, len(group))
        answers = await self._wait_and_download(path, batch_id, len(group))
        for cid in group:
            pending[cid].resolve(
                answers.get(cid)
                or LLMTransientError(f"Batch {batch_id} ended without an answer for this request ({cid}).")
            )

    async def _submit_or_resume(self, path: Path, key: str, data: bytes, count: int) -> str:
        state = _read_state(path)
        if state.get("batch_id"):
            batch_id = str(state["batch_id"])
            try:
                await self._sdk(lambda: self.client.batches.retrieve(batch_id))
            except LLMModelNotFoundError:  # 404: not this account's batch, or long gone
                log.warning("saved batch %s is unknown to the service; submitting again", batch_id)
                state = {}
                _forget(path)
            else:
                self._emit(BatchProgress(self.round, "resumed", batch_id, total=count))
                return batch_id
        file_id = state.get("input_file_id")
        if not file_id:
            self._emit(BatchProgress(self.round, "uploading", total=count))
            try:
                uploaded = await self._sdk(
                    lambda: self.client.files.create(
                        file=(f"transcript-judge-{key}.jsonl", data, "application/jsonl"), purpose="batch"
                    )
                )
            except LLMModelNotFoundError as e:
                raise ConfigError(
                    f"{self.client_settings.base_url or 'This endpoint'} has no Batch API (/v1/files answered 404).",
                    hint="Use --batch with the OpenAI API, or run without --batch.",
                ) from e
            file_id = uploaded.id
            state = {
                "version": _STATE_VERSION,
                "key": key,
                "input_file_id": file_id,
                "requests": count,
                "model": self.client_settings.model,
                "endpoint": self.client_settings.base_url,
            }
            _write_json_atomic(path, state)
        batch = await self._sdk(
            lambda: self.client.batches.create(
                input_file_id=str(file_id),
                endpoint=BATCH_ENDPOINT,
                completion_window=self.settings.completion_window,
                metadata={"tool": "transcript-judge", "round": str(self.round)},
            )
        )
        state["batch_id"] = batch.id
        state["submitted_at"] = int(time.time())
        _write_json_atomic(path, state)
        self._emit(BatchProgress(self.round, "submitted", batch.id, total=count))
        return batch.id

    async def _wait_and_download(self, path: Path, batch_id: str, count: int) -> dict[str, ChatResult | LLMError]:
        started = time.monotonic()
        interval = self.settings.poll_interval_s
        while True:
            batch = await self._sdk(lambda: self.client.batches.retrieve(batch_id))
            counts = batch.request_counts
            elapsed = time.time() - batch.created_at if batch.created_at else time.monotonic() - started
            self._emit(
                BatchProgress(
                    self.round,
                    batch.status,
                    batch_id,
                    completed=counts.completed if counts else 0,
                    failed=counts.failed if counts else 0,
                    total=counts.total if counts and counts.total else count,
                    elapsed_s=max(0.0, elapsed),
                )
            )
            if batch.status in _TERMINAL:
                break
            waited = time.monotonic() - started
            if self.settings.max_wait_s is not None and waited >= self.settings.max_wait_s:
                raise LLMTransientError(
                    f"Batch {batch_id} is still {batch.status} after {waited:.0f} s.",
                    hint=f"Run the same command again to resume waiting for it (its id is saved in {path}).",
                )
            await self.sleep(interval)
            interval = min(self.settings.max_poll_interval_s, interval * 1.5)
        if batch.status == "failed":
            _forget(path)  # nothing ran: a re-run must submit again
            errors = batch.errors.data if batch.errors and batch.errors.data else []
            described = "; ".join(
                (f"line {e.line}: " if e.line else "") + f"{e.message or e.code or 'invalid input'}" for e in errors[:5]
            )
            raise LLMBadRequestError(f"Batch {batch_id} failed: {described or 'no reason given'}.")
        self._emit(BatchProgress(self.round, "downloading", batch_id, total=count))
        answers: dict[str, ChatResult | LLMError] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            content = await self._sdk(functools.partial(self.client.files.content, file_id))
            for raw in content.text.splitlines():
                if not raw.strip():
                    continue
                try:
                    cid, answer = parse_output_line(json.loads(raw))
                except (ValueError, AttributeError) as e:
                    log.warning("skipping an unreadable line of batch %s: %s", batch_id, e)
                    continue
                answers.setdefault(cid, answer)
        if batch.status != "completed":
            log.warning("batch %s ended %s: %d of %d requests answered", batch_id, batch.status, len(answers), count)
        self._emit(BatchProgress(self.round, "done", batch_id, completed=len(answers), total=count))
        return answers

    def forget(self) -> None:
        for path in self.state_files:
            _forget(path)

    async def aclose(self) -> None:
        await self.client.close()


async def _settle(llm: _BatchingLLM, tasks: Sequence[asyncio.Task[AnalysisResult]]) -> None:
    """Let every analysis run until it waits for an answer or finishes.

    Between a request and the next, an analysis does only local work (validation,
    grounding, splitting a chunk) with no I/O, so a few dozen event-loop turns with no new
    request and no analysis finishing mean they are all waiting. Getting this wrong would
    only split a round in two, never lose a request.
    """
    quiet = 0
    last = (-1, -1)
    while quiet < _SETTLE_TICKS:
        await asyncio.sleep(0)
        now = (llm.arrivals, sum(t.done() for t in tasks))
        quiet = quiet + 1 if now == last else 0
        last = now


async def run_batch(
    jobs: Sequence[BatchJob],
    client_settings: ClientSettings,
    *,
    settings: BatchSettings | None = None,
    http_client: httpx.AsyncClient | None = None,
    on_progress: ProgressCallback | None = None,
    wrap: Callable[[LLM, int], LLM] | None = None,
    sleep: Sleep = asyncio.sleep,
) -> list[AnalysisResult | TranscriptJudgeError]:
    """Run ``jobs`` through the OpenAI Batch API; one result per job, in order.

    Each result is the :class:`AnalysisResult` a synchronous run would give (cost at batch
    prices), or the error that stopped that analysis alone.

    ``wrap(llm, i)`` puts layers in front of the batch for ``jobs[i]``, as in a synchronous
    run: the run's own stack (:meth:`.runs.RunSession.wrap`: its trace, and a cache linked
    to its analysis, whose hits are answered locally and never join a batch), or
    ``lambda llm, i: RecordingLLM(llm, dir)`` to record the answers for ``--replay``.

    Raises:
        ConfigError: the endpoint has no Batch API (Azure, local servers).
        LLMBadRequestError: a batch failed as a whole (its input was rejected).
        LLMTransientError: ``max_wait_s`` passed with a batch still running; run again to
            resume (the batch id is kept).
        LLMError: the Batch API itself failed (auth, ...), after the SDK's retries.
    """
    if client_settings.azure_endpoint:
        raise ConfigError(
            "--batch uses the OpenAI Batch API, which this tool doesn't drive on Azure OpenAI.",
            hint="Run without --batch, or against api.openai.com.",
        )
    bs = settings or BatchSettings()
    llm = _BatchingLLM()
    fronts = [wrap(llm, i) if wrap is not None else llm for i in range(len(jobs))]
    rounds = _Rounds(client_settings, bs, http_client, on_progress, sleep)

    async def one(job: BatchJob, front: LLM) -> AnalysisResult:
        # Every chunk asks at once: the batch is the only limit.
        unlimited = replace(job.plan.settings, concurrency=max(job.plan.settings.concurrency, 1_000_000))
        return await run_analysis(
            replace(job.plan, settings=unlimited),
            front,
            source_name=job.source_name,
            repeat_index=job.repeat_index,
            on_event=job.on_event,
            extra_warnings=list(job.extra_warnings),
            batch_pricing=True,
        )

    tasks = [asyncio.create_task(one(job, front)) for job, front in zip(jobs, fronts, strict=True)]
    try:
        await rounds.run(llm, tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        if http_client is None:  # a client the caller passed in is the caller's to close
            with contextlib.suppress(Exception):
                await rounds.aclose()
    results: list[AnalysisResult | TranscriptJudgeError] = []
    for t in tasks:
        error = t.exception()
        if error is None:
            results.append(t.result())
        elif isinstance(error, TranscriptJudgeError):
            results.append(error)
        else:
            raise error
    rounds.forget()
    return results
