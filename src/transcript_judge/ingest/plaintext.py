"""Plain text and Markdown with a speaker label at the start of each turn.

Layouts: ``Name: text``, ``**Name:** text``, ``**Name** [hh:mm:ss] text``,
``[hh:mm:ss] Name: text``, ``Interviewer:``/``Candidate:``, ``Q:``/``A:``. A turn runs
until the next label; its text may span several lines or paragraphs.

No library parses these; this is hand-written. What it takes care of:

* A label is believed only if it recurs or reads like a name (see
  :func:`.speakers.accept_labels`), so ``"So the point is: ..."`` stays speech.
* Markdown: headings, rules and front matter are not speech (the first heading
  becomes the title); links keep their text; ``\\[laughter\\]`` escapes and
  ``**bold**`` are undone; HTML entities are unescaped.
* Timestamps: ``[04:11]`` at the start of a turn and bare ``00:05:00`` lines (Google
  Meet) become the start time of the next words.
* Pseudo-speakers such as ``**Break:**`` and lines before the first label (title,
  notes) are dropped, the latter with a warning.

:func:`parse_labelled_lines` is shared with :mod:`.meet`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..transcript import Utterance
from .base import Parsed, head_lines
from .source import Source
from .speakers import NOT_NAMES, accept_labels, is_name_like, speaker_key, split_speaker_prefix
from .textclean import clean_markdown, clean_text, safe_display
from .timecodes import CLOCK, parse_clock_or_none

__all__ = ["LabelledText", "PlainTextReader", "parse_labelled_lines"]

_T = rf"\\?[\[(](?P<time>{CLOCK})\\?[\])]"
# **Name** [00:01:02] text   /  **Name** (01:02): text
_BOLD_NAME_TIME = re.compile(
    rf"^[ \t]*(?:\*\*|__)(?P<name>[^*_\s:](?:[^*_\n:]{{0,58}}[^*_\s:])?)(?:[ \t]*:)?"
    rf"(?:\*\*|__)(?:[ \t]*:)?[ \t]*{_T}(?:[ \t]*:)?[ \t]*(?P<text>.*)$"
)
# Name [00:01:02]: text  (the name starts with a non-space: no backtracking over indents)
_NAME_TIME = re.compile(rf"^[ \t]*(?P<name>[^\s\[\]():][^\[\]():\n]{{0,59}}?)[ \t]+{_T}\s*:\s*(?P<text>.*)$")
# [00:01:02] Name: text   /   [00:01:02] text
_TIME_FIRST = re.compile(rf"^\s*{_T}\s*[-–—]?\s*(?P<text>.*)$")
_BARE_TIME = re.compile(rf"^\s*\\?\[?(?P<time>{CLOCK})\\?\]?\s*$")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+(?P<text>.*))?$")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_BOLD = re.compile(r"^\s*(?:\*\*|__)")
_HEAD = 300
_HEADER_CHARS = 120  # a first line longer than this is speech or notes, not a title
# Something short before a colon at the start of a line (then a space or the end): a label
# the strict pattern didn't take, or ordinary speech; see _unrecognised_label.
_LOOSE_LABEL = re.compile(r"^[ \t]*(?:\*\*|__)?(?P<label>[^\s:：*_][^:：\n]{0,40}?)(?:\*\*|__)?[ \t]*[:：](?:\s|$)")
# Labels that mark a moment in the show, not a person.
_PSEUDO = {
    "break",
    "music",
    "intro",
    "outro",
    "intro music",
    "outro music",
    "ad break",
    "ad",
    "pause",
    "recess",
    "silence",
    "applause",
    "laughter",
    "crosstalk",
    "inaudible",
    "commercial",
    "commercial break",
    "sponsor break",
    "transition",
}


@dataclass
class LabelledText:
    """The result of :func:`parse_labelled_lines`."""

    utterances: list[Utterance]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    markdown: bool = False
    #: Whether any speaker label was found (even if the turns turned out empty).
    labelled: bool = False


@dataclass
class _Line:
    name: str | None
    text: str
    start: float | None = None
    bold: bool = False


def _split_line(line: str) -> _Line | None:
    """A line as (candidate label, text, start); ``None`` for a bare timestamp line.

    Labels are looked for in the first :data:`_HEAD` characters only, which bounds the
    regex work on very long lines; the text is taken from the whole line.
    """
    head = line[:_HEAD]
    if _BARE_TIME.match(head) and len(line) <= _HEAD:
        return None
    if m := _BOLD_NAME_TIME.match(head):
        return _Line(
            safe_display(m["name"]) or None, line[m.start("text") :], parse_clock_or_none(m["time"]), bold=True
        )
    if m := _NAME_TIME.match(head):
        return _Line(safe_display(m["name"]) or None, line[m.start("text") :], parse_clock_or_none(m["time"]))
    start = None
    if m := _TIME_FIRST.match(line):
        start, line = parse_clock_or_none(m["time"]), m["text"]
    name, text = split_speaker_prefix(line)
    if name is not None:
        if m := _TIME_FIRST.match(text):  # **Carmen Andoh:** \[04:11\] I don't know...
            start = start if start is not None else parse_clock_or_none(m["time"])
            text = m["text"]
        return _Line(name, text, start, bold=bool(_BOLD.match(line)))
    return _Line(None, line, start)


def _unrecognised_label(line: str, split: _Line) -> str | None:
    """The label a continuation line seems to start with, when it reads like a person's
    name (``Dr. Ng #2:``) but wasn't taken as a speaker; ``None`` for ordinary speech
    ("so the point is: ...", "Note: ...")."""
    if split.name is not None:
        label = split.name
    elif m := _LOOSE_LABEL.match(line[:_HEAD]):
        label = safe_display(m["label"])
    else:
        return None
    key = speaker_key(label)
    if not key or key.casefold() in NOT_NAMES or "," in key or key[-1] in ".?!;":
        return None
    letters = [ch for ch in key if ch.isalpha()]
    if not letters or letters[0].islower() or not is_name_like(key):
        return None
    return label


def _label_counts(lines: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in lines:
        split = _split_line(line)
        if split is not None and split.name:
            counts[split.name] += 1
    return counts


def parse_labelled_lines(
    lines: list[str],
    *,
    known_names: Iterable[str] = (),
    warn_preamble: bool = True,
) -> LabelledText:
    """Turn labelled lines into utterances.

    Args:
        lines: the text's lines.
        known_names: names known to be speakers (e.g. a meeting's attendees), accepted
            as labels even if they speak only once.
        warn_preamble: warn when lines before the first label are dropped.
    """
    body, (title, title_line), markdown = _without_markup(lines)
    numbered = [(n, ln) for n, ln in enumerate(body, 1) if ln.strip()]
    splits = [_split_line(ln) for _, ln in numbered]  # once: the counts and the turns use them
    shown, accepted = _speaker_labels(splits, known_names, units=len(numbered))
    turns = _Turns(markdown=markdown)
    first_label: int | None = None
    header: str | None = None  # the first line before the first label
    for (number, line), split in zip(numbered, splits, strict=True):
        if split is None:  # a bare timestamp: when the next words were said
            turns.pending = parse_clock_or_none(line.strip().strip("\\[]"))
            continue
        turns.markdown = turns.markdown or split.bold
        key = speaker_key(split.name) if split.name is not None else ""
        if key and key in accepted:
            first_label = number if first_label is None else first_label
            turns.open(shown[key], split, pseudo=key.casefold() in _PSEUDO)
        elif turns.started:
            turns.extend(number, line, split)
        else:
            header = header or line
            turns.preamble += 1
    turns.flush()
    return LabelledText(
        utterances=turns.utterances,
        title=_title(title, title_line, header, first_label),
        warnings=turns.warnings(warn_preamble=warn_preamble),
        markdown=turns.markdown,
        labelled=turns.started,
    )


def _title(heading: str | None, heading_line: int, header: str | None, first_label: int | None) -> str | None:
    """The transcript's title: its first heading, or else its first line, when it comes
    before the first speaker label (a heading among the turns is the speakers' words, and
    never names anyone)."""
    if heading is not None and (first_label is None or heading_line < first_label):
        return heading
    if header is None or first_label is None:
        return None  # without labels, the first line is as likely speech as a title
    line = clean_markdown(header).strip(" #*_-–—")
    return line if 0 < len(line) <= _HEADER_CHARS else None


def _without_markup(lines: list[str]) -> tuple[list[str], tuple[str | None, int], bool]:
    """(body, (title, its line number), markdown): the lines with front matter, headings and
    rules blanked (``body[i]`` is ``lines[i]``, so warnings can name line numbers), the first
    heading as the title, and whether there were headings (Markdown)."""
    body: list[str] = []
    title: str | None = None
    title_line = 0
    markdown = False
    in_front_matter = bool(lines) and lines[0].strip() == "---"
    for i, line in enumerate(lines):
        if in_front_matter:
            if i > 0 and line.strip() in ("---", "..."):
                in_front_matter = False
            body.append("")
            continue
        if m := _HEADING.match(line):
            markdown = True
            if title is None:
                title, title_line = clean_markdown((m["text"] or "").rstrip("# \t")) or None, i + 1
            body.append("")
            continue
        body.append("" if _RULE.match(line) else line)
    return body, (title, title_line), markdown


def _speaker_labels(
    splits: Iterable[_Line | None], known_names: Iterable[str], *, units: int
) -> tuple[dict[str, str], set[str]]:
    """(shown, accepted): each label key as first written, and the keys taken as speakers.

    Labels are matched by their key, so "Maya 🚀" and "Maya" are one speaker, shown as
    first written. Pseudo-speakers ("Break") are accepted here and their turns dropped."""
    shown: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for sp in splits:
        if sp is not None and sp.name and (key := speaker_key(sp.name)):
            shown.setdefault(key, sp.name)
            counts[key] += 1
    accepted = accept_labels(counts, units=units) | ({speaker_key(n) for n in known_names} & set(counts))
    return shown, accepted


@dataclass
class _Turns:
    """The utterances of :func:`parse_labelled_lines`, built a line at a time: a turn runs
    from its label to the next one, and a timestamp inside it starts a new utterance."""

    markdown: bool
    utterances: list[Utterance] = field(default_factory=list)
    #: Continuation lines that look like a label: (line number, label, whose turn).
    unrecognised: list[tuple[int, str, str | None]] = field(default_factory=list)
    speaker: str | None = None
    started: bool = False  # whether a label has been seen
    preamble: int = 0  # lines before the first label
    pending: float | None = None  # a bare timestamp's time, for the next words
    buffer: list[str] = field(default_factory=list)
    buffer_start: float | None = None
    skip_turn: bool = False  # a pseudo-speaker's turn

    def flush(self) -> None:
        if self.buffer and not self.skip_turn:
            raw = "\n".join(self.buffer)
            text = clean_markdown(raw) if self.markdown or "**" in raw or "\\[" in raw else (clean_text(raw))
            if text:
                self.utterances.append(Utterance(speaker=self.speaker, text=text, start=self.buffer_start))
        self.buffer.clear()
        self.buffer_start = None

    def open(self, speaker: str, split: _Line, *, pseudo: bool) -> None:
        """A labelled line: a new turn."""
        self.flush()
        self.started = True
        self.skip_turn = pseudo
        self.speaker = None if pseudo else speaker
        self.buffer.append(split.text)
        self.buffer_start = split.start if split.start is not None else self.pending
        self.pending = None

    def extend(self, number: int, line: str, split: _Line) -> None:
        """A line without an accepted label: more of the current turn."""
        text = line if split.name is not None else split.text
        if not self.skip_turn and (label := _unrecognised_label(line, split)) is not None:
            self.unrecognised.append((number, label, self.speaker))
        if split.start is not None or self.pending is not None:
            # A timestamp inside a turn starts a new utterance of the same speaker, so
            # the time is kept; merging joins them back into one turn.
            self.flush()
            self.buffer_start = split.start if split.start is not None else self.pending
            self.pending = None
        self.buffer.append(text)

    def warnings(self, *, warn_preamble: bool) -> list[str]:
        warnings = []
        if self.preamble and warn_preamble and self.utterances:
            warnings.append(
                f"Skipped {self.preamble} lines before the first speaker label (title, notes or a header)."
            )
        if unrecognised := self.unrecognised:
            examples = "; ".join(
                f"line {n} ({label + ':'!r}, added to {who or 'the unlabelled'}'s turn)"
                for n, label, who in unrecognised[:3]
            )
            more = f" and {len(unrecognised) - 3} more" if len(unrecognised) > 3 else ""
            warnings.append(
                f"{len(unrecognised)} line(s) start like a speaker label this reader doesn't "
                f"recognise, so their words were kept in the previous speaker's turn: {examples}{more}."
                " If they are another speaker, fix the labels and read the file again."
            )
        return warnings


def _paragraphs(lines: list[str]) -> list[Utterance]:
    """Unlabelled text as one utterance per paragraph."""
    out: list[Utterance] = []
    buffer: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            buffer.append(line)
        elif buffer:
            if text := clean_markdown("\n".join(buffer)):
                out.append(Utterance(speaker=None, text=text))
            buffer = []
    return out


class PlainTextReader:
    """Plain text or Markdown with speaker labels."""

    name = "plain"
    description = (
        "Plain text or Markdown: 'Name: text', '**Name:** text', '**Name** [hh:mm:ss] text', "
        "'Interviewer:'/'Candidate:', 'Q:'/'A:'"
    )
    extensions = (".txt", ".md", ".markdown", ".text")

    def sniff(self, source: Source) -> float:
        lines = head_lines(source)
        if not lines:
            return 0.0
        counts = _label_counts(lines)
        accepted = accept_labels(counts, units=len(lines))
        labelled = sum(n for name, n in counts.items() if name in accepted)
        if labelled < 2:
            # Unlabelled prose: readable only when asked for (--input-format plain),
            # since it may not be a transcript at all.
            return 0.0
        return 0.3 + 0.4 * min(1.0, 2 * labelled / len(lines))

    def parse(self, source: Source) -> Parsed:
        lines = source.lines
        result = parse_labelled_lines(lines)
        if not result.labelled:
            utterances = _paragraphs(lines)
            return Parsed(
                utterances=utterances,
                format_name="plain",
                has_speaker_labels=False,
                title=result.title,
                warnings=["No speaker labels found: read as unattributed text."],
            )
        fmt = "markdown" if result.markdown or source.suffix in (".md", ".markdown") else "plain"
        return Parsed(
            utterances=result.utterances,
            format_name=fmt,
            has_speaker_labels=any(u.speaker for u in result.utterances),
            title=result.title,
            warnings=result.warnings,
        )
