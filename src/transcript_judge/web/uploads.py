"""Receiving an upload: the multipart body streamed to a private spool file, with limits.

The request body is parsed as it arrives (python-multipart's streaming parser): the file
part goes straight to disk, in the store's own folder (``<TJ_HOME>/uploads``, 0700; the
file 0600), never whole into memory, and is refused with 413 as soon as it passes the
upload limit. The other form fields are small by nature and are capped
(:data:`MAX_FIELD_BYTES` each, :data:`MAX_FIELDS` in all), so a megabyte "candidate name"
is refused without being kept, let alone echoed back.

The spooled file is handed to the store (:meth:`.WebStore.start` copies it into the
upload's row) and then deleted; a server killed mid-upload leaves a ``*.part`` file,
which :func:`sweep` removes at the next start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from fastapi import HTTPException, Request

from .security import UploadTooLarge, clip, safe_filename

if TYPE_CHECKING:
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartCallbacks, MultipartParser, parse_options_header
else:
    try:
        from python_multipart.exceptions import FormParserError
        from python_multipart.multipart import MultipartParser, parse_options_header
    except ModuleNotFoundError:  # pragma: no cover - python-multipart before 0.0.13
        from multipart.exceptions import FormParserError
        from multipart.multipart import MultipartParser, parse_options_header

__all__ = [
    "MAX_FIELDS",
    "MAX_FIELD_BYTES",
    "FormTooLarge",
    "Spooled",
    "UploadForm",
    "private_dir",
    "read_upload_form",
    "sweep",
]

MAX_FIELD_BYTES = 2048  # a speaker name, a rubric key, a CSRF token, a checkbox
MAX_FIELDS = 24
MAX_PART_HEADER_BYTES = 8192
FILE_FIELD = "file"
SPOOL_SUFFIX = ".part"
STALE_SPOOL_S = 3600.0


class FormTooLarge(HTTPException):
    """A form field (not the file) over its limit, or too many of them: 413."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


class FormInvalid(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


@dataclass
class Spooled:
    """An uploaded file on disk, waiting for the store."""

    path: Path
    name: str  # a display name (see :func:`.safe_filename`), never a path
    size: int

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()


@dataclass
class UploadForm:
    file: Spooled | None
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


def private_dir(path: Path) -> Path:
    """``path``, created if missing and kept 0700 (it holds transcripts)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        with contextlib.suppress(OSError):
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(0o700)
    return path


def _open_private(folder: Path) -> tuple[Path, IO[bytes]]:
    path = folder / f"{secrets.token_hex(16)}{SPOOL_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    return path, os.fdopen(fd, "wb", buffering=1 << 20)


def sweep(folder: Path, *, older_than_s: float = STALE_SPOOL_S) -> int:
    """Delete spool files left by a server that died mid-upload. Returns how many."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    for path in folder.glob(f"*{SPOOL_SUFFIX}"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


class _Receiver:
    """python-multipart callbacks: fields into small buffers, the file onto disk."""

    def __init__(
        self,
        folder: Path,
        max_file_bytes: int,
        before_file: Callable[[Mapping[str, str]], None] | None,
        fields: dict[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.max_file_bytes = max_file_bytes
        self.before_file = before_file
        self.fields: dict[str, str] = {} if fields is None else fields
        self.file: Spooled | None = None
        self.ended = False
        self._count = 0
        self._header_bytes = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._buffer: bytearray | None = None
        self._out: IO[bytes] | None = None
        self._path: Path | None = None
        self._size = 0
        self._filename = ""

    # -- headers ------------------------------------------------------------------------

    def on_part_begin(self) -> None:
        self._count += 1
        if self._count > MAX_FIELDS:
            raise FormTooLarge(f"The form has too many fields (at most {MAX_FIELDS}).")
        self._header_bytes = 0
        self._disposition = b""
        self._buffer = None

    def _header_bytes_add(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_PART_HEADER_BYTES:
            raise FormTooLarge("A form part's headers are too large.")

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_bytes_add(end - start)
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_bytes_add(end - start)
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise FormInvalid("A form part has no name.")
        self._name = options[b"name"].decode("utf-8", "replace")
        if b"filename" not in options:
            self._buffer = bytearray()
            return
        if self._name != FILE_FIELD:
            raise FormInvalid(f"Unexpected file field {clip(self._name, 40)!r}: send the transcript as 'file'.")
        if self.file is not None or self._out is not None:
            raise FormInvalid("Send one file per upload.")
        if self.before_file is not None:
            self.before_file(self.fields)  # e.g. the CSRF check: refuse before spooling anything
        self._filename = options[b"filename"].decode("utf-8", "replace")
        self._path, self._out = _open_private(self.folder)
        self._size = 0

    # -- data -----------------------------------------------------------------------

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        n = end - start
        if self._out is not None:
            self._size += n
            if self._size > self.max_file_bytes:
                raise UploadTooLarge(self.max_file_bytes)
            self._out.write(data[start:end])
        elif self._buffer is not None:
            if len(self._buffer) + n > MAX_FIELD_BYTES:
                raise FormTooLarge(
                    f"The form field {clip(self._name, 40)!r} is too long (at most {MAX_FIELD_BYTES} bytes)."
                )
            self._buffer += data[start:end]

    def on_part_end(self) -> None:
        if self._out is not None:
            assert self._path is not None
            self._out.close()
            self._out = None
            if self._filename or self._size:  # a browser sends filename="" and no bytes for "no file"
                self.file = Spooled(self._path, safe_filename(self._filename), self._size)
            else:
                self._path.unlink(missing_ok=True)
            self._path = None
        elif self._buffer is not None:
            self.fields.setdefault(self._name, self._buffer.decode("utf-8", "replace"))
            self._buffer = None

    def on_end(self) -> None:
        self.ended = True

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }

    def abandon(self) -> None:
        """Close and delete whatever was spooled (the request failed)."""
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        if self.file is not None:
            self.file.discard()
            self.file = None


async def read_upload_form(
    request: Request,
    *,
    spool_dir: Path,
    max_file_bytes: int,
    before_file: Callable[[Mapping[str, str]], None] | None = None,
    fields: dict[str, str] | None = None,
) -> UploadForm:
    """Parse a ``multipart/form-data`` body as it streams in.

    Args:
        spool_dir: where the file part goes (created 0700).
        max_file_bytes: the upload limit, enforced while the file streams.
        before_file: called with the fields read so far when the file part starts (a form
            puts its hidden CSRF field first), so a refused request spools nothing.
        fields: a dict to fill with the small fields as they arrive, so a caller that
            catches the error still has what was read (the page shows the form again with them).

    Raises:
        HTTPException: 400 not multipart or malformed; 413 the file, a field or the
            number of fields over its limit. Nothing stays on disk after an error.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise FormInvalid("Send the upload as multipart/form-data (a form with a 'file' field).")
    receiver = _Receiver(private_dir(spool_dir), max_file_bytes, before_file, fields)
    parser = MultipartParser(params[b"boundary"], receiver.callbacks())
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
        parser.finalize()
        if not receiver.ended:
            raise FormInvalid("The upload was cut off before its end.")
    except FormParserError as e:
        receiver.abandon()
        raise FormInvalid("The upload is not a well-formed multipart body.") from e
    except BaseException:
        receiver.abandon()
        raise
    return UploadForm(receiver.file, receiver.fields)
