"""AssemblyAI transcript JSON (``GET /v2/transcript/{id}``).

Turns come from ``utterances`` (speaker ``A``, ``B``...); a trimmed export that keeps only
``utterances`` (with ``audio_duration``/``language_code``, no ``words``) is detected too.
When ``utterances`` is null
although words carry speakers (a real-world shape), turns are rebuilt from ``words``;
with no speakers at all, the words become unattributed sentences. Times are in
milliseconds. The standard ``json`` module parses; the shapes are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import InputError
from ..transcript import Utterance
from .base import Parsed, json_object, json_of
from .source import Source
from .speakers import diarized_label
from .textclean import clean_text
from .timecodes import seconds
from .words import Word, as_dicts, as_str, words_to_utterances

__all__ = ["AssemblyAIReader"]

_MS = 0.001
_MARKERS = ("acoustic_model", "audio_url", "speaker_labels", "language_model", "audio_duration", "language_code")


def _utterance_shaped(value: object) -> bool:
    """Whether ``value`` is a non-empty list of AssemblyAI utterances (``text`` plus a
    ``speaker`` or ``start``): what a trimmed export keeps when it drops ``words``."""
    items = as_dicts(value)
    return bool(items) and all(isinstance(u.get("text"), str) and ("speaker" in u or "start" in u) for u in items[:20])


class AssemblyAIReader:
    """AssemblyAI v2 transcripts."""

    name = "assemblyai"
    description = "AssemblyAI transcript JSON: 'utterances' (or 'words' when utterances is null)"
    extensions = (".json",)

    def sniff(self, source: Source) -> float:
        doc = json_of(source)
        if not isinstance(doc, Mapping) or "utterances" not in doc:
            return 0.0
        marked = any(k in doc for k in _MARKERS)
        if "words" in doc:
            return 0.97 if marked else 0.7
        # Trimmed exports keep only the utterances (and perhaps the duration and language).
        if _utterance_shaped(doc.get("utterances")):
            return 0.95 if marked else 0.6
        return 0.0

    def parse(self, source: Source) -> Parsed:
        doc = json_object(source, "AssemblyAI")
        status = doc.get("status")
        if status in ("error", "queued", "processing"):
            raise InputError(
                f"{source.name} is an AssemblyAI transcript with status {status!r}"
                + (f": {doc.get('error')}" if doc.get("error") else "")
                + "; it has no text yet.",
                hint="Download the transcript again once its status is 'completed'.",
            )
        warnings: list[str] = []
        utterances = [
            Utterance(
                speaker=diarized_label(u.get("speaker")),
                text=text,
                start=seconds(u.get("start"), scale=_MS),
                end=seconds(u.get("end"), scale=_MS),
            )
            for u in as_dicts(doc.get("utterances"))
            if (text := clean_text(as_str(u.get("text"))))
        ]
        if not utterances:
            words = [
                Word(
                    text=as_str(w.get("text")),
                    start=seconds(w.get("start"), scale=_MS),
                    end=seconds(w.get("end"), scale=_MS),
                    speaker=diarized_label(w.get("speaker")),
                )
                for w in as_dicts(doc.get("words"))
                if as_str(w.get("text")).strip()
            ]
            diarized = any(w.speaker for w in words)
            utterances = words_to_utterances(words, by_speaker=diarized)
            if diarized:
                warnings.append("'utterances' is empty; turns were rebuilt from the words' speakers.")
            if not utterances and (text := clean_text(as_str(doc.get("text")))):
                utterances = [Utterance(speaker=None, text=text)]
                warnings.append("No words or utterances; used the full text, without times.")
        return Parsed(
            utterances=utterances,
            format_name="assemblyai",
            has_speaker_labels=any(u.speaker for u in utterances),
            warnings=warnings,
        )
