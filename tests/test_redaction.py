"""--redact: personal details never leave the machine; quotes are mapped back locally."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from clirun import run
from openai_payloads import BASE_URL, answer_for, candidate_lines, ok
from transcript_judge.ingest import Source, parse_source
from transcript_judge.llm import factory
from transcript_judge.redaction import Redactor, redact_transcript, restore_text, speaker_names
from transcript_judge.rubric import load_rubric
from transcript_judge.store import home_dir
from transcript_judge.transcript import Transcript

IDS = load_rubric().ids
EMAIL, PHONE, URL = "maya.chen+jobs@example.org", "+1 415 555 0199", "https://github.com/tomalvarez/evalkit"
TRANSCRIPT = f"""Maya Chen: Thanks for joining, Tom. Before we start, is {EMAIL} still the best address?

Tom Alvarez: Yes, and my phone is {PHONE} if the call drops. My evaluation harness is public at {URL}, \
we ran it nightly on six hundred labelled questions.

Maya Chen: How did you catch regressions?

Tom Alvarez: We compared every release against the labelled set and alerted when groundedness dropped by \
two points. Maya, I can send you the dashboard.
"""
PRIVATE = [EMAIL, PHONE, URL, "maya.chen", "555 0199", "github.com/tomalvarez", "Maya", "Tom", "Chen", "Alvarez"]


@pytest.fixture
def mocked_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-redact")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


def _quote_the_url(request: httpx.Request) -> httpx.Response:
    """A model that quotes the candidate's words around a placeholder."""
    turn, text = next((t, x) for t, x in candidate_lines(request) if "harness is public" in x)
    start = text.index("My evaluation harness")
    return ok(answer_for(IDS, {"evaluation_rigor": (turn, text[start:].split(",")[0])}))


def test_nothing_personal_reaches_the_model_and_quotes_come_back(
    mocked_openai: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "interview.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    route = mocked_openai.post("/chat/completions").mock(side_effect=_quote_the_url)
    out = tmp_path / "report.json"
    trace = tmp_path / "trace.jsonl"
    assert (
        run(
            [
                "analyse",
                str(source),
                "--redact",
                "--redact-names",
                "-o",
                str(out),
                "--trace",
                str(trace),
                "--trace-content",
                "--quiet",
            ]
        )
        == 0
    )
    bodies = [c.request.content.decode("utf-8") for c in route.calls]
    assert bodies
    for body in bodies:
        for secret in PRIVATE:
            assert secret not in body, secret
        assert "[EMAIL_1]" in body and "[PHONE_1]" in body and "[URL_1]" in body and "[NAME_" in body
    # even a trace that asked for content holds only what was sent
    for secret in PRIVATE:
        assert secret not in trace.read_text(encoding="utf-8"), secret

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["redaction"] is True
    [note] = [w for w in report["warnings"] if w["kind"] == "redaction"]
    assert "1 email(s), 1 phone number(s), 1 URL(s)" in note["message"] and "name(s)" in note["message"]
    rigor = next(f for f in report["strengths"] if f["criterion_id"] == "evaluation_rigor")
    assert rigor["verdict"] == "shown"
    assert rigor["quotes"][0]["text"] == f"My evaluation harness is public at {URL}"  # mapped back locally
    assert report["roles"]["candidate"] == "Tom Alvarez"  # speaker labels stay local and intact

    # deterministic placeholders: a re-run with the same options is answered from the cache
    before = route.call_count
    assert run(["analyse", str(source), "--redact", "--redact-names", "--quiet"]) == 0
    assert route.call_count == before


def test_without_redact_the_details_are_sent(mocked_openai: respx.MockRouter, tmp_path: Path) -> None:
    source = tmp_path / "interview.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    route = mocked_openai.post("/chat/completions").mock(side_effect=_quote_the_url)
    assert run(["analyse", str(source), "--quiet"]) == 0
    assert EMAIL in route.calls[0].request.content.decode("utf-8")


def test_redaction_works_for_the_keyword_baseline_too(tmp_path: Path) -> None:
    source = tmp_path / "interview.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    out = tmp_path / "r.md"
    assert run(["analyse", str(source), "--redact", "-o", str(out), "--quiet"]) == 0
    assert "Redaction ran" in out.read_text(encoding="utf-8")
    assert home_dir().exists()


def test_placeholders_are_deterministic_and_exact() -> None:
    t = read_transcript_text(TRANSCRIPT)
    a, ra = redact_transcript(t, names=speaker_names(t))
    b, _ = redact_transcript(t, names=speaker_names(t))
    assert a == b
    assert "[NAME_" in a.turns[0].text and "Tom" not in a.turns[0].text
    text = a.turns[1].text
    assert restore_text(text, ra) == t.turns[1].text
    assert restore_text("EMAIL_1 and [URL_1", ra) == f"{EMAIL} and {URL}"  # brackets lost at a quote's edges


def test_speaker_names_skip_role_labels() -> None:
    t = read_transcript_text(
        "Interviewer: Hi Dr. Ada Lovelace?\n\nCandidate (Ada Lovelace): Hello.\n\n"
        "Speaker 2: Hi?\n\nInterviewer: Go on?\n"
    )
    assert speaker_names(t) == ["Ada Lovelace", "Ada", "Lovelace"]


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Call me on (415) 555-0199 or 07700 900123.", "Call me on [PHONE_1] or [PHONE_2]."),
        ("Email jane_doe@corp.co.uk, then see www.example.com/docs.", "Email [EMAIL_1], then see [URL_1]."),
        (
            "We shipped on 2024-03-15, version 3.11.4, p95 under 300 ms, 40 000 tickets.",
            "We shipped on 2024-03-15, version 3.11.4, p95 under 300 ms, 40 000 tickets.",
        ),
        ("The docs live at https://example.com/a?b=1).", "The docs live at [URL_1])."),
    ],
)
def test_what_counts_as_personal(text: str, redacted: str) -> None:
    assert Redactor().redact(text) == redacted


def read_transcript_text(text: str) -> Transcript:
    return parse_source(Source(data=text.encode(), name="t.txt"))
