"""How the web app is set up: one frozen settings object, and the bind check.

Only loopback is served unless a token is set: a non-loopback bind without one is
refused before anything listens. A token must be long and not guessable
(:func:`token_problem`); the refusal offers a freshly generated one.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..ingest import DEFAULT_MAX_BYTES
from ..planning import AnalysisSettings
from ..service import UNLIMITED, Budget

__all__ = ["MIN_TOKEN_BITS", "MIN_TOKEN_LENGTH", "WebSettings", "is_loopback", "token_bits", "token_problem"]

MIN_TOKEN_LENGTH = 16
#: Estimated bits (length x the character distribution's Shannon entropy) a token needs.
#: Random 16-character tokens score ~56-64 (URL-safe) or ~44-56 (hex); "aaaa..." 0, "abcdabcd..." 32.
MIN_TOKEN_BITS = 40.0
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def token_bits(token: str) -> float:
    """An estimate of a token's entropy in bits: its length times the Shannon entropy of its
    characters' distribution (an upper bound for anything but random text).

    Example:
        >>> token_bits("a" * 32)
        0.0
        >>> token_bits("abcdabcdabcdabcd")
        32.0
    """
    if not token:
        return 0.0
    n = len(token)
    return n * -sum(c / n * math.log2(c / n) for c in Counter(token).values()) + 0.0


def _predictable_steps(token: str) -> int:
    """Steps from one character to the next that repeat it or count up or down by one
    ("aaaa", "1234", "fedc")."""
    return sum(1 for a, b in itertools.pairwise(token) if abs(ord(a) - ord(b)) <= 1)


def token_problem(token: str) -> str | None:
    """Why ``token`` is too weak to guard the server, or None if it will do."""
    if len(token) < MIN_TOKEN_LENGTH:
        return f"The token is too short: use at least {MIN_TOKEN_LENGTH} random characters."
    bits = token_bits(token)
    if bits < MIN_TOKEN_BITS:
        return (
            f"The token is too easy to guess: it repeats a few characters (about {bits:.0f} bits of "
            f"entropy; at least {MIN_TOKEN_BITS:.0f} are needed)."
        )
    if _predictable_steps(token) * 2 > len(token) - 1:
        return "The token is too easy to guess: it is mostly a run of repeated or consecutive characters."
    return None


def generated_token() -> str:
    """A new random token (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


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
        budget: the most an upload's run may spend (estimated before anything is sent).
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
    budget: Budget = UNLIMITED
    store_path: Path | None = None
    trace: bool = True

    def check(self) -> None:
        """Refuse unsafe or impossible settings.

        Raises:
            ConfigError: a non-loopback bind without a token, a weak token (too short,
                or too little entropy: :func:`token_problem`), or a bad limit.
        """
        if not is_loopback(self.host) and not self.token:
            raise ConfigError(
                f"Refusing to listen on {self.host}: beyond this machine, a token is required.",
                hint=f"Set TJ_WEB_TOKEN (or --token) to a long random string, e.g. this one, generated now: "
                f"{generated_token()} ; or bind 127.0.0.1.",
            )
        if self.token is not None:
            problem = token_problem(self.token)
            if problem is not None:
                raise ConfigError(
                    problem,
                    hint=f"Use a random token, e.g. this one, generated now: {generated_token()} "
                    "(set it in TJ_WEB_TOKEN rather than --token: flags show up in `ps`).",
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
