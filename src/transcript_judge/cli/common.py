"""Shared CLI plumbing: consoles, logging, exit codes, loading a transcript with roles."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

if TYPE_CHECKING:  # imported by the commands that read a transcript, not by --help
    from ..roles import RoleAssignment
    from ..transcript import Transcript

__all__ = [
    "EXIT_GATE_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "combined_exit_code",
    "err_console",
    "load_with_roles",
    "max_bytes",
    "redact_options",
    "setup_logging",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_PARTIAL = 3
EXIT_GATE_FAILED = 11
EXIT_INTERRUPTED = 130

err_console = Console(stderr=True, soft_wrap=True)


def combined_exit_code(codes: list[int]) -> int:
    """The exit code of a command over several files (``analyse`` and ``analyse --batch``
    alike): the first file's error, else 3 if any result is partial, else 0."""
    failures = [c for c in codes if c not in (EXIT_OK, EXIT_PARTIAL)]
    if failures:
        return failures[0]
    return EXIT_PARTIAL if EXIT_PARTIAL in codes else EXIT_OK


# Loggers that could carry request bodies (and so transcript text) at DEBUG.
_CHATTY = ("openai", "httpx", "httpcore", "httpx2")


def setup_logging(verbose: bool, *, log_transcript: bool = False, debug: bool = False) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    for name in _CHATTY:
        # The SDK logs request bodies at DEBUG: transcript text stays out unless asked for.
        logging.getLogger(name).setLevel(logging.DEBUG if (debug and log_transcript) else logging.WARNING)


def load_with_roles(
    path: Path,
    *,
    input_format: str | None,
    candidate: str | None,
    all_speech: bool,
    max_file_mb: float | None = None,
) -> tuple[Transcript, RoleAssignment]:
    """Read a file and find the candidate (:func:`.intake.read`), with ``--max-file-mb``."""
    from ..intake import ReadChoices, read

    return read(path, ReadChoices(input_format, candidate, all_speech, max_bytes(max_file_mb)))


def max_bytes(max_file_mb: float | None) -> int:
    """``--max-file-mb`` in bytes (the reader's default when not given)."""
    from ..ingest import DEFAULT_MAX_BYTES

    return int(max_file_mb * 1_048_576) if max_file_mb else DEFAULT_MAX_BYTES


_F = TypeVar("_F", bound=Callable[..., Any])


def structured_output_option(f: _F) -> _F:
    """``--structured-output``: how the answer's shape is asked for (one definition)."""
    from ..llm.base import STRUCTURED_OUTPUT_CHOICES

    return click.option(
        "--structured-output",
        "structured_output",
        type=click.Choice(STRUCTURED_OUTPUT_CHOICES),
        help="How to ask for JSON: auto (negotiate with the server; default), json_schema, json_object "
        "(with the schema where the server constrains decoding by it) or none. Env: TJ_STRUCTURED_OUTPUT.",
    )(f)


def timeout_option(f: _F) -> _F:
    """``--timeout``: the idle timeout of a streamed answer."""
    return click.option(
        "--timeout",
        "timeout_s",
        type=float,
        help="Longest wait in seconds for the next token of an answer (default 120). Timed-out requests "
        "are not re-sent. Env: TJ_TIMEOUT.",
    )(f)


def model_options(f: _F) -> _F:
    """``--model``, ``--base-url`` and ``--config``: which model, where, and the config file."""
    f = click.option("--config", "config_path", help="Config file (TOML). Env: TJ_CONFIG.")(f)
    f = click.option(
        "--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1. Env: TJ_BASE_URL."
    )(f)
    return click.option("--model", help="Model name (or Azure deployment). Env: TJ_MODEL.")(f)


def candidate_options(f: _F) -> _F:
    """``--candidate`` and ``--all-speech-is-candidate``: whose words are judged."""
    f = click.option(
        "--all-speech-is-candidate",
        "all_speech",
        is_flag=True,
        help="For transcripts without speaker labels: treat all speech as the candidate's.",
    )(f)
    return click.option("--candidate", help="The candidate's speaker label (overrides inference).")(f)


def redact_options(where: str) -> Callable[[_F], _F]:
    """``--redact``, ``--redact-names`` and ``--redact-name NAME``: what to replace with
    placeholders, ``where`` ("before anything is sent", "in what is written")."""

    def decorate(f: _F) -> _F:
        f = click.option(
            "--redact-name",
            "redact_name",
            multiple=True,
            metavar="NAME",
            help="Also redact this name (repeatable; implies --redact).",
        )(f)
        f = click.option(
            "--redact-names", is_flag=True, help="Also redact the names in the speaker labels (implies --redact)."
        )(f)
        return click.option(
            "--redact", is_flag=True, help=f"Replace emails, phone numbers and URLs with placeholders {where}."
        )(f)

    return decorate


def judge_mode_option(f: _F) -> _F:
    """``--judge-mode``: how the llm tagger judges a chunk."""
    return click.option(
        "--judge-mode",
        "judge_mode",
        type=click.Choice(["auto", "full", "compact", "confirm"]),
        help="auto (default): confirm for a server on this machine or network (a small local model), full "
        "for a hosted API; full: one answer per chunk for every criterion; compact: the same with a short "
        "prompt and a compact answer; confirm: the keyword baseline proposes and the model confirms each "
        "match yes/no, its P(yes) the confidence (with a 1.5B model: the baseline's F1 in 28 s an "
        "interview, where full scored lower in 150 s: benchmarks/RESULTS.md). Env: TJ_JUDGE_MODE.",
    )(f)
