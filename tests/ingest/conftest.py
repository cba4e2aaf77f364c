"""Shared fixtures for the ingest and roles tests."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import docx
import pytest

from transcript_judge.ingest import Source, parse_source
from transcript_judge.transcript import Transcript

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "formats"
# The shared corpus lives beside the repository (../shared), read-only and optional;
# TJ_CORPUS_DIR points elsewhere (or at nothing, to check that the tests skip cleanly).
CORPUS = Path(os.environ.get("TJ_CORPUS_DIR")
              or Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "transcripts")

ParseText = Callable[..., Transcript]


@pytest.fixture
def fixtures() -> Path:
    """The hand-written format fixtures."""
    return FIXTURES


@pytest.fixture
def corpus() -> Path:
    """The shared corpus; the test is skipped when it isn't there."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def parse_text() -> ParseText:
    """Parse a string as if it were an uploaded file: ``parse_text(text, name=..., **kw)``."""

    def parse(text: str, name: str = "input.txt", **kwargs: object) -> Transcript:
        return parse_source(Source(data=text.encode("utf-8"), name=name), **kwargs)  # type: ignore[arg-type]

    return parse


def make_docx(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    """A .docx whose paragraphs are ``paragraphs`` ("\\n" becomes a line break)."""
    document = docx.Document()
    for text in paragraphs:
        p = document.add_paragraph()
        for i, line in enumerate(text.split("\n")):
            if i:
                p.add_run().add_break()
            p.add_run(line)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def docx_bytes() -> Callable[..., bytes]:
    """Build a .docx in memory: ``docx_bytes(paragraphs, table=())``."""
    return make_docx
