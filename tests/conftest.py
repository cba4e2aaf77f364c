"""Test isolation: no real network, no user config, no retry waits."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "transcripts"

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
        return _real_connect(self, address)
    raise RuntimeError(f"tests may not open network connections (to {host!r})")


@pytest.fixture(autouse=True)
def _isolate(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[None]:
    opted_in = os.environ.get("TJ_LIVE_TESTS") == "1" or os.environ.get("TJ_LIVE_LOCAL") == "1"
    live = request.node.get_closest_marker("live") is not None and opted_in
    if not live:  # a live run keeps the real credentials and network
        for name in (
            "OPENAI_API_KEY",
            "TJ_API_KEY",
            "OPENAI_BASE_URL",
            "TJ_BASE_URL",
            "TJ_MODEL",
            "AZURE_OPENAI_ENDPOINT",
            "AZURE_OPENAI_API_KEY",
            "TJ_CONFIG",
            "OPENAI_API_VERSION",
            "TJ_PRICE_INPUT",
            "TJ_PRICE_OUTPUT",
            "TJ_PRICE_CACHED_INPUT",
            "TJ_CONTEXT_WINDOW",
            "TJ_STRUCTURED_OUTPUT",
            "TJ_TIMEOUT",
            "TJ_MAX_RETRIES",
            "TJ_CONCURRENCY",
            "TJ_CHUNK_TOKENS",
        ):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("tj_home")
    monkeypatch.setenv("TJ_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    if not live:
        monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


@pytest.fixture(autouse=True)
def _no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Our retry policy's waits become zero; the wait it would have used is recorded.
    (The SDK never retries: it is built with max_retries=0.)"""
    from transcript_judge.llm import retry

    waits: list[float] = []

    async def fast(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(retry, "_sleep", fast)
    return waits


@pytest.fixture(autouse=True)
def _no_rate_limit_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Our limiter's 429 waits become zero; the wait it would have used is recorded."""
    from transcript_judge import limiter

    waits: list[float] = []

    async def fast(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(limiter, "_sleep", fast)
    return waits


@pytest.fixture
def rate_limit_waits(_no_rate_limit_waits: list[float]) -> list[float]:
    return _no_rate_limit_waits


@pytest.fixture
def retry_waits(_no_retry_waits: list[float]) -> list[float]:
    return _no_retry_waits


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    return CORPUS
