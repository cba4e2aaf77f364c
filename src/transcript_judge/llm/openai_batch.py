"""The OpenAI Batch API, inside the provider: a round of requests in, their answers out.

:meth:`OpenAIBatches.answer` takes one round (requests by ``custom_id``) and returns what
each answered:

1. the requests are written as JSONL, one line per request, the body the synchronous
   client sends (:func:`.openai_client.chat_body`), uploaded (``files.create(purpose=
   "batch")``) and submitted (``batches.create(endpoint="/v1/chat/completions",
   completion_window="24h")``). A round larger than the API's limits (50,000 requests or
   200 MB per file) is split into several batches, submitted together;
2. the batch is polled until it ends, with a progress callback; its output and error
   files are downloaded.

A line of those files is read as the synchronous client reads an answer: its body is
validated as a ``ChatCompletion`` and read by :func:`.openai_client.completion_result`; a
failed line's status and body go through :func:`.openai_errors.error_from_status`, so it
is the error class a synchronous call would have raised (:func:`parse_output_line`).
What the caller gets for a failed line is one request's failure, never the run's
(:func:`request_failure`): a context-length error (the caller re-chunks) or an
:class:`LLMTransientError`. A line missing from both files (the batch expired or was
cancelled first) is a failure too. A batch that fails as a whole (its input was
rejected) raises :class:`LLMBadRequestError`.

The Batch API calls themselves (upload, submit, poll, download) follow the one retry
policy (:meth:`.retry.RetryPolicy.call`): server errors ``max_retries`` times, 429s waited
out for their ``Retry-After``, on the caller's clock (``sleep``).

Resumable: a batch's id is written to ``<TJ_HOME>/batches/<key>.json`` before polling
starts, where the key hashes its JSONL. Answering the same round again after an
interruption finds it and polls that batch instead of submitting (and paying for) a new
one. :meth:`OpenAIBatches.forget` removes the files once the caller has what it needs.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from openai.types import Batch
from openai.types.chat import ChatCompletion

from ..errors import (
    ConfigError,
    ContextLengthExceededError,
    LLMBadRequestError,
    LLMError,
    LLMModelNotFoundError,
    LLMRateLimitError,
    LLMTransientError,
)
from ..store import home_dir
from .base import ChatRequest, ChatResult
from .batch_state import BatchState
from .openai_client import build_openai_client, chat_body, completion_result
from .openai_errors import error_from_status, error_text, map_error
from .retry import RetryPolicy, Sleep
from .settings import ClientSettings

__all__ = [
    "BATCH_ENDPOINT",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_REQUESTS",
    "BatchProgress",
    "BatchSettings",
    "OpenAIBatches",
    "ProgressCallback",
    "custom_id",
    "parse_output_line",
    "request_failure",
    "request_line",
]

log = logging.getLogger(__name__)

BATCH_ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
_TERMINAL = ("completed", "failed", "expired", "cancelled")
MAX_BATCH_REQUESTS = 50_000  # the Batch API's limits per input file
MAX_BATCH_BYTES = 190 * 1024 * 1024  # (200 MB, with a margin)

T = TypeVar("T")
Answer = ChatResult | LLMError


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


# ---------------------------------------------------------------- request and result lines


def custom_id(request: ChatRequest) -> str:
    """The line's id: the request's own key, so identical requests share one line."""
    return "tj-" + request.key()[:40]


def request_line(request: ChatRequest) -> dict[str, Any]:
    """One line of the batch's input file: the synchronous client's body (strict
    structured outputs), unstreamed."""
    return {"custom_id": custom_id(request), "method": "POST", "url": BATCH_ENDPOINT, "body": chat_body(request)}


def parse_output_line(line: dict[str, Any], *, model: str = "") -> tuple[str, Answer]:
    """A line of a batch's output or error file: its ``custom_id`` and what it answered,
    read as the synchronous client reads an answer or an error (``model``: the requests')."""
    cid = str(line.get("custom_id") or "")
    error = line.get("error")
    response = line.get("response") or {}
    if error:  # not an HTTP answer: the batch expired or was cancelled before the request ran
        text = error_text({"error": error} if isinstance(error, dict) else {}, str(error)) or "no message"
        return cid, LLMTransientError(f"The batch request failed: {text}")
    status = response.get("status_code")
    request_id = response.get("request_id")
    body = response.get("body")
    if not isinstance(body, dict) or not isinstance(status, int):
        return cid, LLMTransientError(f"The batch returned an unreadable response for {cid}.")
    if status != 200:
        return cid, error_from_status(status, error_text(body, "no message"), model=model, request_id=request_id)
    try:
        return cid, completion_result(ChatCompletion.model_validate(body), model=model, request_id=request_id)
    except ValueError as e:  # pydantic's ValidationError is one
        return cid, LLMTransientError(f"The batch returned an unreadable response for {cid}: {e}")


def request_failure(error: LLMError) -> LLMError:
    """What the caller gets for a failed line: one request's failure, as a call that
    outlived its retries would be, never the run's. A context-length error stays one (the
    caller re-chunks); a 401, 404 or 429 line becomes an :class:`LLMTransientError` with
    the same message (a 429 line ran its course inside the batch: it isn't waited out)."""
    if isinstance(error, ContextLengthExceededError):
        return error
    if isinstance(error, LLMTransientError) and not isinstance(error, LLMRateLimitError):
        return error
    failure = LLMTransientError(
        f"The batch request failed: {error.message}", status_code=error.status_code, request_id=error.request_id
    )
    failure.__cause__ = error
    return failure


def _split(lines: Mapping[str, bytes]) -> list[dict[str, bytes]]:
    """The round's lines in as few input files as the API's limits allow."""
    groups: list[dict[str, bytes]] = [{}]
    size = 0
    for cid, line in lines.items():
        if groups[-1] and (len(groups[-1]) >= MAX_BATCH_REQUESTS or size + len(line) > MAX_BATCH_BYTES):
            groups.append({})
            size = 0
        groups[-1][cid] = line
        size += len(line)
    return groups


def _failure_of(batch: Batch) -> LLMBadRequestError:
    errors = batch.errors.data if batch.errors and batch.errors.data else []
    described = "; ".join(
        (f"line {e.line}: " if e.line else "") + f"{e.message or e.code or 'invalid input'}" for e in errors[:5]
    )
    return LLMBadRequestError(f"Batch {batch.id} failed: {described or 'no reason given'}.")


# ---------------------------------------------------------------- the driver


class OpenAIBatches:
    """Answers rounds of requests through the Batch API (see the module docstring).

    Raises ConfigError at once for Azure OpenAI, whose Batch API this doesn't drive.
    """

    def __init__(
        self,
        client_settings: ClientSettings,
        settings: BatchSettings,
        *,
        http_client: httpx.AsyncClient | None = None,
        on_progress: ProgressCallback | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if client_settings.azure_endpoint:
            raise ConfigError(
                "--batch uses the OpenAI Batch API, which this tool doesn't drive on Azure OpenAI.",
                hint="Run without --batch, or against api.openai.com.",
            )
        self.client_settings = client_settings
        self.settings = settings
        self.client = build_openai_client(client_settings, http_client=http_client)
        self.policy = RetryPolicy(max_retries=client_settings.max_retries)
        self.on_progress = on_progress
        self.sleep = sleep
        self.states: list[BatchState] = []
        self.round = 0

    def _emit(self, progress: BatchProgress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)

    async def _sdk(self, call: Callable[[], Awaitable[T]]) -> T:
        """One Batch API call, under the one retry policy; SDK errors become ours."""
        return await self.policy.call(call, lambda e: map_error(e, self.client_settings), sleep=self.sleep)

    async def answer(self, requests: Mapping[str, ChatRequest]) -> dict[str, Answer]:
        """One round: each request's answer, or its failure (:func:`request_failure`)."""
        self.round += 1
        lines = {
            cid: json.dumps(request_line(r), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            for cid, r in requests.items()
        }
        parts = await asyncio.gather(*(self._answer_group(group) for group in _split(lines)))
        return {cid: answer for part in parts for cid, answer in part.items()}

    async def _answer_group(self, group: dict[str, bytes]) -> dict[str, Answer]:
        data = b"".join(group.values())
        where = self.client_settings.base_url or "api.openai.com"
        key = hashlib.sha256(where.encode() + b"\0" + data).hexdigest()[:32]
        state = BatchState(self.settings.directory() / f"{key}.json", key)
        self.states.append(state)
        batch_id = await self._submit_or_resume(state, data, len(group))
        answers = await self._wait_and_download(state, batch_id, len(group))
        out: dict[str, Answer] = {}
        for cid in group:
            answer = answers.get(cid) or LLMTransientError(
                f"Batch {batch_id} ended without an answer for this request ({cid})."
            )
            out[cid] = request_failure(answer) if isinstance(answer, LLMError) else answer
        return out

    async def _submit_or_resume(self, state: BatchState, data: bytes, count: int) -> str:
        saved = state.read()
        if saved.get("batch_id"):
            batch_id = str(saved["batch_id"])
            try:
                await self._sdk(lambda: self.client.batches.retrieve(batch_id))
            except LLMModelNotFoundError:  # 404: not this account's batch, or long gone
                log.warning("saved batch %s is unknown to the service; submitting again", batch_id)
                saved = {}
                state.forget()
            else:
                self._emit(BatchProgress(self.round, "resumed", batch_id, total=count))
                return batch_id
        file_id = saved.get("input_file_id")
        if not file_id:
            file_id = await self._upload(state, data, count)
            saved = state.read()
        batch = await self._sdk(
            lambda: self.client.batches.create(
                input_file_id=str(file_id),
                endpoint=BATCH_ENDPOINT,
                completion_window=self.settings.completion_window,
                metadata={"tool": "transcript-judge", "round": str(self.round)},
            )
        )
        state.write({**saved, "batch_id": batch.id, "submitted_at": int(time.time())})
        self._emit(BatchProgress(self.round, "submitted", batch.id, total=count))
        return batch.id

    async def _upload(self, state: BatchState, data: bytes, count: int) -> str:
        self._emit(BatchProgress(self.round, "uploading", total=count))
        try:
            uploaded = await self._sdk(
                lambda: self.client.files.create(
                    file=(f"transcript-judge-{state.key}.jsonl", data, "application/jsonl"), purpose="batch"
                )
            )
        except LLMModelNotFoundError as e:
            raise ConfigError(
                f"{self.client_settings.base_url or 'This endpoint'} has no Batch API (/v1/files answered 404).",
                hint="Use --batch with the OpenAI API, or run without --batch.",
            ) from e
        state.write(
            {
                "input_file_id": uploaded.id,
                "requests": count,
                "model": self.client_settings.model,
                "endpoint": self.client_settings.base_url,
            }
        )
        return uploaded.id

    async def _poll(self, state: BatchState, batch_id: str, count: int) -> Batch:
        """Poll until the batch ends, backing off; raise after ``max_wait_s``."""
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
                return batch
            waited = time.monotonic() - started
            if self.settings.max_wait_s is not None and waited >= self.settings.max_wait_s:
                raise LLMTransientError(
                    f"Batch {batch_id} is still {batch.status} after {waited:.0f} s.",
                    hint=f"Run the same command again to resume waiting for it (its id is saved in {state.path}).",
                )
            await self.sleep(interval)
            interval = min(self.settings.max_poll_interval_s, interval * 1.5)

    async def _wait_and_download(self, state: BatchState, batch_id: str, count: int) -> dict[str, Answer]:
        batch = await self._poll(state, batch_id, count)
        if batch.status == "failed":
            state.forget()  # nothing ran: a re-run must submit again
            raise _failure_of(batch)
        self._emit(BatchProgress(self.round, "downloading", batch_id, total=count))
        answers: dict[str, Answer] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            content = await self._sdk(functools.partial(self.client.files.content, file_id))
            for raw in content.text.splitlines():
                if not raw.strip():
                    continue
                try:
                    cid, answer = parse_output_line(json.loads(raw), model=self.client_settings.model)
                except (ValueError, AttributeError) as e:
                    log.warning("skipping an unreadable line of batch %s: %s", batch_id, e)
                    continue
                answers.setdefault(cid, answer)
        if batch.status != "completed":
            log.warning("batch %s ended %s: %d of %d requests answered", batch_id, batch.status, len(answers), count)
        self._emit(BatchProgress(self.round, "done", batch_id, completed=len(answers), total=count))
        return answers

    def forget(self) -> None:
        """Remove the saved batch ids: every answer has been used."""
        for state in self.states:
            state.forget()

    async def aclose(self) -> None:
        await self.client.close()
