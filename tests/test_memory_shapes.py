"""The shapes that keep a long transcript's memory bounded (benchmark 6 measures the sizes).

- the decoded text of a source is let go once it is parsed, and decoded again the same
  (notes and all) if asked for;
- a transcript's and an analysis result's ``repr`` don't spell out every turn: asyncio
  formats the repr of a finished task's result, and a full one was a ~50 MB string for a
  25 MB transcript (the peak of the whole run).
"""

from __future__ import annotations

import asyncio
import json
import zlib
from pathlib import Path

import pytest

from transcript_judge.analysis import run_analysis
from transcript_judge.ingest import Source, parse_source
from transcript_judge.planning import AnalysisSettings, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric
from transcript_judge.transcript import Transcript, Turn

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_parsed_source_lets_its_text_go_and_decodes_it_again_the_same() -> None:
    source = Source((FIXTURES / "formats" / "plain_cp1252_crlf.txt").read_bytes(), "p.txt")
    first = source.text
    transcript = parse_source(source)
    assert "text" not in vars(source)  # released by parse_source
    assert source.text == first
    # the cp1252 note is there once, however often the text was decoded
    assert len([n for n in source.notes if "Windows-1252" in n]) == 1
    assert len([w for w in parse_source(source).warnings if "Windows-1252" in w]) == 1
    assert transcript.turns


def test_webvtt_releases_the_text_before_building_utterances() -> None:
    source = Source((FIXTURES / "interview_zoom.vtt").read_bytes(), "i.vtt")
    transcript = parse_source(source)
    assert "text" not in vars(source)
    assert len(transcript.turns) > 5


def _long_transcript(turns: int) -> Transcript:
    lines = [
        Turn(
            index=i,
            speaker="Interviewer" if i % 2 == 0 else "Maya",
            text=f"Turn {i}: we measured recall on a labelled set and watched latency in production.",
            start=float(i * 10),
            end=float(i * 10 + 9),
        )
        for i in range(turns)
    ]
    return Transcript(turns=tuple(lines), source_format="plain")


def test_reprs_stay_short_whatever_the_length_of_the_interview() -> None:
    transcript = _long_transcript(4000)
    assert len(repr(transcript)) < 300
    assert "turns=4000" in repr(transcript)
    roles = assign_roles(transcript, candidate="Maya")
    plan = plan_analysis(transcript, roles, load_rubric(), AnalysisSettings(tagger="lexical"))
    assert len(plan.chunks) > 1
    result = asyncio.run(run_analysis(plan, None, source_name="long.txt"))
    text = repr(result)
    assert len(text) < 400, text
    assert f"chunks={len(plan.chunks)}" in text and result.report.analysis_id in text


@pytest.mark.parametrize("turns", [1, 2, 900, 2000])  # 900 and 2000 cross batch boundaries
def test_turns_kept_for_the_report_page_are_json_lines_read_back_the_same(turns: int) -> None:
    from transcript_judge.web.pipeline import decode_turns, encode_turns

    transcript = _long_transcript(turns)
    blob = encode_turns(transcript)
    head, *rows = zlib.decompress(blob).decode().split("\n")[:-1]
    assert json.loads(head) == {"v": 2, "format": "plain", "labelled": True}
    assert [json.loads(r) for r in rows] == [[t.index, t.speaker, t.text, t.start, t.end] for t in transcript.turns]
    kept = decode_turns(blob)
    assert kept is not None and kept.turns == transcript.turns
    assert kept.source_format == "plain" and kept.has_speaker_labels


def test_kept_turns_that_are_damaged_or_from_another_version_are_not_used() -> None:
    from transcript_judge.web.pipeline import decode_turns, encode_turns

    blob = encode_turns(_long_transcript(50))
    assert decode_turns(blob[: len(blob) // 2]) is None  # truncated
    assert decode_turns(b"not zlib") is None
    assert decode_turns(zlib.compress(b'{"v":1,"format":"plain","labelled":true,"turns":[]}')) is None
    assert decode_turns(zlib.compress(b'{"v":2,"format":"plain","labelled":true}\n[1,2]\n')) is None
