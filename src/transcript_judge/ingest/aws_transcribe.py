"""Amazon Transcribe job output JSON (``results.transcripts``, ``results.items``).

Speakers come from ``results.speaker_labels.segments`` (``spk_0``...; their items give
each word's speaker by start time) or from a ``speaker_label`` on each item (newer
outputs). With channel identification, ``results.channel_labels.channels`` hold each
channel's items and each channel is a speaker (``ch_0`` is ``Channel 1``). Times are
strings in seconds; punctuation items have no times and attach to the word before.
The standard ``json`` module parses; the shapes are checked here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from ..errors import InputError
from ..transcript import Utterance
from .base import Parsed, json_object, json_of
from .source import Source
from .speakers import channel_label
from .textclean import clean_text
from .timecodes import seconds
from .words import Word, as_dicts, as_str, words_to_utterances

__all__ = ["AWSTranscribeReader"]

_CHANNEL = re.compile(r"^ch_(\d+)$")


def _content(item: Mapping[str, object]) -> str:
    alts = as_dicts(item.get("alternatives"))
    return as_str(alts[0].get("content")) if alts else ""


def _words(items: list[Mapping[str, object]], speaker_at: Mapping[str, str],
           fixed: str | None = None) -> list[Word]:
    words = []
    for item in items:
        text = _content(item)
        if not text:
            continue
        if item.get("type") == "punctuation":
            words.append(Word(text=text, joins_previous=True))
            continue
        start = as_str(item.get("start_time"))
        speaker = fixed or as_str(item.get("speaker_label")) or speaker_at.get(start)
        words.append(Word(text=text, start=seconds(start), end=seconds(item.get("end_time")),
                          speaker=speaker or None))
    return words


def _speaker_at(results: Mapping[str, object]) -> dict[str, str]:
    """Start time (as written) to speaker, from the speaker_labels segments."""
    labels = results.get("speaker_labels")
    out: dict[str, str] = {}
    if isinstance(labels, Mapping):
        for seg in as_dicts(labels.get("segments")):
            for item in as_dicts(seg.get("items")):
                label = as_str(item.get("speaker_label")) or as_str(seg.get("speaker_label"))
                if label:
                    out[as_str(item.get("start_time"))] = label
    return out


class AWSTranscribeReader:
    """Amazon Transcribe batch job output."""

    name = "aws-transcribe"
    description = (
        "Amazon Transcribe JSON: results.items with speaker_labels (spk_0...) "
        "or channel identification (Channel 1...)"
    )
    extensions = (".json",)

    def sniff(self, source: Source) -> float:
        doc = json_of(source)
        if not isinstance(doc, Mapping):
            return 0.0
        results = doc.get("results")
        if isinstance(results, Mapping) and "transcripts" in results and "items" in results:
            return 0.97
        return 0.0

    def parse(self, source: Source) -> Parsed:
        doc = json_object(source, "Amazon Transcribe")
        if doc.get("status") == "FAILED":
            raise InputError(f"{source.name} is the output of a failed Amazon Transcribe job.",
                             hint="Run the transcription job again.")
        results = doc.get("results")
        results = results if isinstance(results, Mapping) else {}
        channels = results.get("channel_labels")
        speaker_at = _speaker_at(results)
        utterances: list[Utterance] = []
        if isinstance(channels, Mapping) and not speaker_at:
            for i, ch in enumerate(as_dicts(channels.get("channels"))):
                m = _CHANNEL.match(as_str(ch.get("channel_label")))
                label = channel_label(int(m.group(1)) if m else i)
                words = _words(as_dicts(ch.get("items")), {}, fixed=label)
                # Sentences per channel, then interleaved in time: people talk over
                # each other on separate channels.
                utterances.extend(
                    dataclasses.replace(u, speaker=label)
                    for u in words_to_utterances(words, by_speaker=False)
                )
            utterances.sort(key=lambda u: (u.start is None, u.start or 0.0))
        else:
            words = _words(as_dicts(results.get("items")), speaker_at)
            utterances = words_to_utterances(words, by_speaker=any(w.speaker for w in words))
        if not utterances:
            transcripts = as_dicts(results.get("transcripts"))
            text = clean_text(" ".join(as_str(t.get("transcript")) for t in transcripts))
            if text:
                utterances = [Utterance(speaker=None, text=text)]
        return Parsed(utterances=utterances, format_name="aws-transcribe",
                      has_speaker_labels=any(u.speaker for u in utterances))
