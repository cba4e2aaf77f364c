"""Speech without speaker labels keeps its cues apart: a turn is about a sentence, with its
own start time, so a quote is cited where it was said (not "00:00:02 · turn 0"), and a run
that judges all speech as the candidate's warns that the interviewer's words may be in it.

Real caption files from the shared corpus are read in place (skipped without it)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from transcript_judge import service
from transcript_judge.ingest import Source, detect_format, read_transcript
from transcript_judge.ingest.captionturns import MAX_GAP_S, UNLABELLED_SPEAKER, sentence_turns
from transcript_judge.llm.base import ChatRequest, ChatResult, Usage
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.planning import AnalysisSettings
from transcript_judge.roles import ALL_SPEECH_WARNING
from transcript_judge.rubric import load_rubric
from transcript_judge.transcript import Utterance

from .conftest import ParseText

# Unlabelled captions in the corpus: interviews (a podcast guest), a panel, a meeting's captions.
UNLABELLED = [
    "whisper/faster_whisper_interview_goodboy_galaxy.srt",
    "whisper/whisper_panel_keitai_over1h.vtt",
    "zoom/zoom_cloud_GMT20240124-202901_Recording.cc.vtt",
    "assemblyai/assemblyai_export_subtitles.srt",
]


def test_a_sentence_split_across_cues_is_one_turn_and_each_sentence_its_own() -> None:
    turns = sentence_turns([
        Utterance(None, "So tell me about", 1.0, 2.0),
        Utterance(None, "your last project?", 2.0, 3.0),
        Utterance(None, "We built a search engine.", 3.2, 5.0),
        Utterance(None, "   ", 5.0, 5.5),
        Utterance(None, "It was for legal documents", 5.5, 7.0),
        Utterance(None, "and it took a year", 7.0 + MAX_GAP_S, 9.0 + MAX_GAP_S),  # after a pause
    ])
    assert [(t.index, t.start, t.end, t.text) for t in turns] == [
        (0, 1.0, 3.0, "So tell me about your last project?"),
        (1, 3.2, 5.0, "We built a search engine."),
        (2, 5.5, 7.0, "It was for legal documents"),
        (3, 7.0 + MAX_GAP_S, 9.0 + MAX_GAP_S, "and it took a year"),
    ]
    assert {t.speaker for t in turns} == {UNLABELLED_SPEAKER}


def test_unpunctuated_speech_is_cut_by_length() -> None:
    cues = [Utterance(None, "and then we added more tests", float(i), i + 1.0) for i in range(40)]
    turns = sentence_turns(cues)
    assert len(turns) > 1 and all(len(t.text.split()) <= 66 for t in turns)
    assert " ".join(t.text for t in turns) == " ".join(c.text for c in cues)  # nothing lost


def test_labelled_cues_still_merge_by_speaker(parse_text: ParseText) -> None:
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nMaya: Tell me about it.\n\n"
           "00:00:02.000 --> 00:00:03.000\nTom: Sure.\n\n00:00:03.000 --> 00:00:04.000\nTom: It was hard.\n\n"
           "00:00:04.000 --> 00:00:05.000\nMaya: Why?\n")
    t = parse_text(vtt, name="x.vtt")
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("Maya", "Tell me about it."), ("Tom", "Sure. It was hard."), ("Maya", "Why?")
    ]


@pytest.mark.parametrize("relpath", UNLABELLED)
def test_real_unlabelled_captions_keep_their_cue_times(corpus: Path, relpath: str) -> None:
    path = corpus / relpath
    if not path.exists():
        pytest.skip(f"{relpath} is not in this copy of the corpus")
    source = Source(data=path.read_bytes(), name=path.name)
    cue_starts = {u.start for u in detect_format(source).parse(source).utterances}
    t = read_transcript(path)
    assert not t.has_speaker_labels
    starts = [x.start for x in t.turns]
    assert len(t.turns) >= 10
    assert all(s in cue_starts for s in starts)  # every turn starts where a cue starts
    assert starts == sorted(starts, key=lambda s: s or 0.0)  # in order
    assert len(set(starts)) >= 0.9 * len(starts)
    assert max(len(x.text.split()) for x in t.turns) < 120


def _quote_each_chunks_last_line(request: ChatRequest) -> ChatResult:
    """Quotes the last candidate line of each chunk (a fake, not a judge)."""
    subject = subject_of(request)
    lines = [ln for ln in subject.candidate_lines() if len(ln.text.split()) >= 4]
    answer = {
        cid: {"evidence": [], "reasoning": "-", "verdict": "not_shown", "confidence": 0.5} for cid in subject.criteria
    }
    if lines:
        answer["systems_thinking"] = {
            "evidence": [{"turn": lines[-1].turn, "text": lines[-1].text}],
            "reasoning": "quoted", "verdict": "shown", "confidence": 0.8,
        }
    return ChatResult(content=json.dumps(answer), usage=Usage(prompt_tokens=10, completion_tokens=5), model="fake")


def test_all_speech_quotes_carry_their_own_times_and_the_report_warns(corpus: Path) -> None:
    path = corpus / "whisper" / "faster_whisper_interview_goodboy_galaxy.srt"
    if not path.exists():
        pytest.skip("the Goodboy Galaxy captions are not in this copy of the corpus")
    source = Source(data=path.read_bytes(), name="interview_rik_nicol.srt")
    transcript, roles = service.read(source, service.ReadChoices(all_speech=True))
    assert (roles.method, roles.shown_name, roles.name_source) == ("all_speech", "Rik Nicol", "file name")
    prepared = service.prepare(transcript, roles, source_name=source.name, rubric=load_rubric(),
                               settings=AnalysisSettings())
    result = asyncio.run(service.run(prepared, FakeLLM(_quote_each_chunks_last_line)))
    report = result.report
    finding = next(f for f in report.strengths if f.criterion_id == "systems_thinking")
    quotes = finding.quotes
    assert len(quotes) >= 2
    for q in quotes:
        turn = transcript.turns[q.turn]
        assert (q.start, q.timestamp) == (turn.start, turn.timestamp)
        assert q.text in turn.text
    assert len({q.turn for q in quotes}) == len(quotes)
    assert all(q.start is not None and q.start > transcript.turns[0].start for q in quotes)  # not all "turn 0"
    warnings = [w for w in report.warnings if w.kind == "all_speech"]
    assert [w.message for w in warnings] == [ALL_SPEECH_WARNING]
    assert "interviewer's words may be included" in ALL_SPEECH_WARNING


def test_one_labelled_speaker_taken_as_the_candidate_has_no_all_speech_warning() -> None:
    data = b"Caleob King: Today we look at moles. Tell me what a mole is?\nCaleob King: It is a count.\n"
    transcript, roles = service.read(Source(data=data, name="lesson.txt"), service.ReadChoices(all_speech=True))
    assert roles.method == "all_speech" and transcript.has_speaker_labels
    prepared = service.prepare(transcript, roles, source_name="lesson.txt", rubric=load_rubric(),
                               settings=AnalysisSettings(tagger="lexical"))
    report = asyncio.run(service.run(prepared, None)).report
    assert not [w for w in report.warnings if w.kind == "all_speech"]
