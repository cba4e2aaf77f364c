"""Configuration, with explicit precedence: command-line flag > config file > environment.

Environment variables:
  TJ_MODEL, TJ_BASE_URL, TJ_API_KEY (else OPENAI_API_KEY / AZURE_OPENAI_API_KEY),
  OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION, TJ_CONFIG (config file path),
  TJ_HOME (the store's folder), TJ_TIMEOUT, TJ_MAX_RETRIES, TJ_STRUCTURED_OUTPUT,
  TJ_CONCURRENCY, TJ_CHUNK_TOKENS, TJ_JUDGE_MODE.
The config file is TOML (``--config`` or TJ_CONFIG, else ``<user config dir>/config.toml``)
with the keys ``model``, ``base_url``, ``azure_endpoint``, ``azure_api_version``,
``timeout_s``, ``max_retries``, ``structured_output``, ``judge_mode``, ``concurrency``,
``chunk_tokens``. API keys are read from
the environment only, never from files we write, and never logged.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from .analysis import DEFAULT_MODEL, JUDGE_MODES
from .errors import ConfigError
from .llm.base import STRUCTURED_OUTPUT_CHOICES
from .llm.settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_S, ClientSettings

__all__ = ["ResolvedConfig", "config_file_path", "resolve_config"]

_KEYS = {
    "model",
    "base_url",
    "azure_endpoint",
    "azure_api_version",
    "timeout_s",
    "max_retries",
    "structured_output",
    "judge_mode",
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

    def describe(self) -> str:
        where = self.client.azure_endpoint or self.client.base_url or "api.openai.com"
        return f"model {self.client.model} at {where} (key {'set' if self.client.api_key else 'not set'})"


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

    def pick(flag: Any, key: str, *env_names: str, default: Any = None) -> Any:
        if flag is not None:
            return flag
        if key in file:
            return file[key]
        for name in env_names:
            if env.get(name):
                return env[name]
        return default

    azure = pick(None, "azure_endpoint", "AZURE_OPENAI_ENDPOINT")
    api_key = env.get("TJ_API_KEY") or (env.get("AZURE_OPENAI_API_KEY") if azure else None) or env.get("OPENAI_API_KEY")
    base = pick(base_url, "base_url", "TJ_BASE_URL", "OPENAI_BASE_URL")
    mode = str(pick(structured_output, "structured_output", "TJ_STRUCTURED_OUTPUT", default="auto")).lower()
    if mode not in STRUCTURED_OUTPUT_CHOICES:
        raise ConfigError(
            f"structured_output must be one of {', '.join(STRUCTURED_OUTPUT_CHOICES)}, not {mode!r}.",
            hint="auto negotiates with the server; see docs/servers.md for which server takes what.",
        )
    judge = str(pick(judge_mode, "judge_mode", "TJ_JUDGE_MODE", default="full")).lower()
    if judge not in JUDGE_MODES:
        raise ConfigError(
            f"judge_mode must be one of {', '.join(JUDGE_MODES)}, not {judge!r}.",
            hint="full: one answer per chunk; confirm: the model confirms keyword matches (small models).",
        )
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
        conc = int(pick(concurrency, "concurrency", "TJ_CONCURRENCY", default=4))
        chunk = int(pick(chunk_tokens, "chunk_tokens", "TJ_CHUNK_TOKENS", default=8000))
    except (TypeError, ValueError) as e:
        raise ConfigError(f"A numeric setting is not a number: {e}") from e
    if conc < 1 or chunk < 500:
        raise ConfigError("--concurrency must be >= 1 and --chunk-tokens >= 500.")
    if client.timeout_s <= 0 or client.max_retries < 0:
        raise ConfigError("--timeout must be > 0 seconds and max_retries >= 0.")
    return ResolvedConfig(
        client=client,
        llm_configured=bool(client.api_key or client.base_url or client.azure_endpoint),
        concurrency=conc,
        chunk_tokens=chunk,
        judge_mode=judge,
    )
