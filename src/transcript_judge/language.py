"""Which language the candidate speaks, for the report (langdetect, deterministic).

langdetect keeps, for each of its ~88,000 n-grams, a list with one probability per
language (55): about 60 MB resident, for one field of the report. Only 4% of those
probabilities are not zero, so this module loads the same profiles into
:class:`PackedProbabilities`, which stores the non-zero ones packed (~17 MB) and hands
langdetect's detector the full row when it asks for one. The numbers are langdetect's own,
so the answers are the same (``tests/test_language.py`` checks every row).
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langdetect.detector_factory import DetectorFactory

__all__ = ["PackedProbabilities", "detect_language", "load_factory"]

_SAMPLE_CHARS = 2000
_PAIR = struct.Struct("<Hd")  # (language index, probability)


class PackedProbabilities(Mapping[str, list[float]]):
    """n-gram -> one probability per language, with the zeros left out of storage."""

    def __init__(self) -> None:
        self._rows: dict[str, bytes] = {}
        self.width = 0

    def add(self, word: str, index: int, probability: float | None) -> None:
        """Record ``word`` (and its probability in language ``index``, if it has one)."""
        row = self._rows.get(word, b"")
        self._rows[word] = row + _PAIR.pack(index, probability) if probability else row

    def __getitem__(self, word: str) -> list[float]:
        packed = self._rows[word]
        row = [0.0] * self.width
        for index, probability in _PAIR.iter_unpack(packed):
            row[index] = probability
        return row

    def __contains__(self, word: object) -> bool:
        return word in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def load_factory() -> DetectorFactory:
    """A langdetect factory with its bundled profiles, stored as :class:`PackedProbabilities`."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.lang_detect_exception import ErrorCode, LangDetectException

    class PackedFactory(DetectorFactory):  # type: ignore[misc]
        seed = 0  # langdetect samples n-grams at random: a fixed seed makes it deterministic

        def __init__(self) -> None:
            super().__init__()
            self.word_lang_prob_map = PackedProbabilities()

        def add_profile(self, profile: Any, index: int, langsize: int) -> None:
            # langdetect's own add_profile, with the row stored packed.
            if profile.name in self.langlist:
                raise LangDetectException(ErrorCode.DuplicateLangError, "Duplicate the same language profile.")
            self.langlist.append(profile.name)
            probabilities: PackedProbabilities = self.word_lang_prob_map
            probabilities.width = langsize
            for word, count in profile.freq.items():
                length = len(word)
                probability = 1.0 * count / profile.n_words[length - 1] if 1 <= length <= 3 else None
                probabilities.add(word, index, probability)

    factory = PackedFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


_factory: DetectorFactory | None = None
_factory_lock = threading.Lock()


def _shared_factory() -> DetectorFactory:
    global _factory
    with _factory_lock:
        if _factory is None:
            _factory = load_factory()
        return _factory


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


def _detect(sample: str) -> str | None:
    if len(sample.split()) < 5 and len(sample) < 40:
        return None
    try:
        from langdetect.lang_detect_exception import LangDetectException

        detector = _shared_factory().create()
        detector.append(sample)
        try:
            return str(detector.detect())
        except LangDetectException:
            return None
    except Exception:  # noqa: BLE001 - a report without a language beats a crash
        return None
