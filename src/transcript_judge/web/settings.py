"""How the web app is set up: one frozen settings object, and the bind check.

Only loopback is served unless a token is set: a non-loopback bind without one is
refused before anything listens.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis import AnalysisSettings
from ..errors import ConfigError
from ..ingest import DEFAULT_MAX_BYTES

__all__ = ["MIN_TOKEN_LENGTH", "WebSettings", "is_loopback"]

MIN_TOKEN_LENGTH = 16
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address or a Host header's name) is this machine only."""
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebSettings:
    """Everything that shapes the web app besides the LLM it talks to.

    Args:
        host: the address to bind; loopback unless a token is set.
        port: the TCP port (0 picks a free one).
        token: when set, every request needs it (``Authorization: Bearer`` or the
            session cookie that ``/?token=...`` sets).
        allowed_hosts: ``Host`` header names accepted besides loopback names and
            ``host`` itself. Without a token only those are served (a guard against DNS
            rebinding); with a token, any name is, unless this list narrows it.
        max_upload_bytes: the upload size limit.
        max_jobs: analyses run at once; the rest wait as "queued".
        rubrics: extra rubric files offered in the form, besides the bundled ones.
        analysis: the model, tagger, chunking and concurrency of every run.
        store_path: the SQLite store (default: ``TJ_HOME``'s).
        trace: append a per-call trace (no transcript text) like the CLI does.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    max_upload_bytes: int = DEFAULT_MAX_BYTES
    max_jobs: int = 2
    rubrics: tuple[Path, ...] = ()
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    store_path: Path | None = None
    trace: bool = True

    def check(self) -> None:
        """Refuse unsafe or impossible settings.

        Raises:
            ConfigError: a non-loopback bind without a (long enough) token, or a bad limit.
        """
        if not is_loopback(self.host):
            if not self.token:
                raise ConfigError(
                    f"Refusing to listen on {self.host}: beyond this machine, a token is required.",
                    hint="Set TJ_WEB_TOKEN (or --token) to a long random string, e.g. "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`, or bind 127.0.0.1.",
                )
            if len(self.token) < MIN_TOKEN_LENGTH:
                raise ConfigError(
                    f"The token is too short to guard {self.host}: use at least {MIN_TOKEN_LENGTH} characters."
                )
        if self.max_upload_bytes < 1 or self.max_jobs < 1:
            raise ConfigError("The upload limit and the number of jobs must be positive.")

    def host_allowed(self, name: str) -> bool:
        """Whether a request's ``Host`` name (without port) may be served."""
        name = name.strip().strip("[]").lower()
        if is_loopback(name) or name == self.host.strip("[]").lower():
            return True
        if self.allowed_hosts:
            return name in {h.strip("[]").lower() for h in self.allowed_hosts}
        return self.token is not None
