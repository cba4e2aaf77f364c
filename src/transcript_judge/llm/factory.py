"""Build the LLM stack for a run: the OpenAI client, wrapped by cache/record/replay layers.

``http_client_factory`` is the one injection point for the HTTP layer (tests pass an
``httpx.AsyncClient`` that respx intercepts; openai 3.x's default client is httpx2,
which respx can't see).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from .base import LLM
from .settings import ClientSettings, ModeMemory

if TYPE_CHECKING:  # the SDK is imported when a client is built, not before (see .settings)
    import httpx

    from .openai_client import OpenAIChatLLM

__all__ = ["build_llm", "http_client_factory", "set_http_client_factory"]

_factory: Callable[[], httpx.AsyncClient | None] = lambda: None  # noqa: E731


def http_client_factory() -> httpx.AsyncClient | None:
    return _factory()


def set_http_client_factory(factory: Callable[[], httpx.AsyncClient | None]) -> None:
    """Route every client built from now on through ``factory`` (respx, proxies, mTLS)."""
    global _factory
    _factory = factory


def build_llm(settings: ClientSettings, *, modes: ModeMemory | None = None) -> OpenAIChatLLM:
    """The client for ``settings``. Pass the store as ``modes`` so the structured-output
    mode an endpoint accepted is remembered across runs."""
    from .openai_client import OpenAIChatLLM

    return OpenAIChatLLM(settings, http_client=http_client_factory(), modes=modes)


def close_llm(llm: LLM | None) -> object:
    """An awaitable that closes the innermost client, if it has one."""
    if "transcript_judge.llm.openai_client" not in sys.modules:
        return None  # no client was ever built
    from .openai_client import OpenAIChatLLM

    inner = llm
    while inner is not None and not isinstance(inner, OpenAIChatLLM):
        inner = getattr(inner, "inner", None)
    if isinstance(inner, OpenAIChatLLM):
        return inner.aclose()
    return None
