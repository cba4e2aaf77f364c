"""Where and how to call a model: connection settings and their defaults.

Apart from the SDK client (:mod:`.openai_client`) on purpose: configuration, the CLI and
the web app need these without importing ``openai`` and ``httpx`` (~30 MB and ~0.3 s),
which a run with the keyword baseline, ``--help`` or ``inspect`` never uses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from .base import StructuredOutput

__all__ = ["DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT_S", "OPENAI_BASE_URL", "ClientSettings", "ModeMemory"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 4


@dataclass(frozen=True)
class ClientSettings:
    """Connection settings. ``api_key`` is never logged or put in a repr."""

    model: str
    api_key: str | None = None
    base_url: str | None = None
    azure_endpoint: str | None = None
    azure_api_version: str | None = None
    #: Idle timeout: the longest wait for the next piece of a streamed answer.
    timeout_s: float = DEFAULT_TIMEOUT_S
    #: Re-sends after a server error or a dropped connection (never after a timeout).
    max_retries: int = DEFAULT_MAX_RETRIES
    structured_output: StructuredOutput = "auto"

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        return (
            f"ClientSettings(model={self.model!r}, base_url={self.base_url!r}, "
            f"structured_output={self.structured_output!r}, api_key=<{key}>)"
        )

    @property
    def server(self) -> str:
        """Where requests go: the base URL, or the Azure endpoint and deployment."""
        if self.azure_endpoint:
            return f"azure:{self.azure_endpoint.rstrip('/')}/{self.model}"
        return (self.base_url or OPENAI_BASE_URL).rstrip("/")

    @property
    def endpoint(self) -> str:
        """The identity the cache keys on: the server and the structured-output setting."""
        return f"{self.server}|structured_output={self.structured_output}"

    @property
    def self_hosted(self) -> bool:
        return not self.azure_endpoint and self.server != OPENAI_BASE_URL

    @property
    def on_this_network(self) -> bool:
        """Whether the server is this machine or the local network (loopback, a private
        address, ``localhost``, a ``.local`` name): where a small model usually runs. A
        hosted gateway (OpenRouter, Together, ...) has a public name and is not."""
        if not self.self_hosted or not self.base_url:
            return False
        host = (urlsplit(self.base_url).hostname or "").lower()
        if host == "localhost" or host.endswith((".local", ".localhost", ".internal")):
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return address.is_loopback or address.is_private or address.is_link_local


class ModeMemory(Protocol):
    """Remembers which wire format an endpoint accepted (the store implements it)."""

    def get_endpoint_mode(self, endpoint: str) -> str | None: ...

    def put_endpoint_mode(self, endpoint: str, mode: str) -> None: ...
