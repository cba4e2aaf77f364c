"""Deepgram pre-recorded API JSON (``results.channels``, ``results.utterances``).

Turns come from ``results.utterances`` when requested, else from each channel's
``paragraphs``, else from its ``words``. Speakers are the diarization ids
(``Speaker 0``); without diarization but with several channels, each channel is a
speaker (``Channel 1``); otherwise there are no speaker labels. The standard ``json``
module parses; the shapes are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..transcript import Utterance
from .base import Parsed, json_object, json_of
from .source import Source
from .speakers import channel_label, diarized_label
from .textclean import clean_text
from .timecodes import seconds
from .words import Word, as_dicts, as_str, words_to_utterances

__all__ = ["DeepgramReader"]


def _first_alternative(channel: Mapping[str, object]) -> Mapping[str, object]:
    alts = as_dicts(channel.get("alternatives"))
    return alts[0] if alts else {}


def _speaker(item: Mapping[str, object], channel: int, multichannel: bool) -> str | None:
    if item.get("speaker") is not None:
        return diarized_label(item.get("speaker"))
    return channel_label(channel) if multichannel else None


def _from_utterances(results: Mapping[str, object], multichannel: bool) -> list[Utterance]:
    out = []
    for u in as_dicts(results.get("utterances")):
        text = clean_text(as_str(u.get("transcript")))
        channel = u.get("channel")
        if text:
            out.append(Utterance(
                speaker=_speaker(u, channel if isinstance(channel, int) else 0, multichannel),
                text=text, start=seconds(u.get("start")), end=seconds(u.get("end"))))
    return out


def _from_channel(alt: Mapping[str, object], index: int, multichannel: bool) -> list[Utterance]:
    paragraphs = alt.get("paragraphs")
    paras = as_dicts(paragraphs.get("paragraphs")) if isinstance(paragraphs, Mapping) else []
    out = []
    for p in paras:
        text = clean_text(" ".join(as_str(s.get("text")) for s in as_dicts(p.get("sentences"))))
        if text:
            out.append(Utterance(speaker=_speaker(p, index, multichannel), text=text,
                                 start=seconds(p.get("start")), end=seconds(p.get("end"))))
    if out:
        return out
    words = [
        Word(text=as_str(w.get("punctuated_word")) or as_str(w.get("word")),
             start=seconds(w.get("start")), end=seconds(w.get("end")),
             speaker=_speaker(w, index, multichannel))
        for w in as_dicts(alt.get("words"))
    ]
    if words:
        return words_to_utterances(words, by_speaker=any(w.speaker for w in words))
    text = clean_text(as_str(alt.get("transcript")))
    return [Utterance(speaker=channel_label(index) if multichannel else None, text=text)] if (
        text) else []


class DeepgramReader:
    """Deepgram pre-recorded transcription responses."""

    name = "deepgram"
    description = (
        "Deepgram JSON: results.utterances or channel paragraphs/words, "
        "with or without speakers"
    )
    extensions = (".json",)

    def sniff(self, source: Source) -> float:
        doc = json_of(source)
        if not isinstance(doc, Mapping):
            return 0.0
        results = doc.get("results")
        if isinstance(results, Mapping) and isinstance(results.get("channels"), list):
            return 0.97
        return 0.0

    def parse(self, source: Source) -> Parsed:
        doc = json_object(source, "Deepgram")
        results = doc.get("results")
        results = results if isinstance(results, Mapping) else {}
        channels = as_dicts(results.get("channels"))
        multichannel = len(channels) > 1
        utterances = _from_utterances(results, multichannel)
        if not utterances:
            for i, channel in enumerate(channels):
                utterances.extend(_from_channel(_first_alternative(channel), i, multichannel))
            if multichannel:  # interleave the channels in time
                utterances.sort(key=lambda u: (u.start is None, u.start or 0.0))
        return Parsed(utterances=utterances, format_name="deepgram",
                      has_speaker_labels=any(u.speaker for u in utterances))
