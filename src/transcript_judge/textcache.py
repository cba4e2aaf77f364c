"""One memo for the functions that read text: bounded by entries *and* by the size of a key.

Scans and normalisers see the same short texts again and again (a turn checked by the
injection scan, then by the quote checks, then by every eval repeat), so they memoise.
A key is held for as long as its entry lives, though, and an ``lru_cache(65536)`` over
whole turns or chunks kept a 25 MB transcript's text alive two and three times over.
:func:`text_cache` caches texts up to ``max_chars`` characters and computes longer ones
each time: long texts are rare, and their cost is linear anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

__all__ = ["CACHE_ENTRIES", "MAX_CACHED_CHARS", "text_cache"]

P = ParamSpec("P")
R = TypeVar("R")

#: Texts longer than this are never cached (a long answer is ~2,000 characters).
MAX_CACHED_CHARS = 2048

#: Entries per cache. The same texts come back close together (a chunk's turns are
#: scanned, then its quotes checked), and an evaluation's whole dev set is a few thousand
#: turns; more entries only kept a long transcript's every turn alive (benchmark 6).
CACHE_ENTRIES = 8192


def text_cache(
    maxsize: int = CACHE_ENTRIES, *, max_chars: int = MAX_CACHED_CHARS
) -> Callable[[Callable[Concatenate[str, P], R]], Callable[Concatenate[str, P], R]]:
    """Like :func:`functools.lru_cache`, for a function whose first argument is a text,
    but only for texts of at most ``max_chars`` characters (so at most about
    ``maxsize * max_chars`` characters of keys)."""

    def decorate(fn: Callable[Concatenate[str, P], R]) -> Callable[Concatenate[str, P], R]:
        cached = functools.lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def call(text: str, *args: P.args, **kwargs: P.kwargs) -> R:
            if len(text) <= max_chars:
                return cached(text, *args, **kwargs)  # type: ignore[arg-type]  # hashable in practice
            return fn(text, *args, **kwargs)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]  # functools.wraps' type is its own

    return decorate
