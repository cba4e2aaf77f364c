"""Reading bytes safely: size limit, encoding detection, binary detection."""

from __future__ import annotations

import codecs
import json
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import InputError

__all__ = ["DEFAULT_MAX_BYTES", "NOT_JSON", "Source", "decode_text", "load_source", "parse_json"]

#: What :attr:`Source.json` holds when the text isn't a JSON object or array.
NOT_JSON: object = object()

#: Transcripts above this size are refused. A 3-hour interview is ~300 KB of text;
#: speech-to-text JSON with word timings is ~10x that. 25 MB leaves a wide margin.
DEFAULT_MAX_BYTES = 25 * 1024 * 1024

#: Integers longer than this are read as (approximate, possibly infinite) floats: Python
#: refuses to convert longer digit strings to ``int`` (``sys.get_int_max_str_digits``).
_MAX_INT_DIGITS = min(4000, sys.get_int_max_str_digits() or 4000)


@dataclass(frozen=True)
class Source:
    """The raw bytes of an upload, with its name, decoded lazily."""

    data: bytes
    name: str = "<input>"
    _notes: list[str] = field(default_factory=list, compare=False, repr=False)

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    @cached_property
    def text(self) -> str:
        """The decoded text, with BOM stripped and line endings normalised to ``\\n``.

        Raises:
            InputError: the bytes are binary, not text.
        """
        text, note = decode_text(self.data, self.name)
        if note and note not in self._notes:  # decoded again after release_text()
            self._notes.append(note)
        return text

    def release_text(self) -> None:
        """Free the decoded text (and its lines) once a reader has what it needs from them.

        A 25 MB caption file is 25 MB of ``str`` (up to 100 MB if it isn't ASCII) that
        would otherwise live as long as the source; asking for :attr:`text` again decodes
        it again, with the same result.
        """
        self.__dict__.pop("lines", None)
        self.__dict__.pop("text", None)

    @cached_property
    def lines(self) -> list[str]:
        """The decoded text split into lines (raises like :attr:`text`)."""
        return self.text.split("\n")

    @cached_property
    def _json_parsed(self) -> tuple[object, str | None]:
        if self.data.startswith(b"PK\x03\x04") or not self.looks_like_json:
            return NOT_JSON, None
        doc, error, note = parse_json(self.text)
        if note:
            self._notes.append(f"{self.name} {note}")
        return doc, error

    @property
    def json(self) -> object:
        """The parsed JSON document, or :data:`NOT_JSON`.

        Parsed once and shared by every JSON reader's ``sniff`` and ``parse``. Only a
        top-level object or array counts: a bare number or string is not a transcript.
        """
        return self._json_parsed[0]

    @property
    def json_error(self) -> str | None:
        """Why text that looks like JSON isn't valid JSON (``None`` when it is, or isn't JSON)."""
        return self._json_parsed[1]

    @property
    def looks_like_json(self) -> bool:
        """Whether the text starts like a JSON object or array (``False`` for binary)."""
        try:
            return self.text.lstrip()[:1] in ("{", "[")
        except InputError:
            return False

    @property
    def notes(self) -> list[str]:
        """Warnings from decoding (e.g. a cp1252 fallback)."""
        return list(self._notes)


def load_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read a file in bounded memory: never more than ``max_bytes + 1`` bytes."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path.name} is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB.",
                hint="Split the transcript, or raise the limit with --max-file-mb.",
            )
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError as e:
        raise InputError(f"No such file: {path}") from e
    except IsADirectoryError as e:
        raise InputError(f"{path} is a directory, not a transcript file.") from e
    except PermissionError as e:
        raise InputError(f"Permission denied reading {path}.") from e
    if len(data) > max_bytes:  # the file grew while we read it
        raise InputError(f"{path.name} is larger than the {max_bytes // 1_048_576} MB limit.")
    return Source(data=data, name=path.name)


def parse_json(text: str) -> tuple[object, str | None, str | None]:
    """Parse JSON text: ``(document, error, note)``.

    Integers too long for Python's ``int`` conversion limit (a 5,000-digit number) are
    read as floats (``inf`` when out of range), with a note, instead of failing the whole
    document. ``error`` says what is wrong, with the decoder's line and column.
    """
    longest = 0

    def parse_int(digits: str) -> int | float:
        nonlocal longest
        if len(digits) - digits.startswith("-") > _MAX_INT_DIGITS:
            longest = max(longest, len(digits.lstrip("-")))
            return float(digits)
        return int(digits)

    try:
        doc = json.loads(text, parse_int=parse_int)
    except json.JSONDecodeError as e:
        return NOT_JSON, f"{e.msg} at line {e.lineno}, column {e.colno}", None
    except ValueError as e:  # e.g. a number that even float() can't take
        return NOT_JSON, str(e)[:120], None
    except RecursionError:
        return NOT_JSON, "it is nested too deeply", None
    note = (
        (
            f"has a number with {longest} digits; it was read as an approximate value (a time "
            "that large counts as unknown)."
        )
        if longest
        else None
    )
    return doc, None, note


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """``(text, encoding)`` when ``data`` is UTF-16 without a byte-order mark.

    Text in a Latin script stored as UTF-16 has a NUL in (nearly) every other byte: the
    odd ones for little-endian, the even ones for big-endian. It must also decode
    cleanly and not look binary once decoded.
    """
    sample = data[:8192]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.02 * half:
        encoding = "utf-16-le"
    elif even >= 0.3 * half and odd <= 0.02 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data[: len(data) - len(data) % 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    if _looks_binary(text):
        return None
    return text, encoding


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:8192]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return controls / len(sample) > 0.01


def decode_text(data: bytes, name: str = "<input>") -> tuple[str, str | None]:
    """Decode transcript bytes.

    UTF-8 with or without BOM, UTF-16 with a BOM, UTF-16 without one (recognised by its
    NUL bytes, with a note), else cp1252 (with a note).

    Returns:
        The text with ``\\r\\n`` and ``\\r`` normalised to ``\\n``, and a note when
        the encoding was a guess.
    """
    note: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"{name} starts with a UTF-16 mark but isn't valid UTF-16.") from e
    elif (utf16 := _utf16_without_bom(data)) is not None:
        text, encoding = utf16
        note = f"{name} is UTF-16 ({encoding[-2:].upper()}) without a byte-order mark; decoded it as such."
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if _looks_binary(data[:8192].decode("latin-1")):
                raise InputError(
                    f"{name} looks like a binary file, not a transcript.",
                    hint="Export the transcript as .vtt, .srt, .txt, .json or .docx.",
                ) from None
            text = data.decode("cp1252", errors="replace")
            note = f"{name} is not UTF-8; decoded it as Windows-1252 (cp1252)."
    text = text.lstrip("\ufeff")
    if _looks_binary(text):
        raise InputError(
            f"{name} looks like a binary file, not a transcript.",
            hint="Export the transcript as .vtt, .srt, .txt, .json or .docx.",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), note
