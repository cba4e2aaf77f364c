"""Configuration, with explicit precedence: command-line flag > config file > environment.

Environment variables:
  TJ_MODEL, TJ_BASE_URL, TJ_API_KEY (else OPENAI_API_KEY / AZURE_OPENAI_API_KEY),
  OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION, TJ_CONFIG (config file path),
  TJ_HOME (the store's folder), TJ_TIMEOUT, TJ_MAX_RETRIES, TJ_STRUCTURED_OUTPUT,
  TJ_CONCURRENCY, TJ_CHUNK_TOKENS, TJ_JUDGE_MODE, TJ_CONFIRM_THRESHOLD; and TJ_PRICE_INPUT, TJ_PRICE_CACHED_INPUT,
  TJ_PRICE_OUTPUT (USD per million tokens), TJ_CONTEXT_WINDOW (tokens), over the price
  table of :mod:`.pricing`. A value that isn't a number is an error, never ignored.
The config file is TOML (``--config`` or TJ_CONFIG, else ``<user config dir>/config.toml``)
with the keys ``model``, ``base_url``, ``azure_endpoint``, ``azure_api_version``,
``timeout_s``, ``max_retries``, ``structured_output``, ``judge_mode``, ``confirm_threshold``,
``probe_detection``, ``concurrency``, ``chunk_tokens``. API keys are read from
the environment only, never from files we write, and never logged.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import platformdirs

from .chunking import DEFAULT_CHUNK_TOKENS, ChunkingSettings
from .errors import ConfigError
from .judge import DEFAULT_CONFIRM_THRESHOLD
from .llm.base import STRUCTURED_OUTPUT_CHOICES
from .llm.settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_S, ClientSettings
from .planning import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MODEL,
    JUDGE_MODE_SETTINGS,
    PROBE_DETECTIONS,
    AnalysisSettings,
    JudgeMode,
    ProbeDetection,
    TaggerName,
    judge_mode_for,
)
from .pricing import NO_OVERRIDES, PriceOverrides

__all__ = ["ResolvedConfig", "config_file_path", "price_overrides", "resolve_config"]

_KEYS = {
    "model",
    "base_url",
    "azure_endpoint",
    "azure_api_version",
    "timeout_s",
    "max_retries",
    "structured_output",
    "judge_mode",
    "confirm_threshold",
    "probe_detection",
    "concurrency",
    "chunk_tokens",
}


def config_file_path(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("TJ_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir("transcript-judge")) / "config.toml"


def _load_file(path: Path, explicit: bool) -> dict[str, Any]:
    if not path.is_file():
        if explicit:
            raise ConfigError(f"Config file {path} does not exist.")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"Config file {path} is not valid TOML: {e}") from e
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(
            f"Config file {path}: unknown key(s) {', '.join(sorted(unknown))}.",
            hint="Known keys: " + ", ".join(sorted(_KEYS)),
        )
    return data


@dataclass(frozen=True)
class ResolvedConfig:
    client: ClientSettings
    llm_configured: bool
    concurrency: int
    chunk_tokens: int
    judge_mode: str = "full"
    pricing: PriceOverrides = NO_OVERRIDES
    probe_detection: str = "cues"
    confirm_threshold: float = DEFAULT_CONFIRM_THRESHOLD

    def analysis_settings(self, *, tagger: TaggerName = "llm", concurrency: int | None = None) -> AnalysisSettings:
        """The analysis these settings ask for: the one place the CLI, the web app and
        ``eval`` turn configuration into :class:`AnalysisSettings`."""
        return AnalysisSettings(
            model=self.client.model,
            tagger=tagger,
            concurrency=self.concurrency if concurrency is None else concurrency,
            chunking=ChunkingSettings(chunk_tokens=self.chunk_tokens),
            judge_mode=cast(JudgeMode, self.judge_mode),  # checked by resolve_config
            probe_detection=cast(ProbeDetection, self.probe_detection),  # checked by resolve_config
            confirm_threshold=self.confirm_threshold,
            pricing=self.pricing,
        )

    def describe(self) -> str:
        where = self.client.azure_endpoint or self.client.base_url or "api.openai.com"
        return f"model {self.client.model} at {where} (key {'set' if self.client.api_key else 'not set'})"


@dataclass(frozen=True)
class _Layers:
    """Where a setting is looked for, in precedence order: the flag, the config file, the
    environment (the first variable set, of those named), then the default."""

    file: Mapping[str, Any]
    env: Mapping[str, str]

    def pick(self, flag: Any, key: str, *env_names: str, default: Any = None) -> Any:
        if flag is not None:
            return flag
        if key in self.file:
            return self.file[key]
        for name in env_names:
            if self.env.get(name):
                return self.env[name]
        return default


def _one_of(value: Any, key: str, choices: Sequence[str], *, hint: str) -> str:
    """``value`` as one of ``choices`` (case-insensitively), else a configuration error."""
    choice = str(value).lower()
    if choice not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}, not {choice!r}.", hint=hint)
    return choice


def _modes(pick: Callable[..., Any], judge_mode: str | None) -> tuple[str, str]:
    """How the llm tagger judges (``judge_mode``) and how probes are found (``probe_detection``)."""
    judge = _one_of(
        pick(judge_mode, "judge_mode", "TJ_JUDGE_MODE", default="auto"),
        "judge_mode",
        JUDGE_MODE_SETTINGS,
        hint="auto: confirm for a server on this machine or network, else full; full: one answer per chunk; "
        "compact: a shorter full; confirm: the model confirms keyword matches (small models).",
    )
    probes = _one_of(
        pick(None, "probe_detection", "TJ_PROBE_DETECTION", default="cues"),
        "probe_detection",
        PROBE_DETECTIONS,
        hint="cues: the rubric's cue phrases (no call); model: one short call per chunk (llm tagger only).",
    )
    return judge, probes


def resolve_config(
    *,
    model: str | None = None,
    base_url: str | None = None,
    config_path: str | None = None,
    concurrency: int | None = None,
    chunk_tokens: int | None = None,
    timeout_s: float | None = None,
    structured_output: str | None = None,
    judge_mode: str | None = None,
) -> ResolvedConfig:
    env = os.environ
    file = _load_file(config_file_path(config_path), explicit=bool(config_path or env.get("TJ_CONFIG")))
    pick = _Layers(file, env).pick
    azure = pick(None, "azure_endpoint", "AZURE_OPENAI_ENDPOINT")
    api_key = env.get("TJ_API_KEY") or (env.get("AZURE_OPENAI_API_KEY") if azure else None) or env.get("OPENAI_API_KEY")
    base = pick(base_url, "base_url", "TJ_BASE_URL", "OPENAI_BASE_URL")
    mode = _one_of(
        pick(structured_output, "structured_output", "TJ_STRUCTURED_OUTPUT", default="auto"),
        "structured_output",
        STRUCTURED_OUTPUT_CHOICES,
        hint="auto negotiates with the server; see docs/servers.md for which server takes what.",
    )
    judge, probes = _modes(pick, judge_mode)
    try:
        client = ClientSettings(
            model=str(pick(model, "model", "TJ_MODEL", default=DEFAULT_MODEL)),
            api_key=api_key or None,
            base_url=base,
            azure_endpoint=azure,
            azure_api_version=pick(None, "azure_api_version", "OPENAI_API_VERSION"),
            timeout_s=float(pick(timeout_s, "timeout_s", "TJ_TIMEOUT", default=DEFAULT_TIMEOUT_S)),
            max_retries=int(pick(None, "max_retries", "TJ_MAX_RETRIES", default=DEFAULT_MAX_RETRIES)),
            structured_output=mode,  # type: ignore[arg-type]  # checked against the choices above
        )
        conc = int(pick(concurrency, "concurrency", "TJ_CONCURRENCY", default=DEFAULT_CONCURRENCY))
        chunk = int(pick(chunk_tokens, "chunk_tokens", "TJ_CHUNK_TOKENS", default=DEFAULT_CHUNK_TOKENS))
        threshold = float(pick(None, "confirm_threshold", "TJ_CONFIRM_THRESHOLD", default=DEFAULT_CONFIRM_THRESHOLD))
    except (TypeError, ValueError) as e:
        raise ConfigError(f"A numeric setting is not a number: {e}") from e
    if conc < 1 or chunk < 500:
        raise ConfigError("--concurrency must be >= 1 and --chunk-tokens >= 500.")
    if client.timeout_s <= 0 or client.max_retries < 0:
        raise ConfigError("--timeout must be > 0 seconds and max_retries >= 0.")
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(
            f"confirm_threshold must be a probability from 0 to 1, not {threshold}.",
            hint="The P(yes) a keyword match needs to count as confirmed (judge_mode confirm).",
        )
    return ResolvedConfig(
        client=client,
        llm_configured=bool(client.api_key or client.base_url or client.azure_endpoint),
        concurrency=conc,
        chunk_tokens=chunk,
        judge_mode=judge_mode_for(judge, local_server=client.on_this_network),
        pricing=price_overrides(env),
        probe_detection=probes,
        confirm_threshold=threshold,
    )


def price_overrides(env: Mapping[str, str]) -> PriceOverrides:
    """The user's prices and context window from the environment (see the module docstring).

    Raises:
        ConfigError: a value that isn't a non-negative number (a positive whole number of
            tokens for the window): a typo must not silently leave the table's price.
    """

    def price(name: str) -> float | None:
        raw = env.get(name, "").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not value >= 0 or value == float("inf"):
            raise ConfigError(f"{name} must be a price in USD per million tokens, like 0.40; not {raw!r}.")
        return value

    raw_window = env.get("TJ_CONTEXT_WINDOW", "").strip()
    window = None
    if raw_window:
        if not raw_window.isdigit() or int(raw_window) < 1:
            raise ConfigError(
                f"TJ_CONTEXT_WINDOW must be the model's context window in tokens, like 16384; not {raw_window!r}."
            )
        window = int(raw_window)
    return PriceOverrides(
        input_per_mtok=price("TJ_PRICE_INPUT"),
        cached_input_per_mtok=price("TJ_PRICE_CACHED_INPUT"),
        output_per_mtok=price("TJ_PRICE_OUTPUT"),
        context_window=window,
    )
