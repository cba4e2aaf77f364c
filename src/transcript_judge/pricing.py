"""What models cost and how much they can read.

Prices are USD per million tokens, from the providers' public price lists (late 2025).
They change; override with ``TJ_PRICE_INPUT``, ``TJ_PRICE_CACHED_INPUT``,
``TJ_PRICE_OUTPUT`` (USD per million tokens) and ``TJ_CONTEXT_WINDOW``. A model with no
known price reports its cost as unknown rather than as zero.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from .llm.base import Usage

__all__ = ["ModelInfo", "estimate_cost", "model_info"]


@dataclass(frozen=True)
class ModelInfo:
    context_window: int
    input_per_mtok: float | None
    cached_input_per_mtok: float | None
    output_per_mtok: float | None

    @property
    def priced(self) -> bool:
        return self.input_per_mtok is not None and self.output_per_mtok is not None


# Longest prefix wins, so "gpt-4o-mini-2024-07-18" finds "gpt-4o-mini".
_KNOWN: dict[str, ModelInfo] = {
    "gpt-4o-mini": ModelInfo(128_000, 0.15, 0.075, 0.60),
    "gpt-4o": ModelInfo(128_000, 2.50, 1.25, 10.00),
    "gpt-4.1-nano": ModelInfo(1_047_576, 0.10, 0.025, 0.40),
    "gpt-4.1-mini": ModelInfo(1_047_576, 0.40, 0.10, 1.60),
    "gpt-4.1": ModelInfo(1_047_576, 2.00, 0.50, 8.00),
    "gpt-5-nano": ModelInfo(400_000, 0.05, 0.005, 0.40),
    "gpt-5-mini": ModelInfo(400_000, 0.25, 0.025, 2.00),
    "gpt-5": ModelInfo(400_000, 1.25, 0.125, 10.00),
    "o4-mini": ModelInfo(200_000, 1.10, 0.275, 4.40),
    "o3": ModelInfo(200_000, 2.00, 0.50, 8.00),
    "gpt-4-turbo": ModelInfo(128_000, 10.00, None, 30.00),
    "gpt-4": ModelInfo(8_192, 30.00, None, 60.00),
    "gpt-3.5-turbo": ModelInfo(16_385, 0.50, None, 1.50),
}
_UNKNOWN = ModelInfo(32_768, None, None, None)  # a conservative window for local models

BATCH_DISCOUNT = 0.5


def _env_float(name: str) -> float | None:
    value = os.environ.get(name)
    try:
        return float(value) if value else None
    except ValueError:
        return None


def model_info(model: str) -> ModelInfo:
    name = model.split("/")[-1].lower()
    info = _UNKNOWN
    for prefix in sorted(_KNOWN, key=len, reverse=True):
        if name.startswith(prefix):
            info = _KNOWN[prefix]
            break
    price_in, price_cached, price_out = (
        _env_float("TJ_PRICE_INPUT"),
        _env_float("TJ_PRICE_CACHED_INPUT"),
        _env_float("TJ_PRICE_OUTPUT"),
    )
    if price_in is not None:
        info = replace(info, input_per_mtok=price_in)
    if price_cached is not None:
        info = replace(info, cached_input_per_mtok=price_cached)
    if price_out is not None:
        info = replace(info, output_per_mtok=price_out)
    window = os.environ.get("TJ_CONTEXT_WINDOW")
    if window and window.isdigit():
        info = replace(info, context_window=int(window))
    return info


def estimate_cost(model: str, usage: Usage, *, batch: bool = False) -> float | None:
    """USD for ``usage``; cached prompt tokens at the cached price. None if unpriced."""
    info = model_info(model)
    if not info.priced:
        return None
    assert info.input_per_mtok is not None and info.output_per_mtok is not None
    cached_price = info.cached_input_per_mtok if info.cached_input_per_mtok is not None else info.input_per_mtok
    uncached = max(0, usage.prompt_tokens - usage.cached_tokens)
    cost = (
        uncached * info.input_per_mtok
        + usage.cached_tokens * cached_price
        + usage.completion_tokens * info.output_per_mtok
    ) / 1_000_000
    return cost * (BATCH_DISCOUNT if batch else 1.0)
