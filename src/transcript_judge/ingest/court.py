"""Court-reporter transcripts: depositions and transcribed interviews with ``Q.``/``A.``.

Layout: a cover page (caption, appearances, index), then colloquy in upper-case
labels (``MR. DAVIS:  Good morning.``), and examination blocks opened by ``BY MS.
SAWYER:`` in which questions are ``Q.`` and answers ``A.``. Lines are hard-wrapped;
stage notes such as ``(A short break was had.)`` are indented on their own lines.

How Q. and A. are attributed (hand-written; no library reads this format):

* ``Q.`` is spoken by the examiner named in the latest ``BY MR./MS. NAME:`` line, as
  that person's colloquy label (``MS. SAWYER``); with no ``BY`` line yet, it stays
  ``Q``.
* ``A.`` is the witness. The witness is found from the cover page (``INTERVIEW OF:
  GLENN SIMPSON``, ``DEPOSITION OF ...``) and matched to a colloquy label with the
  same surname (``MR. SIMPSON``); failing that, ``THE WITNESS`` if the transcript
  uses it, else ``A``.
* ``BY THE WITNESS:`` (the witness resumes after an interjection) changes nothing.

The cover page, headings (``EXAMINATION``) and stage notes are not speech.
"""

from __future__ import annotations

import re
from collections import Counter

from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .textclean import clean_text

__all__ = ["CourtTranscriptReader"]

_QA = re.compile(r"^\s*(?P<kind>[QA])\.\s+(?P<text>.*)$")
# MR. DAVIS:  text   /  THE WITNESS:  text   /  CHAIRMAN GRASSLEY:  text
_LABEL = re.compile(
    r"^\s*(?P<label>(?:MR|MS|MRS|DR|MISS|SENATOR|CHAIRMAN|JUDGE|THE)\.?"
    r"(?:\s+[A-Z][A-Z'\-]+){1,3}):\s+(?P<text>.*)$"
)
_BY = re.compile(r"^\s*BY\s+(?P<label>[A-Z][A-Z.'\- ]{1,40}?)\s*:\s*$")
_WITNESS = re.compile(
    r"\b(?:INTERVIEW|DEPOSITION|TESTIMONY|EXAMINATION|STATEMENT)\s+OF\s*:?\s+"
    r"(?P<name>[A-Z][A-Za-z.'\- ]{2,60})",
)
_HEADING = re.compile(r"^\s{4,}[A-Z][A-Z ,.'\-]{2,60}$")


def _witness_label(lines: list[str], labels: Counter[str]) -> str:
    for line in lines[:150]:
        if m := _WITNESS.search(line):
            surname = m["name"].split()[-1].upper()
            matches = [lab for lab in labels if lab.split()[-1] == surname]
            if len(matches) == 1:
                return matches[0]
    return "THE WITNESS" if "THE WITNESS" in labels else "A"


class CourtTranscriptReader:
    """Court-reporter Q./A. transcripts."""

    name = "court"
    description = (
        "Court-reporter transcript (deposition, transcribed interview): "
        "'MR. NAME:' colloquy, 'BY MR. NAME:' and 'Q.'/'A.' examination"
    )
    extensions = (".txt",)

    def sniff(self, source: Source) -> float:
        lines = head_lines(source, 2000)
        if not lines:
            return 0.0
        qa = Counter(m["kind"] for ln in lines if (m := _QA.match(ln)))
        colloquy = sum(1 for ln in lines if _LABEL.match(ln) or _BY.match(ln))
        if qa["Q"] >= 3 and qa["A"] >= 3:
            return 0.9 if colloquy else 0.75
        return 0.0

    def parse(self, source: Source) -> Parsed:
        lines = source.lines
        labels: Counter[str] = Counter(
            " ".join(m["label"].split()) for ln in lines if (m := _LABEL.match(ln))
        )
        witness = _witness_label(lines, labels)
        examiner = "Q"
        utterances: list[Utterance] = []
        speaker: str | None = None
        buffer: list[str] = []
        in_note = False
        skipped_notes = 0
        title = next((" ".join(m.group(0).split()) for ln in lines[:150]
                      if (m := _WITNESS.search(ln))), None)

        def flush() -> None:
            if speaker is not None and buffer and (text := clean_text("\n".join(buffer))):
                utterances.append(Utterance(speaker=speaker, text=text))
            buffer.clear()

        for line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            indent = len(line) - len(line.lstrip())
            if in_note or (indent >= 10 and stripped.startswith("(")):
                # A stage note: "(Interview Exhibit 1 was\n marked for identification.)"
                in_note = ")" not in stripped
                skipped_notes += not in_note
                continue
            if m := _BY.match(line):
                flush()
                label = " ".join(m["label"].split())
                if label != "THE WITNESS":
                    examiner = label
                speaker = None
                continue
            if m := _QA.match(line):
                flush()
                speaker = examiner if m["kind"] == "Q" else witness
                buffer.append(m["text"])
                continue
            if m := _LABEL.match(line):
                flush()
                speaker = " ".join(m["label"].split())
                buffer.append(m["text"])
                continue
            if _HEADING.match(line) and stripped.upper() == stripped:
                continue  # "EXAMINATION", "I N D E X"
            if speaker is not None:
                buffer.append(stripped)
            # Lines before the first turn are the cover page.
        flush()
        warnings = []
        if witness == "A":
            warnings.append(f"Couldn't tell who the witness is; 'A.' answers are labelled "
                            f"{witness!r}.")
        return Parsed(utterances=utterances, format_name="court",
                      has_speaker_labels=bool(utterances), title=title, warnings=warnings)
