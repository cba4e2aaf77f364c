"""Whisper-style JSON: ``segments`` with ``start``, ``end``, ``text``.

Covers openai-whisper and whisper-timestamped (``text``/``segments``/``language``),
faster-whisper dumps (``segments`` only, ids from 1), and diarized segments from
whisperX or pyannote pipelines, where each segment has a ``speaker``
(``SPEAKER_00``), also as a bare top-level list. The standard ``json`` module parses;
the shapes are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..transcript import Utterance
from .base import Parsed, json_of
from .source import Source
from .speakers import diarized_label
from .textclean import clean_text
from .timecodes import seconds
from .words import as_dicts, as_str

__all__ = ["WhisperJSONReader"]


def _segments(doc: object) -> list[Mapping[str, object]]:
    if isinstance(doc, Mapping):
        return as_dicts(doc.get("segments"))
    return as_dicts(doc)


def _looks_like_segment(seg: Mapping[str, object]) -> bool:
    return isinstance(seg.get("text"), str) and ("start" in seg or "speaker" in seg)


class WhisperJSONReader:
    """Whisper, faster-whisper, whisper-timestamped and whisperX JSON."""

    name = "whisper-json"
    description = (
        "Whisper-style JSON (openai-whisper, faster-whisper, whisper-timestamped): "
        "'segments'; whisperX/pyannote diarized segments with 'speaker'"
    )
    extensions = (".json",)

    def sniff(self, source: Source) -> float:
        doc = json_of(source)
        if doc is None:
            return 0.0
        if isinstance(doc, Mapping) and ("results" in doc or "monologues" in doc
                                         or "utterances" in doc):
            return 0.0  # Deepgram, AWS, Rev.ai and AssemblyAI have their own readers
        segs = _segments(doc)
        if segs and _looks_like_segment(segs[0]):
            return 0.95 if isinstance(doc, Mapping) else 0.8
        return 0.0

    def parse(self, source: Source) -> Parsed:
        segs = _segments(json_of(source))
        utterances: list[Utterance] = []
        skipped = 0
        for seg in segs:
            text = clean_text(as_str(seg.get("text")))
            if not text:
                skipped += not isinstance(seg.get("text"), str)
                continue
            utterances.append(Utterance(
                speaker=diarized_label(seg.get("speaker")), text=text,
                start=seconds(seg.get("start")), end=seconds(seg.get("end")),
            ))
        has_labels = any(u.speaker for u in utterances)
        warnings = [f"Skipped {skipped} segments without text."] if skipped else []
        if has_labels and any(u.speaker is None for u in utterances):
            warnings.append("Some segments have no speaker; they were given to the speaker "
                            "before them.")
        return Parsed(utterances=utterances,
                      format_name="whisperx-json" if has_labels else "whisper-json",
                      has_speaker_labels=has_labels, warnings=warnings)
