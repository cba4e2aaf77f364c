"""Bad input: each gets a clear message and a documented exit code, never a traceback, and
nothing is sent to the model. Hard but valid input (one giant turn, another language) works.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from clirun import run
from openai_payloads import BASE_URL, answer_for, candidate_lines, ok
from transcript_judge.ingest import DEFAULT_MAX_BYTES
from transcript_judge.llm import factory
from transcript_judge.rubric import load_rubric

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BAD = FIXTURES / "bad_input"
ZOOM = FIXTURES / "interview_zoom.vtt"
IDS = load_rubric().ids


def quote_longest_sentence(request: httpx.Request) -> httpx.Response:
    lines = candidate_lines(request)
    if not lines:  # a chunk can hold only the interviewer's question
        return ok(answer_for(IDS))
    turn, text = lines[0]
    return ok(answer_for(IDS, {"evaluation_rigor": (turn, max(text.split(". "), key=len).rstrip("."))}))


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-bad-input")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router.post("/chat/completions").mock(side_effect=quote_longest_sentence)


REFUSED = [
    # (name, arguments, exit code, what the message says)
    ("empty file", [str(BAD / "empty.txt")], 4, "is empty"),
    ("whitespace only", [str(BAD / "whitespace_only.txt")], 4, "is empty"),
    ("binary file", [str(BAD / "screenshot.png")], 4, "looks like a binary file"),
    ("a PDF", [str(BAD / "transcript.pdf")], 4, "PDF"),
    ("not a transcript", [str(BAD / "expenses.csv")], 4, "doesn't look like a transcript"),
    ("header only, no speech", [str(BAD / "header_only.vtt")], 4, "no speech"),
    ("no such file", [str(BAD / "missing.vtt")], 4, "No such file"),
    ("a directory", [str(BAD)], 4, "is a directory"),
    ("unknown --input-format", [str(ZOOM), "--input-format", "telepathy"], 4, "Unknown --input-format"),
    ("single speaker", [str(BAD / "single_speaker.txt")], 5, "Only one identified speaker"),
    ("no candidate turns", [str(BAD / "interviewers_only.txt")], 5, "there are no candidate turns"),
    ("--candidate names nobody", [str(ZOOM), "--candidate", "Zed Zimmer"], 5, "is not a speaker"),
    ("nobody asks questions", [str(BAD / "no_questions.txt")], 5, "No one asks questions"),
    ("captions without speakers", [str(BAD / "captions_without_speakers.vtt")], 5, "no speaker labels"),
    (
        "malformed rubric",
        [str(ZOOM), "--rubric", str(BAD / "malformed_rubric.toml")],
        6,
        "criteria[1] (id 'hype').kind",
    ),
    ("rubric is not TOML", [str(ZOOM), "--rubric", str(BAD / "rubric_not_toml.toml")], 6, "not valid TOML"),
    (
        "rubric with an unknown field",
        [str(ZOOM), "--rubric", str(BAD / "rubric_unknown_field.json")],
        6,
        "criteria[0] (id 'a_b').weight",
    ),
    ("missing rubric", [str(ZOOM), "--rubric", str(BAD / "nope.toml")], 6, "Can't read rubric"),
]


@pytest.mark.parametrize(("args", "code", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_clearly(
    service: respx.Route, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    assert run(["analyse", *args]) == code
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err and "internal error" not in err
    assert service.call_count == 0  # nothing was sent


def test_huge_file_is_refused_in_bounded_memory(
    service: respx.Route, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.vtt"
    with huge.open("wb") as fh:  # sparse: 26 MB on paper, nothing on disk
        fh.truncate(DEFAULT_MAX_BYTES + 1024 * 1024)
    tracemalloc.start()
    try:
        code = run(["analyse", str(huge)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 4
    err = capsys.readouterr().err
    assert "the limit is 25 MB" in err and "--max-file-mb" in err and "Traceback" not in err
    assert peak < 8 * 1024 * 1024  # never read into memory
    assert service.call_count == 0


def test_the_size_limit_is_adjustable(service: respx.Route, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"Interviewer: How?\n\nCandidate: Like this.\n\n" * 40_000)
    assert run(["analyse", str(big), "--max-file-mb", "1"]) == 4
    assert "limit is 1 MB" in capsys.readouterr().err


def test_one_giant_turn_is_split_across_chunks(service: respx.Route, tmp_path: Path) -> None:
    rng = random.Random(7)
    vocab = [
        "we",
        "evaluate",
        "the",
        "retrieval",
        "pipeline",
        "on",
        "labelled",
        "questions",
        "and",
        "alert",
        "when",
        "groundedness",
        "drops",
    ]
    sentences, words = [], 0
    while words < 30_000:
        n = rng.randint(8, 20)
        sentences.append(" ".join(rng.choice(vocab) for _ in range(n)).capitalize() + ".")
        words += n
    source = tmp_path / "monologue.txt"
    source.write_text(
        "Interviewer: Tell me everything about your evaluation approach?\n\nCandidate: "
        + " ".join(sentences)
        + "\n\nInterviewer: Thanks. Any questions?\n\nCandidate: None, thanks.\n"
    )
    out = tmp_path / "r.json"
    assert run(["analyse", str(source), "-o", str(out), "--quiet"]) == 0
    report = json.loads(out.read_text())
    assert report["coverage"]["chunks_total"] >= 4 and report["coverage"]["chunks_failed"] == 0
    assert report["coverage"]["candidate_turns_covered"] == report["coverage"]["candidate_turns"] == 2
    assert service.call_count == report["coverage"]["chunks_total"]
    rigor = next(f for f in report["strengths"] if f["criterion_id"] == "evaluation_rigor")
    assert rigor["verdict"] == "shown" and rigor["quotes"][0]["turn"] == 1


@pytest.mark.parametrize(("name", "language"), [("french_interview.txt", "fr"), ("spanish_interview.vtt", "es")])
def test_a_non_english_interview_works_and_states_its_language(
    service: respx.Route, tmp_path: Path, name: str, language: str
) -> None:
    out = tmp_path / "r.json"
    assert run(["analyse", str(BAD / name), "-o", str(out), "--quiet"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["language"] == language
    rigor = next(f for f in report["strengths"] if f["criterion_id"] == "evaluation_rigor")
    assert rigor["verdict"] == "shown" and rigor["quotes"]  # accented quotes ground
    assert not [w for w in report["warnings"] if w["kind"] == "prompt_injection"]
    md = tmp_path / "r.md"
    assert run(["analyse", str(BAD / name), "-o", str(md), "--quiet"]) == 0
    assert f"language `{language}`" in md.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        [str(BAD / "captions_without_speakers.vtt"), "--all-speech-is-candidate"],
        [str(BAD / "single_speaker.txt"), "--candidate", "Priya Raman"],
    ],
)
def test_what_the_hints_suggest_works(service: respx.Route, args: list[str]) -> None:
    assert run(["analyse", *args, "--quiet"]) == 0


# -- hard input that is read: each case from docs/production.md's "Hard input" table ----------

_UTTERANCES = [
    {"speaker": "A", "text": "How do you evaluate a retrieval system?", "start": 0, "end": 2500},
    {
        "speaker": "B",
        "text": "We keep a labelled set of four hundred real questions and run it nightly.",
        "start": 2600,
        "end": 7000,
    },
    {"speaker": "A", "text": "What happens when it regresses?", "start": 7100, "end": 9000},
    {"speaker": "B", "text": "The release is blocked until we understand the regression.", "start": 9100, "end": 12000},
]
_VTT = (
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nMaya: How do you evaluate a retrieval system?\n\n"
    "2\n{t2} --> 00:00:08.000\nTom: We keep a labelled set of four hundred real questions and run it nightly.\n\n"
    "3\n00:00:09.000 --> 00:00:10.000\nMaya: What happens when it regresses?\n\n"
    "4\n00:00:11.000 --> 00:00:14.000\nTom: The release is blocked until we understand the regression.\n"
)
_PLAIN = (
    "{a}: How do you evaluate a retrieval system?\n\n"
    "{b}: We keep a labelled set of four hundred real questions and run it nightly.\n\n"
    "{a}: What happens when it regresses?\n\n"
    "{b}: The release is blocked until we understand the regression.\n"
)

HARD = [
    # (name, file name, bytes, format, a warning that says what was odd (or None), speakers)
    (
        "AssemblyAI trimmed to utterances",
        "aai.json",
        json.dumps({"utterances": _UTTERANCES, "audio_duration": 12.0, "language_code": "en_us"}).encode(),
        "assemblyai",
        None,
        ["A", "B"],
    ),
    (
        "WebVTT cue with 00:00:xx.000",
        "x.vtt",
        _VTT.format(t2="00:00:xx.000").encode(),
        "webvtt-zoom",
        "unreadable time '00:00:xx.000 --> 00:00:08.000' in cue 2 (line 8)",
        ["Maya", "Tom"],
    ),
    (
        "WebVTT cue with a 20-digit hour",
        "h.vtt",
        _VTT.format(t2="12345678901234567890:00:04.000").encode(),
        "webvtt-zoom",
        "in cue 2 (line 8)",
        ["Maya", "Tom"],
    ),
    (
        "headerless WebVTT with a 20-digit hour",
        "h.txt",
        _VTT.format(t2="12345678901234567890:00:04.000").removeprefix("WEBVTT\n\n").encode(),
        "webvtt-zoom",
        "in cue 2 (line 6)",
        ["Maya", "Tom"],
    ),
    (
        "WebVTT with SubRip commas",
        "c.vtt",
        _VTT.format(t2="00:00:04.000").replace(".000", ",000").encode(),
        "webvtt-zoom",
        "SubRip-style ','",
        ["Maya", "Tom"],
    ),
    (
        "emoji and ZWJ labels",
        "e.txt",
        _PLAIN.format(a="Maya 🚀", b="Tom 🧑‍💻").encode(),
        "plain",
        None,
        ["Maya 🚀", "Tom 🧑‍💻"],
    ),
    (
        "bidi override in a label",
        "b.txt",
        _PLAIN.format(a="Maya\u202eevil\u202c", b="Tom").encode(),
        "plain",
        None,
        ["Mayaevil", "Tom"],
    ),
    (
        "UTF-16LE without a BOM",
        "le.txt",
        _PLAIN.format(a="Interviewer", b="Candidate").encode("utf-16-le"),
        "plain",
        "UTF-16 (LE) without a byte-order mark",
        ["Interviewer", "Candidate"],
    ),
    (
        "UTF-16BE without a BOM",
        "be.txt",
        _PLAIN.format(a="Interviewer", b="Candidate").encode("utf-16-be"),
        "plain",
        "UTF-16 (BE) without a byte-order mark",
        ["Interviewer", "Candidate"],
    ),
    (
        "JSON with a 5,000-digit number",
        "big.json",
        json.dumps({"utterances": [{**_UTTERANCES[0], "confidence": 0}, *_UTTERANCES[1:]], "audio_duration": 12.0})
        .replace('"confidence": 0', '"confidence": ' + "9" * 5000)
        .encode(),
        "assemblyai",
        "has a number with 5000 digits",
        ["A", "B"],
    ),
]


@pytest.mark.parametrize(
    ("file_name", "data", "fmt", "warning", "speakers"), [h[1:] for h in HARD], ids=[h[0] for h in HARD]
)
def test_hard_input_is_read_and_says_what_was_odd(
    service: respx.Route,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    file_name: str,
    data: bytes,
    fmt: str,
    warning: str | None,
    speakers: list[str],
) -> None:
    path = tmp_path / file_name
    path.write_bytes(data)
    assert run(["inspect", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == fmt
    assert info["speakers"] == speakers
    assert len(info["turns"]) == 4
    if warning:
        assert any(warning in w for w in info["warnings"]), info["warnings"]
    out = tmp_path / "r.json"
    assert run(["analyse", str(path), "-o", str(out), "--quiet"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert json.loads(out.read_text(encoding="utf-8"))["coverage"]["chunks_failed"] == 0


REFUSED_JSON = [
    ("JSON cut short", '{"utterances": [{"speaker": "A", "text": "hi"', "isn't valid JSON (Expecting"),
    ("JSON Lines", '{"a": 1}\n{"a": 2}\n', "several JSON documents one after another"),
    ("unknown JSON shape", '{"meeting": {"id": 1}}', "--input-format NAME"),
]


@pytest.mark.parametrize(("text", "message"), [r[1:] for r in REFUSED_JSON], ids=[r[0] for r in REFUSED_JSON])
def test_json_that_is_not_a_transcript_is_refused_clearly(
    service: respx.Route, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    assert run(["analyse", str(path)]) == 4
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert service.call_count == 0
