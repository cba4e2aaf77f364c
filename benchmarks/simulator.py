"""A local OpenAI-compatible latency simulator (FastAPI on 127.0.0.1, a random free port).

``POST /v1/chat/completions`` answers every request with a VALID answer for the
request's ``response_format`` schema: one assessment per required criterion id, with a
real candidate sentence quoted for two or three of them (so grounding passes) and a
sentence of reasoning for each. It takes

    latency_s + completion_tokens x per_token_s (+ prompt_tokens x prefill_per_token_s)

seconds, and reports usage counted with the tool's own counter
(``transcript_judge.tokens.get_counter``): messages plus the structured-output schema,
plus the chat format's few tokens per message. Prompt caching is modelled on OpenAI's:
the static prefix (schema + system message) is reported as ``cached_tokens`` (in
128-token steps, from 1024 tokens) once an earlier request carrying it has completed.

``max_concurrency`` > 0 answers requests beyond that many in flight with 429, a
``Retry-After`` (seconds) and ``retry-after-ms`` (the time until the earliest slot
frees), and OpenAI's error body.

The Batch API is there too, enough for the SDK: ``POST /v1/files`` (multipart),
``POST /v1/batches``, ``GET /v1/batches/{id}``, ``GET /v1/files/{id}/content``. A batch
moves validating -> in_progress -> finalizing -> completed over ``batch_seconds``, with
``request_counts``; its output file holds one line per request, answered as above.

Control (not OpenAI's): ``GET /sim/stats``, ``POST /sim/reset``, ``POST /sim/config``,
``POST /sim/shutdown``.

The server is bounded: it exits after ``max_requests`` requests, after ``lifetime_s``
seconds, or when its parent process goes away.

Run:
    python -m benchmarks.simulator --latency-s 1.0 --per-token-s 0.002 --max-concurrency 2
    # prints "SIMULATOR http://127.0.0.1:PORT" on its first line

From Python: ``with SimulatorProcess(SimConfig(latency_s=1.0)) as sim: sim.base_url``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import random
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

__all__ = ["SimConfig", "SimulatorProcess", "build_answer", "create_app"]


@dataclass
class SimConfig:
    latency_s: float = 1.0
    per_token_s: float = 0.0
    prefill_per_token_s: float = 0.0
    max_concurrency: int = 0  # 0: unlimited
    retry_after_mode: str = "slot"  # "slot": until a slot frees; "seconds": that, rounded up
    cache: bool = True
    cache_min_tokens: int = 1024
    batch_seconds: float = 0.3  # validating -> completed
    model: str = "gpt-4.1-mini-2025-04-14"
    counter_model: str = "gpt-4.1-mini"
    max_requests: int = 50_000
    lifetime_s: float = 1800.0

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f.type for f in fields(self)}
        for k, v in values.items():
            if k not in known:
                raise KeyError(k)
            setattr(self, k, type(getattr(self, k))(v))


# ---------------------------------------------------------------- answers

_LINE = re.compile(r"^\[T(\d+)[^\]]*\] (CONTEXT )?(CANDIDATE|INTERVIEWER[^:]*|OTHER[^:]*): (.*)$", re.M)
_IDS_IN_TEXT = re.compile(r"one key per criterion id \(([^)]*)\)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_REASONS = [
    "The candidate describes this directly in their own words, with a concrete example from a past project.",
    "Nothing in this part of the interview gives the candidate a real chance to show this either way.",
    "The topic comes up, and the candidate's answer shows the opposite of this criterion with specifics.",
    "The candidate mentions it only in passing, without the detail that would make it clear evidence.",
]


def _ids(body: dict[str, Any]) -> list[str]:
    rf = body.get("response_format") or {}
    schema = (rf.get("json_schema") or {}).get("schema") if rf.get("type") == "json_schema" else None
    if isinstance(schema, dict) and isinstance(schema.get("required"), list):
        return [str(x) for x in schema["required"]]
    for m in body.get("messages", []):
        found = _IDS_IN_TEXT.search(str(m.get("content", "")))
        if found:
            return [x.strip() for x in found.group(1).split(",") if x.strip()]
    return []


def _transcript_message(body: dict[str, Any]) -> str:
    for m in body.get("messages", []):
        if m.get("role") == "user" and "<transcript_chunk" in str(m.get("content", "")):
            return str(m["content"])
    return ""


def build_answer(body: dict[str, Any]) -> str:
    """A valid JSON answer for the request: 2-3 criteria shown, with real candidate quotes."""
    user = _transcript_message(body)
    ids = _ids(body)
    rng = random.Random(hashlib.sha256(user.encode()).hexdigest())
    sentences: list[tuple[int, str]] = []
    for m in _LINE.finditer(user):
        if m.group(3) == "CANDIDATE" and not m.group(2):
            for s in _SENTENCE.split(m.group(4)):
                if len(s.split()) >= 6:
                    sentences.append((int(m.group(1)), s))
    shown = set(rng.sample(ids, min(len(ids), rng.randint(2, 3)))) if sentences else set()
    out: dict[str, Any] = {}
    for cid in ids:
        if cid in shown:
            turn, text = rng.choice(sentences)
            out[cid] = {
                "evidence": [{"turn": turn, "text": text}],
                "reasoning": _REASONS[0],
                "verdict": "shown",
                "confidence": round(rng.uniform(0.6, 0.9), 2),
            }
        else:
            k = rng.randint(1, 3)
            out[cid] = {
                "evidence": [],
                "reasoning": _REASONS[k],
                "verdict": "insufficient_evidence" if k == 1 else "not_shown",
                "confidence": round(rng.uniform(0.4, 0.8), 2),
            }
    return json.dumps(out)


# ---------------------------------------------------------------- the server


@dataclass
class _Batch:
    obj: dict[str, Any]
    lines: list[dict[str, Any]]
    created: float


@dataclass
class _State:
    config: SimConfig
    inflight_until: dict[int, float] = field(default_factory=dict)  # request -> expected end time
    next_id: int = 0
    requests: int = 0
    ok: int = 0
    rejected: int = 0
    max_inflight: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    events: list[tuple[float, int, int]] = field(default_factory=list)  # (t, status, inflight)
    cache: set[str] = field(default_factory=set)
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, _Batch] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def stats(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "ok": self.ok,
            "rejected_429": self.rejected,
            "max_inflight": self.max_inflight,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_tokens": self.cached_tokens,
            "events": self.events,
            "config": asdict(self.config),
        }

    def reset(self) -> None:
        self.requests = self.ok = self.rejected = self.max_inflight = 0
        self.prompt_tokens = self.completion_tokens = self.cached_tokens = 0
        self.events, self.cache = [], set()
        self.started = time.monotonic()


def _count(state: _State, text: str) -> int:
    from transcript_judge.tokens import get_counter

    return get_counter(state.config.counter_model).count(text)


def _usage(state: _State, body: dict[str, Any], content: str) -> tuple[dict[str, Any], str]:
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
    schema_text = json.dumps(schema) if schema else ""
    messages = body.get("messages", [])
    prompt = sum(_count(state, str(m.get("content", ""))) + 4 for m in messages) + 3
    prompt += _count(state, schema_text) if schema_text else 0
    system = next((str(m.get("content", "")) for m in messages if m.get("role") == "system"), "")
    prefix_tokens = (_count(state, schema_text) if schema_text else 0) + _count(state, system) + 4
    prefix_key = hashlib.sha256((schema_text + "\x00" + system).encode()).hexdigest()
    cached = 0
    if state.config.cache and prefix_key in state.cache and prefix_tokens >= state.config.cache_min_tokens:
        cached = prefix_tokens // 128 * 128
    completion = _count(state, content)
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    return usage, prefix_key


def _completion(state: _State, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    content = build_answer(body)
    usage, prefix_key = _usage(state, body, content)
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": state.config.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": "fp_simulator",
    }, prefix_key


def create_app(config: SimConfig) -> Any:
    """The FastAPI app."""
    state = _State(config)
    app = FastAPI()
    app.state.sim = state

    def rate_limited(now: float) -> JSONResponse:
        wait = max(0.05, min(state.inflight_until.values()) - now) if state.inflight_until else 0.05
        headers = {
            "retry-after-ms": str(int(wait * 1000)),
            "retry-after": str(math.ceil(wait)),
            "x-ratelimit-limit-requests": str(config.max_concurrency),
            "x-ratelimit-remaining-requests": "0",
            "x-request-id": "req_" + uuid.uuid4().hex[:16],
        }
        if config.retry_after_mode == "seconds":
            del headers["retry-after-ms"]
        return JSONResponse(
            status_code=429,
            headers=headers,
            content={
                "error": {
                    "message": f"Rate limit reached for requests: limit {config.max_concurrency} concurrent "
                    "requests. Please try again shortly.",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            },
        )

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        arrived = time.monotonic()
        state.requests += 1
        if state.requests >= config.max_requests:
            app.state.should_exit = True
        if config.max_concurrency and len(state.inflight_until) >= config.max_concurrency:
            state.rejected += 1
            state.events.append((arrived - state.started, 429, len(state.inflight_until)))
            return rate_limited(arrived)
        # Take the slot now, before any await, so concurrent requests can't all slip through.
        state.next_id += 1
        slot = state.next_id
        state.inflight_until[slot] = arrived + config.latency_s
        state.max_inflight = max(state.max_inflight, len(state.inflight_until))
        state.events.append((arrived - state.started, 200, len(state.inflight_until)))
        try:
            body = await request.json()
            payload, prefix_key = _completion(state, body)
            u = payload["usage"]
            service = (
                config.latency_s
                + u["completion_tokens"] * config.per_token_s
                + u["prompt_tokens"] * config.prefill_per_token_s
            )
            until = arrived + service
            state.inflight_until[slot] = until
            await asyncio.sleep(max(0.0, until - time.monotonic()))
        finally:
            del state.inflight_until[slot]
        state.ok += 1
        state.prompt_tokens += u["prompt_tokens"]
        state.completion_tokens += u["completion_tokens"]
        state.cached_tokens += u["prompt_tokens_details"]["cached_tokens"]
        state.cache.add(prefix_key)
        return JSONResponse(
            payload,
            headers={
                "x-request-id": "req_" + uuid.uuid4().hex[:16],
                "openai-processing-ms": str(int(service * 1000)),
            },
        )

    # -------------------------------------------------- Batch API

    def file_obj(fid: str, size: int, purpose: str, name: str) -> dict[str, Any]:
        return {
            "id": fid,
            "object": "file",
            "bytes": size,
            "created_at": int(time.time()),
            "filename": name,
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }

    @app.post("/v1/files")
    async def upload(request: Request) -> Response:
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return JSONResponse(
                status_code=400, content={"error": {"message": "file is required", "type": "invalid_request_error"}}
            )
        data = await upload.read()
        fid = "file-" + uuid.uuid4().hex[:22]
        state.files[fid] = data
        return JSONResponse(
            file_obj(fid, len(data), str(form.get("purpose", "batch")), upload.filename or "input.jsonl")
        )

    def advance(b: _Batch) -> None:
        o = b.obj
        phase = (time.monotonic() - b.created) / max(1e-6, config.batch_seconds)
        n = len(b.lines)
        if o["status"] in ("completed", "failed", "expired", "cancelled"):
            return
        if phase < 0.2:
            o["status"] = "validating"
            return
        o["status"] = "in_progress"
        o["in_progress_at"] = o["in_progress_at"] or int(time.time())
        done = min(n, int(n * (phase - 0.2) / 0.6))
        o["request_counts"] = {"total": n, "completed": done, "failed": 0}
        if phase < 0.8:
            return
        o["status"] = "finalizing"
        o["finalizing_at"] = o["finalizing_at"] or int(time.time())
        if phase < 1.0:
            return
        out = []
        for line in b.lines:
            payload, _ = _completion(state, line["body"])
            state.prompt_tokens += payload["usage"]["prompt_tokens"]
            state.completion_tokens += payload["usage"]["completion_tokens"]
            out.append(
                json.dumps(
                    {
                        "id": "batch_req_" + uuid.uuid4().hex[:24],
                        "custom_id": line["custom_id"],
                        "response": {"status_code": 200, "request_id": uuid.uuid4().hex, "body": payload},
                        "error": None,
                    }
                )
            )
        fid = "file-" + uuid.uuid4().hex[:22]
        state.files[fid] = ("\n".join(out) + "\n").encode()
        o.update(
            status="completed",
            completed_at=int(time.time()),
            output_file_id=fid,
            request_counts={"total": n, "completed": n, "failed": 0},
        )

    @app.post("/v1/batches")
    async def create_batch(request: Request) -> Response:
        body = await request.json()
        data = state.files.get(body.get("input_file_id", ""))
        if data is None:
            return JSONResponse(
                status_code=404,
                content={"error": {"message": "No such File object", "type": "invalid_request_error", "code": None}},
            )
        lines = [json.loads(x) for x in data.decode().splitlines() if x.strip()]
        bid = "batch_" + uuid.uuid4().hex[:24]
        now = int(time.time())
        obj = {
            "id": bid,
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 86400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        state.batches[bid] = _Batch(obj, lines, time.monotonic())
        return JSONResponse(obj)

    @app.get("/v1/batches/{batch_id}")
    async def get_batch(batch_id: str) -> Response:
        b = state.batches.get(batch_id)
        if b is None:
            return JSONResponse(
                status_code=404, content={"error": {"message": "No such batch", "type": "invalid_request_error"}}
            )
        advance(b)
        return JSONResponse(b.obj)

    @app.get("/v1/files/{file_id}/content")
    async def content(file_id: str) -> Response:
        data = state.files.get(file_id)
        if data is None:
            return JSONResponse(
                status_code=404, content={"error": {"message": "No such File object", "type": "invalid_request_error"}}
            )
        return Response(data, media_type="application/octet-stream")

    # -------------------------------------------------- control

    @app.get("/sim/stats")
    async def stats() -> dict[str, Any]:
        return state.stats()

    @app.post("/sim/reset")
    async def reset() -> dict[str, Any]:
        state.reset()
        return {"ok": True}

    @app.post("/sim/config")
    async def configure(request: Request) -> dict[str, Any]:
        config.update(await request.json())
        return asdict(config)

    @app.post("/sim/shutdown")
    async def shutdown() -> dict[str, Any]:
        app.state.should_exit = True
        return {"ok": True}

    return app


async def _serve(config: SimConfig) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(config)
    app.state.should_exit = False
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30, backlog=4096)
    )
    parent = os.getppid()
    deadline = time.monotonic() + config.lifetime_s

    async def watchdog() -> None:
        while not server.should_exit:
            await asyncio.sleep(0.2)
            if app.state.should_exit or time.monotonic() > deadline or os.getppid() != parent:
                server.should_exit = True

    print(f"SIMULATOR http://127.0.0.1:{port}", flush=True)
    watch = asyncio.create_task(watchdog())
    await server.serve(sockets=[sock])
    watch.cancel()


class SimulatorProcess:
    """Run the simulator in a child process (its own core), for the duration of a ``with``."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (``.../v1``)."""
        return self.url + "/v1"

    def __enter__(self) -> SimulatorProcess:
        args = [sys.executable, "-m", "benchmarks.simulator"]
        for f in fields(self.config):
            args += ["--" + f.name.replace("_", "-"), str(getattr(self.config, f.name))]
        root = Path(__file__).resolve().parents[1]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=root)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("SIMULATOR "):
            self.proc.kill()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.url = line.split()[1]
        return self

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        import httpx

        r = httpx.request(method, self.url + path, json=body, timeout=30)
        r.raise_for_status()
        return r.json()

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "/sim/stats"))

    def reset(self, **config: Any) -> None:
        if config:
            self._call("POST", "/sim/config", config)
            for k, v in config.items():
                setattr(self.config, k, v)
        self._call("POST", "/sim/reset")

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            self._call("POST", "/sim/shutdown")
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()  # our own child, by its handle
            self.proc.wait(timeout=5)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="OpenAI-compatible latency simulator (127.0.0.1 only).")
    for f in fields(SimConfig):
        default = getattr(SimConfig(), f.name)
        p.add_argument(
            "--" + f.name.replace("_", "-"),
            type=type(default) if not isinstance(default, bool) else lambda s: s.lower() in ("1", "true", "yes"),
            default=default,
        )
    return p


def main(argv: list[str] | None = None) -> int:
    a = vars(_parser().parse_args(argv))
    config = SimConfig(**{f.name: a[f.name] for f in fields(SimConfig)})
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config))
    return 0


def iter_events(stats: dict[str, Any]) -> Iterator[tuple[float, int, int]]:
    for t, status, inflight in stats["events"]:
        yield float(t), int(status), int(inflight)


if __name__ == "__main__":
    raise SystemExit(main())
