"""Plain text: ``Name: text`` paragraphs, ``Interviewer:``/``Candidate:``, ``Q:``/``A:``."""

from __future__ import annotations

from ..errors import InputError
from ..transcript import Utterance
from .base import Parsed
from .source import Source
from .speakers import split_speaker_prefix
from .textclean import clean_text

__all__ = ["PlainTextReader"]


class PlainTextReader:
    name = "plain"
    description = "Plain text or Markdown: 'Name: text', 'Interviewer:'/'Candidate:', 'Q:'/'A:'"

    def sniff(self, source: Source) -> float:
        if source.suffix in {".docx", ".json"}:
            return 0.0
        try:
            lines = [ln for ln in source.text.split("\n") if ln.strip()][:400]
        except InputError:
            return 0.0
        if not lines:
            return 0.0
        labelled = sum(1 for ln in lines if split_speaker_prefix(ln)[0] is not None)
        share = labelled / len(lines)
        if labelled >= 2:
            return 0.3 + 0.5 * min(1.0, share * 2)
        return 0.1 if source.suffix in {".txt", ".md", ""} else 0.05

    def parse(self, source: Source) -> Parsed:
        utterances: list[Utterance] = []
        speaker: str | None = None
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                text = clean_text("\n".join(buffer))
                if text:
                    utterances.append(Utterance(speaker=speaker, text=text))
            buffer.clear()

        for line in source.text.split("\n"):
            if not line.strip():
                continue
            name, rest = split_speaker_prefix(line)
            if name is not None:
                flush()
                speaker = name
                buffer.append(rest)
            else:
                buffer.append(line)
        flush()
        has_labels = any(u.speaker for u in utterances)
        return Parsed(utterances=utterances, format_name="plain", has_speaker_labels=has_labels)
