"""The one exception hierarchy of transcript-judge.

Every error the tool raises on purpose is a :class:`TranscriptJudgeError`. SDK
errors (openai, httpx) are wrapped at exactly one boundary, ``llm/openai_client.py``,
with ``raise ... from e``, so callers never see them.

```
TranscriptJudgeError                 exit code
├── UserError                        (misuse: the user can fix it)
│   ├── InputError                   4   unreadable, empty, binary, too large, not speech
│   │   └── NoCandidateError         5   no candidate turns, or the candidate can't be attributed
│   ├── RubricError                  6   a malformed rubric file (names the field)
│   ├── DatasetError                 6   a malformed evaluation dataset (names the line and field)
│   ├── ReviewError                  2   a review that doesn't fit its report, or reviews that can't be exported
│   ├── ConfigError                  7   a missing key, a bad flag combination
│   └── BudgetExceededError          8   the estimated run is over --max-cost / --max-tokens
└── LLMError                         9   (the model service failed)
    ├── LLMAuthError                     401/403: no retry
    ├── LLMModelNotFoundError            404: no retry
    ├── LLMBadRequestError               other 400s that re-chunking can't fix
    │   └── ContextLengthExceededError   (handled by re-chunking; a chunk outcome if that fails)
    ├── LLMTransientError                5xx and dropped connections that outlived our retries
    │   ├── LLMRateLimitError            429: retried by our adaptive limiter
    │   │                                (a failed chunk, so the run is partial)
    │   └── LLMTimeoutError              no token for --timeout seconds: never re-sent
    └── ReplayMissError              10  --replay has no recording for a request
```

Every exit code, with the ones no exception carries (0, 1, 2, 3, 11, 130), is in
:data:`EXIT_CODES`: the one table, which ``scripts/docs-tables`` writes into
``docs/usage.md`` (``tests/test_docs_tables.py`` fails when they disagree).
"""

from __future__ import annotations

__all__ = [
    "EXIT_CODES",
    "BudgetExceededError",
    "ConfigError",
    "ContextLengthExceededError",
    "DatasetError",
    "InputError",
    "LLMAuthError",
    "LLMBadRequestError",
    "LLMError",
    "LLMModelNotFoundError",
    "LLMRateLimitError",
    "LLMTimeoutError",
    "LLMTransientError",
    "NoCandidateError",
    "ReplayMissError",
    "ReviewError",
    "RubricError",
    "TranscriptJudgeError",
    "UserError",
]


class TranscriptJudgeError(Exception):
    """Base class of every error transcript-judge raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UserError(TranscriptJudgeError):
    """Something the user can fix: the input, a flag, a file."""


class InputError(UserError):
    """The transcript can't be read as a transcript."""

    exit_code = 4


class NoCandidateError(InputError):
    """No candidate turns were found, or they can't be attributed safely."""

    exit_code = 5


class RubricError(UserError):
    """A rubric file is malformed. The message names the field."""

    exit_code = 6


class DatasetError(UserError):
    """An evaluation dataset is malformed. The message names the line and field."""

    exit_code = 6


class ReviewError(UserError):
    """A review that doesn't fit its analysis's report (an unknown criterion, a
    disagreement without a verdict), or reviewed analyses that can't be exported. A usage
    error, like an unknown analysis ID (exit code 2)."""

    exit_code = 2


class ConfigError(UserError):
    """Configuration is missing or contradictory."""

    exit_code = 7


class BudgetExceededError(UserError):
    """The run's estimate is over the budget the user set."""

    exit_code = 8


class LLMError(TranscriptJudgeError):
    """The model service failed in a way the tool could not recover from."""

    exit_code = 9

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.request_id = request_id


class LLMAuthError(LLMError):
    """401/403: the key is missing, wrong or lacks access. Never retried."""


class LLMModelNotFoundError(LLMError):
    """404: the model or deployment doesn't exist. Never retried."""


class LLMBadRequestError(LLMError):
    """A 400 the tool can't fix by itself."""


class ContextLengthExceededError(LLMBadRequestError):
    """The prompt didn't fit the model's context window; the caller re-chunks smaller."""


class LLMTransientError(LLMError):
    """Rate limits, 5xx, dropped connections and timeouts that outlived our retries."""


class LLMRateLimitError(LLMTransientError):
    """A 429. The SDK doesn't retry these; our limiter does (see ``limiter.py``)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class LLMTimeoutError(LLMTransientError):
    """No token arrived for the idle timeout. Never re-sent: a server may still be
    generating the abandoned answer (see ``llm/retry.py``)."""


class ReplayMissError(LLMError):
    """``--replay`` found no recording for a request; nothing was sent anywhere."""

    exit_code = 10


#: Every exit code of the command line and what it means: the one table (the docs' copy is
#: generated from it).
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "an unexpected internal error (a bug: please report it; `--debug` shows the traceback)",
    ReviewError.exit_code: "a command-line usage error, including an unknown or ambiguous analysis ID, and a "
    "review that doesn't fit the report (unknown criterion, `--disagree` without `--verdict`)",
    3: "**partial result**: the report was written, but some chunks failed (the report says which and why)",
    InputError.exit_code: "the input can't be read as a transcript (missing, empty, binary, too large, not speech)",
    NoCandidateError.exit_code: "no candidate can be determined (one speaker, no labels, no candidate turns)",
    RubricError.exit_code: "a malformed rubric or evaluation dataset (the message names the field)",
    ConfigError.exit_code: "configuration: a missing key, a bad flag or setting, an unusable store",
    BudgetExceededError.exit_code: "over the budget set by `--max-cost` / `--max-tokens` (nothing was sent)",
    LLMError.exit_code: "the model service failed: bad key (401/403), unknown model (404), a request it refuses",
    ReplayMissError.exit_code: "`eval --replay`: responses missing from the recordings (nothing was sent)",
    11: "`eval`: the gate failed",
    130: "interrupted (completed chunks are kept; run the same command again to resume)",
}
