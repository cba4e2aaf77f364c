"""Files that are clearly not speech transcripts, refused with a message that says why.

Checked before format detection, so that a Zoom chat export (``00:05:16<TAB>Name:
<TAB>message``), which looks a lot like a transcript, isn't read as one; and so that a
PDF or a spreadsheet gets a better message than "binary file".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import InputError
from .base import head_lines, json_of
from .source import Source

__all__ = ["describe_unknown_json", "refuse_non_transcripts"]

# Zoom chat: "00:05:16\tRyan Sloan:\tmessage" (local recording chat file), or
# "00:05:16 From Ryan Sloan to Everyone:" (newer Zoom and the in-meeting save).
_ZOOM_CHAT = re.compile(r"^\d{2}:\d{2}:\d{2}(?:\t[^\t]{1,80}:\t| From .{1,80}? [Tt]o .{1,80}?:)")
# WhatsApp / messenger exports: "[12/01/2023, 10:00:00] Name: text", "12/01/23, 10:00 - Name: text"
_MESSENGER = re.compile(
    r"^\[?\d{1,4}[./-]\d{1,2}[./-]\d{1,4},? \d{1,2}:\d{2}(?::\d{2})?(?:\s?[APap][Mm])?\]?"
    r"\s*(?:-\s*)?[^:]{1,60}: "
)
_MAGIC: list[tuple[bytes, str, str]] = [
    (b"%PDF", "a PDF document", "Export the transcript from the meeting tool as .vtt, .txt or .docx, not as PDF."),
    (
        b"\xd0\xcf\x11\xe0",
        "a legacy Word/Office (.doc) file",
        "Open it in Word and save it as .docx, or export the transcript as .txt.",
    ),
    (b"{\\rtf", "an RTF document", "Save it as .docx or .txt."),
]


def _share(lines: list[str], pattern: re.Pattern[str]) -> float:
    return sum(1 for ln in lines if pattern.match(ln)) / len(lines) if lines else 0.0


def refuse_non_transcripts(source: Source) -> None:
    """Raise :class:`InputError` when the source is clearly not a speech transcript."""
    for magic, what, hint in _MAGIC:
        if source.data.startswith(magic):
            raise InputError(f"{source.name} is {what}, which isn't a supported transcript format.", hint=hint)
    lines = head_lines(source, 200)
    if not lines:
        return
    chat_lines = [ln for ln in lines if not ln.startswith(("\t", " "))]
    if _share(chat_lines, _ZOOM_CHAT) >= 0.6:
        raise InputError(
            f"{source.name} looks like a Zoom chat export, not a speech transcript: it holds "
            "typed chat messages, not what was said.",
            hint="Download the audio transcript instead: in Zoom's cloud recordings it is the "
            "'Audio transcript' (.vtt) file; in the meeting, 'Save transcript'.",
        )
    if _share(lines, _MESSENGER) >= 0.6:
        raise InputError(
            f"{source.name} looks like a chat export, not a speech transcript: it holds "
            "dated typed messages, not what was said.",
            hint="Upload the transcript of the interview's audio.",
        )


def describe_unknown_json(source: Source) -> str | None:
    """A message for JSON that no reader recognised, naming its top-level keys (or, for
    text that starts like JSON but doesn't parse, the decoder's error and position)."""
    doc = json_of(source)
    if doc is None:
        if source.json_error and source.json_error.startswith("Extra data"):
            return (
                f"{source.name} holds several JSON documents one after another (JSON Lines?), "
                "not one speech-to-text result."
            )
        if source.json_error:
            return (
                f"{source.name} looks like JSON but isn't valid JSON ({source.json_error}); "
                "the export may have been cut short."
            )
        return None
    if isinstance(doc, Mapping):
        keys = ", ".join(sorted(map(str, doc))[:8]) or "none"
        shape = f"an object with keys: {keys}"
    else:
        shape = "a list" if isinstance(doc, list) else "a single value"
    return f"{source.name} is JSON ({shape}), but not a speech-to-text result this tool knows."
