"""Which language the candidate speaks, for the report (langdetect, deterministic)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

__all__ = ["detect_language"]

_SAMPLE_CHARS = 2000


def detect_language(texts: Iterable[str]) -> str | None:
    """ISO 639-1 code of the text's language, or None if it can't be told."""
    # 2000 characters are plenty to tell a language; more only costs time (and joining
    # every text first would copy the whole interview).
    parts: list[str] = []
    size = 0
    for text in texts:
        parts.append(text)
        size += len(text) + 1
        if size > _SAMPLE_CHARS:
            break
    return _detect(" ".join(parts)[:_SAMPLE_CHARS])


@lru_cache(maxsize=1024)
def _detect(sample: str) -> str | None:
    if len(sample.split()) < 5 and len(sample) < 40:
        return None
    try:
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0
        try:
            return str(detect(sample))
        except LangDetectException:
            return None
    except Exception:  # noqa: BLE001 - a report without a language beats a crash
        return None
