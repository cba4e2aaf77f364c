"""Word (.docx) transcript exports: Teams, Otter, Zoom, or typed in Word.

python-docx reads the document: paragraphs (with their line breaks) and tables, in
document order. The text is then read by whichever text reader recognises its layout
(Otter/Teams ``Name  0:03`` headers, older Teams ``0:0:0.0 --> ...`` blocks,
``Name: text``), and the format is reported as ``docx/<layout>``.

Beyond python-docx:

* Before python-docx opens it, the ZIP is checked: a Word document must contain
  ``word/document.xml``, and its uncompressed size is capped (a "zip bomb" would
  otherwise exhaust memory).
* Table rows become lines: ``Name | text`` as ``Name: text``, and a row with a time,
  a name and text as ``[time] Name: text``. Other rows are joined with spaces.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

from ..errors import InputError
from .base import Parsed, readers
from .source import Source
from .timecodes import CLOCK

__all__ = ["MAX_UNCOMPRESSED_BYTES", "WordReader"]

#: Refuse .docx files that inflate beyond this: transcripts are text, 100 MB of XML
#: is already ~10 MB of words.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_TIME = re.compile(rf"^\[?{CLOCK}\]?$")


def _is_docx(data: bytes) -> bool:
    if not data.startswith(_ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _check_zip(source: Source) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(source.data)) as zf:
            names = zf.namelist()
            inflated = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise InputError(f"{source.name} is not a valid .docx file (a damaged ZIP archive).",
                         hint="Open it in Word and save it again as .docx.") from e
    if "word/document.xml" not in names:
        raise InputError(
            f"{source.name} is a ZIP archive but not a Word document (no word/document.xml).",
            hint="Upload the transcript itself: .vtt, .srt, .txt, .md, .json or .docx.",
        )
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise InputError(
            f"{source.name} expands to {inflated / 1_048_576:.0f} MB, over the "
            f"{MAX_UNCOMPRESSED_BYTES // 1_048_576} MB limit for .docx transcripts.",
            hint="Export the transcript as .txt or .vtt instead.",
        )


def _row_line(cells: list[str]) -> str:
    cells = [c for c in cells if c]
    if len(cells) == 2 and not _TIME.match(cells[0]):
        return f"{cells[0]}: {cells[1]}"
    if len(cells) == 3 and _TIME.match(cells[0]):
        return f"[{cells[0].strip('[]')}] {cells[1]}: {cells[2]}"
    if len(cells) == 3 and _TIME.match(cells[1]):
        return f"[{cells[1].strip('[]')}] {cells[0]}: {cells[2]}"
    return " ".join(cells)


def _document_text(source: Source) -> tuple[str, str | None]:
    _check_zip(source)
    # python-docx (and lxml) only for a Word file: ~30 ms of start-up for every other command
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(source.data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.extend(block.text.split("\n"))
                lines.append("")  # paragraphs are blocks, as blank-line separated text
            elif isinstance(block, Table):
                for row in block.rows:
                    lines.append(_row_line([c.text.strip() for c in row.cells]))
                lines.append("")
        title = document.core_properties.title or None
    except InputError:
        raise
    except Exception as e:  # python-docx raises many kinds of errors on a damaged file
        raise InputError(f"{source.name} could not be read as a Word document ({e}).",
                         hint="Open it in Word and save it again as .docx.") from e
    return "\n".join(lines), title


class WordReader:
    """Word .docx transcripts, read as text by the matching text reader."""

    name = "docx"
    description = "Word .docx transcript (Teams, Otter, Zoom or typed), in any of the text layouts"
    extensions = (".docx",)

    def sniff(self, source: Source) -> float:
        return 1.0 if _is_docx(source.data) else 0.0

    def parse(self, source: Source) -> Parsed:
        text, title = _document_text(source)
        if not text.strip():
            raise InputError(f"{source.name} is a Word document with no text in it.",
                             hint="Check that you exported the transcript, not an empty file.")
        inner = Source(data=text.encode("utf-8"), name=source.name.rsplit(".", 1)[0] + ".txt")
        candidates = [r for r in readers() if r.name != self.name]
        scored = sorted(((r.sniff(inner), i, r) for i, r in enumerate(candidates)),
                        key=lambda x: (-x[0], x[1]))
        score, _, reader = scored[0]
        if score <= 0.0:
            reader = next(r for r in candidates if r.name == "plain")
        parsed = reader.parse(inner)
        return replace(parsed, format_name=f"docx/{parsed.format_name}",
                       title=parsed.title or title)
