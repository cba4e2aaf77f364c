"""Rev.ai transcript JSON (``application/vnd.rev.transcript.v1.0+json``).

Each of ``monologues`` is a turn: a ``speaker`` id (``Speaker 0``, or the
``speaker_name`` when set) and ``elements`` of type ``text`` (with ``ts``/``end_ts``)
and ``punct`` (punctuation and the spaces between words, so elements are joined as
they are). ``unknown`` elements (``<inaudible>``) are dropped. The standard ``json``
module parses; the shapes are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..transcript import Utterance
from .base import Parsed, json_object, json_of
from .source import Source
from .speakers import diarized_label
from .textclean import clean_text
from .timecodes import seconds
from .words import as_dicts, as_str

__all__ = ["RevAIReader"]


class RevAIReader:
    """Rev.ai transcripts."""

    name = "revai"
    description = "Rev.ai transcript JSON: 'monologues' of text/punct elements"
    extensions = (".json",)

    def sniff(self, source: Source) -> float:
        doc = json_of(source)
        if isinstance(doc, Mapping) and isinstance(doc.get("monologues"), list):
            return 0.97
        return 0.0

    def parse(self, source: Source) -> Parsed:
        doc = json_object(source, "Rev.ai")
        utterances: list[Utterance] = []
        for mono in as_dicts(doc.get("monologues")):
            elements = [e for e in as_dicts(mono.get("elements")) if e.get("type") != "unknown"]
            text = clean_text("".join(as_str(e.get("value")) for e in elements))
            if not text:
                continue
            timed = [e for e in elements if e.get("type") == "text"]
            speaker = as_str(mono.get("speaker_name")).strip() or diarized_label(
                mono.get("speaker"))
            utterances.append(Utterance(
                speaker=speaker, text=text,
                start=seconds(timed[0].get("ts")) if timed else None,
                end=seconds(timed[-1].get("end_ts")) if timed else None,
            ))
        return Parsed(utterances=utterances, format_name="revai",
                      has_speaker_labels=any(u.speaker for u in utterances))
