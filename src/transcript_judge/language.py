"""Which language the candidate speaks, for the report (langdetect, deterministic)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

__all__ = ["detect_language"]


def detect_language(texts: Iterable[str]) -> str | None:
    """ISO 639-1 code of the text's language, or None if it can't be told."""
    # 2000 characters are plenty to tell a language; more only costs time.
    return _detect(" ".join(texts)[:2000])


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
