"""What models cost and how much they can read.

Prices are USD per million tokens, from the providers' public price lists (late 2025).
They change; the user overrides them (and the context window) with
:class:`PriceOverrides`, which :func:`.config.resolve_config` reads from
``TJ_PRICE_INPUT``, ``TJ_PRICE_CACHED_INPUT``, ``TJ_PRICE_OUTPUT`` (USD per million
tokens) and ``TJ_CONTEXT_WINDOW``, once, and which travel in
:class:`~.analysis.AnalysisSettings`. Nothing here reads the environment. A model with no
known price reports its cost as unknown rather than as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .llm.base import Usage

__all__ = ["NO_OVERRIDES", "ModelInfo", "PriceOverrides", "estimate_cost", "model_info"]


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


@dataclass(frozen=True)
class PriceOverrides:
    """What the user set over the table: prices (USD per million tokens) and the window."""

    input_per_mtok: float | None = None
    cached_input_per_mtok: float | None = None
    output_per_mtok: float | None = None
    context_window: int | None = None

    def apply(self, info: ModelInfo) -> ModelInfo:
        changes = {
            name: value
            for name in ("input_per_mtok", "cached_input_per_mtok", "output_per_mtok", "context_window")
            if (value := getattr(self, name)) is not None
        }
        return replace(info, **changes) if changes else info


NO_OVERRIDES = PriceOverrides()


def model_info(model: str, overrides: PriceOverrides = NO_OVERRIDES) -> ModelInfo:
    name = model.split("/")[-1].lower()
    info = _UNKNOWN
    for prefix in sorted(_KNOWN, key=len, reverse=True):
        if name.startswith(prefix):
            info = _KNOWN[prefix]
            break
    return overrides.apply(info)


def estimate_cost(
    model: str, usage: Usage, *, batch: bool = False, overrides: PriceOverrides = NO_OVERRIDES
) -> float | None:
    """USD for ``usage``; cached prompt tokens at the cached price. None if unpriced."""
    info = model_info(model, overrides)
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
