"""The WebVTT reader splits the file into blocks itself (so a big file streams) and lets
webvtt-py parse each block. These tests pin that split to webvtt-py's own whole-file
reader: on every .vtt we have (fixtures, the shared corpus, and hand-made edge cases),
the cues, their times and their text must be the same."""

from __future__ import annotations

from pathlib import Path

import pytest
import webvtt

from transcript_judge.ingest.source import Source
from transcript_judge.ingest.textclean import clean_text
from transcript_judge.ingest.webvtt import _load

from .conftest import CORPUS

ROOT = Path(__file__).resolve().parents[2]

EDGE_CASES = {
    "glued cues (no blank line between)": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n00:00:02.000 --> 00:00:03.000\nSecond cue.\n"
    ),
    "ids, settings, NOTE, STYLE and REGION blocks": (
        "WEBVTT - Interview with Sam\nKind: captions\n\nREGION\nid:r1 width:40%\n\nSTYLE\n::cue { color: red }\n\n"
        "NOTE a comment\nover two lines\n\n1\n00:01.000 --> 00:02.500 align:start position:10%\n<v Sam>Hi.</v>\n\n"
        "a3f-guid-7\n00:00:03.000 --> 00:00:04.000\n<v Ann>Welcome, <i>Sam</i>.\n"
    ),
    "whitespace-only lines inside a cue": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nline one\n   \nline two\n",
    "a timing line after an id-less two-line block": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\ntext\nmore\n00:00:02.000 --> 00:00:03.000\nnext\n"
    ),
    "a malformed block among good ones": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfirst\n\nnot a cue at all\n\n00:00:03.000 --> 00:00:04.000\nlast\n"
    ),
}


def _vtt_files() -> list[Path]:
    files = sorted(ROOT.glob("fixtures/**/*.vtt"))
    if CORPUS.is_dir():
        files += sorted(CORPUS.rglob("*.vtt"))
    return files


def _ours(name: str, data: bytes) -> tuple[list[tuple[float | None, float | None, str]], str | None]:
    cues, title = _load(Source(name=name, data=data), [])
    return [(c.start, c.end, c.raw if c.raw is not None else "\n".join(c.lines)) for c in cues], title


def _library(text: str) -> tuple[list[tuple[float | None, float | None, str]], str | None]:
    vtt = webvtt.from_string(text.lstrip())
    return [
        (c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, c.raw_text) for c in vtt.captions
    ], vtt.header_text


def _same(name: str, data: bytes) -> None:
    source = Source(name=name, data=data)
    if not source.text.lstrip().startswith("WEBVTT"):
        pytest.skip("headerless: webvtt-py refuses it, so there is nothing to compare with")
    ours, title = _ours(name, data)
    theirs, header = _library(source.text)
    assert [(a, b) for a, b, _ in ours] == [(a, b) for a, b, _ in theirs]
    # Our text is cleaned (tags and blank lines removed) unless cleaning changed nothing.
    for (_, _, mine), (_, _, raw) in zip(ours, theirs, strict=True):
        cleaned = "\n".join(x for ln in raw.split("\n") if (x := clean_text(ln)))
        assert mine in (raw, cleaned)
    assert (title or "") in (header or "")


@pytest.mark.parametrize("path", _vtt_files(), ids=lambda p: p.name)
def test_same_cues_as_webvtt_py_on_every_vtt_file(path: Path) -> None:
    _same(path.name, path.read_bytes())


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=list(EDGE_CASES))
def test_same_cues_as_webvtt_py_on_edge_cases(text: str) -> None:
    _same("edge.vtt", text.encode())


def test_leading_blank_lines_keep_the_file_line_numbers_in_warnings() -> None:
    data = b"\n\nWEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:xx.000 --> 00:00:04.000\nbroken time\n"
    warnings: list[str] = []
    cues, _ = _load(Source(name="t.vtt", data=data), warnings)
    assert [c.lines for c in cues] == [("fine",), ("broken time",)]
    assert any("(line 8)" in w for w in warnings), warnings
