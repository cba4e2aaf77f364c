"""Which language the candidate speaks, for the report (langdetect, deterministic)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["detect_language"]


def detect_language(texts: Iterable[str]) -> str | None:
    """ISO 639-1 code of the text's language, or None if it can't be told."""
    sample = " ".join(texts)[:5000]
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
