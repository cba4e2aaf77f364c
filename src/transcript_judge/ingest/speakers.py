"""Speaker labels: recognising them in text, naming diarized speakers, spotting bots.

Label conventions (documented in the README):

* Named speakers keep the label exactly as the source writes it (``Dr. Melissa Ko``,
  ``MR. DAVIS``, ``Ashlee Kupor (SL)``).
* Diarization ids that are strings keep the service's spelling (AssemblyAI ``A``,
  AWS ``spk_0``, whisperX ``SPEAKER_00``); numeric ids become ``Speaker 0``,
  ``Speaker 1`` (Deepgram, Rev.ai), keeping the service's 0-based numbering so the
  label can be found in the source file.
* Audio channels become ``Channel 1``, ``Channel 2`` (1-based, as audio tools count
  them): AWS ``ch_0`` is ``Channel 1``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .textclean import BIDI_CONTROLS, safe_display

__all__ = [
    "NOT_NAMES",
    "accept_labels",
    "channel_label",
    "diarized_label",
    "is_bot",
    "is_name_like",
    "is_unknown_speaker",
    "speaker_key",
    "split_speaker_prefix",
    "unique_in_order",
]

# Decorations people put in labels: emoji (with skin tones, ZWJ sequences, variation
# selectors, keycaps and tag sequences) and bidi controls. Allowed in a label, left out of
# its key; bidi controls are also left out of the name as displayed.
_DECORATION = (
    "\u200c\u200d\ufe00-\ufe0f\u20e3\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff"
    "\U0001f000-\U0001faff\U000e0020-\U000e007f" + BIDI_CONTROLS
)
_DECORATIONS = re.compile(f"[{_DECORATION}]+")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# "Maya Chen: text", "**Maya Chen:** text", "Dr. Melissa Ko: text", "Q: text", "SPEAKER_01: text",
# "田中太郎：text", "Maya 🚀: text". A name starts with a letter of any script ([^\W\d_]),
# perhaps after an emoji.
_PREFIX = re.compile(
    rf"""^[ \t]*(?:\*\*|__)?
        (?P<name>[{_DECORATION} ]{{0,8}}[^\W\d_][\w.'’\-() {_DECORATION}]{{0,48}}?)
        [ \t]*(?:\*\*|__)?[ \t]*(?P<colon>[:：])(?!//)[ \t]*(?:\*\*|__)?[ \t]*(?P<text>.*)$""",
    re.VERBOSE | re.DOTALL,
)
# Words that precede a colon in running speech or document headers, never speakers.
_NOT_NAMES = {
    "note",
    "notes",
    "nb",
    "http",
    "https",
    "www",
    "warning",
    "example",
    "e.g",
    "i.e",
    "ps",
    "update",
    "edit",
    "tl;dr",
    "step",
    "answer",
    "question",
    "re",
    "fyi",
    "so",
    "and",
    "but",
    "well",
    "yes",
    "no",
    "ok",
    "okay",
    "then",
    "also",
    "because",
    "like",
    "here",
    "there",
    "kind",
    "language",
    "style",
    "title",
    "date",
    "time",
    "attendees",
    "duration",
    "subject",
    "participants",
    "location",
    "agenda",
    "summary",
    "transcript",
    "recording",
    "meeting",
    "link",
    "url",
    "source",
    "tags",
    "author",
    "published",
    "episode",
    "guest",
    "guests",
    "host",
    "hosts",
    "speakers",
    "sponsor",
    "sponsors",
    "chapter",
    "chapters",
    "topic",
    "topics",
    "action items",
    "next steps",
    "todo",
    "important",
    "tip",
    "hint",
    "caution",
    "for example",
    "in other words",
    "the answer",
    "the question",
    "my answer",
    "the point",
}
#: Words that precede a colon in running speech or headers, never speakers.
NOT_NAMES = frozenset(_NOT_NAMES)
# Lower-case words allowed inside a name: "Neil deGrasse Tyson", "Quentin de Beauchesne".
_PARTICLES = {
    "de",
    "da",
    "di",
    "del",
    "della",
    "der",
    "den",
    "van",
    "von",
    "la",
    "le",
    "du",
    "dos",
    "das",
    "bin",
    "al",
    "el",
    "ibn",
    "zu",
    "y",
    "e",
    "ter",
    "ten",
    "degrasse",
}
# Diarization ids written in lower case: "spk_0", "speaker_1", "spkr 2".
_DIARIZED = re.compile(r"^(?:spk|spkr|speaker)[_ ]?\d{1,3}$", re.IGNORECASE)
_BOT = re.compile(
    r"notetaker|note[- ]taker|fireflies|otter\.ai|otterpilot|otter pilot|read\.ai|"
    r"fathom|tl;?dv|meetgeek|krisp|airgram|sembly|avoma|gong\.io|"
    r"meeting (?:bot|assistant|notes)|\bbot\b|\brecorder\b|\bAI assistant\b",
    re.IGNORECASE,
)
_UNKNOWN = re.compile(r"^(?:unknown(?: speaker)?(?: \d+)?|speaker \?|\?+|unidentified(?: speaker)?)$", re.IGNORECASE)


def split_speaker_prefix(line: str) -> tuple[str | None, str]:
    """Split ``"Name: text"`` into ``("Name", "text")``; ``(None, line)`` when it isn't one.

    A name is at most six words, starts with a letter (perhaps after an emoji), and isn't
    a common word that precedes a colon in running speech ("Note:", "So:"). The name is
    returned as written, but safe to display: bidi controls and control characters are
    removed (see :func:`speaker_key` for matching spellings). A colon followed directly by
    digits is a clock time ("at 10:30"), not a label.
    """
    m = _PREFIX.match(line[:200])  # a label is near the start; bounds the regex work
    if not m:
        return None, line
    name = safe_display(m.group("name").strip().rstrip("*_").strip())
    key = speaker_key(name)
    text = line[m.start("text") :]
    if not key or key.casefold() in _NOT_NAMES or len(key.split()) > 6:
        return None, line
    if key[0].islower() and len(key) > 2 and not _DIARIZED.match(key):
        return None, line  # "so he said: ..." is speech, not a label ("spk_0:" is one)
    after = m.end("colon")
    if key[-1].isdigit() and line[after : after + 1].isdigit():
        return None, line  # "ended after 00:18:10", "at 10:30": the colon is inside a time
    return name, text.strip()


def speaker_key(name: str) -> str:
    """What two spellings of one label have in common: ``Maya 🚀`` and ``Maya`` are one
    speaker. Emoji, ZWJ, variation selectors and bidi controls are left out, spaces fold."""
    return " ".join(_DECORATIONS.sub(" ", _BIDI.sub("", name)).split())


def is_name_like(name: str) -> bool:
    """Whether ``name`` reads like a person's label rather than the start of a sentence.

    Up to five words, each capitalised, an initial, a number, a bracketed note such as
    ``(SL)``, or a name particle (``de``, ``van``). Scripts without case count as
    capitalised.
    """
    words = name.split()
    if not words or len(words) > 5:
        return False
    for word in words:
        w = word.strip("()[]")
        if not w:
            continue
        if word.startswith("(") or w.isdigit() or w.casefold() in _PARTICLES or _DIARIZED.match(w):
            continue
        if w[0].islower():
            return False
    return True


def accept_labels(counts: Counter[str], *, units: int = 0) -> set[str]:
    """Choose which candidate labels found by a line-based reader are real speakers.

    Args:
        counts: how often each candidate label opened a line or cue.
        units: how many lines or cues there are in all (for short texts).

    A label that recurs is a speaker. A label seen once is believed only if it reads
    like a name and the document already has recurring labels, so a single
    ``"Important caveat: ..."`` sentence in a caption file doesn't invent a speaker.
    In a short text where no label recurs, name-like labels are believed when there
    are at least two of them and they open at least half of the lines.
    """
    recurring = {name for name, n in counts.items() if n >= 2}
    once = {name for name, n in counts.items() if n == 1 and is_name_like(name)}
    if recurring:
        return recurring | once
    if len(once) >= 2 and units and len(once) / units >= 0.5:
        return once
    return set()


def diarized_label(value: object) -> str | None:
    """A diarization id as a speaker label (see the module docstring)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"Speaker {value}"
    if isinstance(value, float) and value.is_integer():
        return f"Speaker {int(value)}"
    text = str(value).strip()
    if not text:
        return None
    return f"Speaker {text}" if text.isdigit() else text


def channel_label(index: int) -> str:
    """``Channel 1`` for the 0-based channel index 0."""
    return f"Channel {index + 1}"


def is_bot(speaker: str) -> bool:
    """Whether a label names a notetaker or recording bot rather than a person."""
    return bool(_BOT.search(speaker))


def is_unknown_speaker(speaker: str) -> bool:
    """Whether a label says the speaker wasn't identified (Otter's ``Unknown Speaker``)."""
    return bool(_UNKNOWN.match(speaker.strip()))


def unique_in_order(items: Iterable[str]) -> list[str]:
    """Items without repeats, first occurrence first."""
    return list(dict.fromkeys(items))
