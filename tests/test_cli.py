"""The command line end to end on the bundled fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from clirun import run
from openai_payloads import BASE_URL, answer_for, candidate_lines, error, ok
from transcript_judge.llm import factory
from transcript_judge.rubric import load_rubric

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IDS = load_rubric().ids


@pytest.fixture
def mocked_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cli-secret")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


def test_lexical_baseline_when_no_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    assert run(["analyse", str(FIXTURES / "interview_plain.txt"), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "KEYWORD BASELINE" in captured.err and "KEYWORD BASELINE" in captured.out
    report = json.loads(out.read_text())
    assert report["tagger"] == "lexical" and report["warnings"][0]["kind"] == "lexical_baseline"
    assert report["roles"]["candidate"] == "Candidate" and report["roles"]["method"] == "labelled"
    flags = {f["criterion_id"]: f for f in report["red_flags"]}
    assert flags["technology_only_questions"]["verdict"] == "shown"
    assert "not a hiring decision" in report["notice"]


def test_require_llm_without_model_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyse", str(FIXTURES / "interview_plain.txt"), "--require-llm"]) == 7
    assert "OPENAI_API_KEY" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_reports_render(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"r.{fmt}"
    assert run(["analyse", str(FIXTURES / "interview_zoom.vtt"), "-o", str(out), "--quiet"]) == 0
    text = out.read_text()
    assert "Decision support, not a hiring decision" in text
    assert "Systems thinking" in text and "Model obsession" in text


def test_inspect_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["inspect", str(FIXTURES / "interview_zoom.vtt"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "webvtt-zoom"
    assert data["speakers"] == ["Maya Chen", "Tom Alvarez"]
    assert data["roles"]["candidate"] == "Tom Alvarez" and "answers" in data["roles"]["reason"]
    assert data["turns"][1]["start"] == pytest.approx(10.4)


def test_llm_run_end_to_end(mocked_openai: respx.MockRouter, tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        turn, text = candidate_lines(request)[0]
        return ok(answer_for(IDS, {"failure_diagnosis": (turn, max(text.split(". "), key=len))}))

    mocked_openai.post("/chat/completions").mock(side_effect=handler)
    out = tmp_path / "r.json"
    assert run(["analyse", str(FIXTURES / "interview_zoom.vtt"), "-o", str(out), "--quiet"]) == 0
    report = json.loads(out.read_text())
    assert report["tagger"] == "llm" and report["model"] == "gpt-4.1-mini"
    fd = next(f for f in report["strengths"] if f["criterion_id"] == "failure_diagnosis")
    assert fd["verdict"] == "shown" and fd["quotes"][0]["timestamp"].startswith("00:00:")
    assert "sk-test-cli-secret" not in out.read_text()


def test_partial_run_exit_code(
    mocked_openai: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mocked_openai.post("/chat/completions").mock(return_value=error(503, "Service Unavailable", type_="server_error"))
    out = tmp_path / "r.md"
    assert run(["analyse", str(FIXTURES / "interview_zoom.vtt"), "-o", str(out), "--quiet"]) == 3
    assert "FAILED" in out.read_text()  # every chunk failed: no verdicts, not a partial result
    capsys.readouterr()
    assert run(["history"]) == 0
    assert " failed " in capsys.readouterr().out  # the history says so too (0/1 chunks)


def test_auth_error_exit_code(mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]) -> None:
    mocked_openai.post("/chat/completions").mock(
        return_value=error(401, "Incorrect API key provided.", code="invalid_api_key")
    )
    assert run(["analyse", str(FIXTURES / "interview_zoom.vtt"), "--quiet"]) == 9
    err = capsys.readouterr().err
    assert "credentials" in err and "Traceback" not in err and "sk-test-cli-secret" not in err


def test_budget_refuses_before_sending(mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]) -> None:
    route = mocked_openai.post("/chat/completions").mock(return_value=ok("{}"))
    assert run(["analyse", str(FIXTURES / "interview_zoom.vtt"), "--max-cost", "0.0001"]) == 8
    assert route.call_count == 0 and "Nothing was sent" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", 4, "is empty"),
        (b"   \n\t\n", 4, "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, 4, "binary"),
        (b"WEBVTT\n\n", 4, "no speech"),
        (b"Alice: Hello everyone, I am the only one talking today.\nAlice: Still me.\n", 5, "only one"),
    ],
)
def test_bad_input_has_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, code: int, message: str
) -> None:
    p = tmp_path / "input.txt"
    p.write_bytes(content)
    assert run(["analyse", str(p)]) == code
    err = capsys.readouterr().err
    assert message in err.lower() and "Traceback" not in err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyse", "/nonexistent/interview.vtt"]) == 4
    assert "No such file" in capsys.readouterr().err


def test_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "big.txt"
    p.write_bytes(b"A: hello there?\nB: yes indeed.\n" * 80_000)
    assert run(["analyse", str(p), "--max-file-mb", "1"]) == 4
    assert "limit" in capsys.readouterr().err


def test_html_report_escapes_transcript_text(tmp_path: Path) -> None:
    p = tmp_path / "evil.txt"
    p.write_text(
        "Interviewer: How do you evaluate it?\n\n"
        'Candidate: We use a labelled set <script>alert("x")</script> and <img src=x onerror=alert(1)> metrics, '
        "and the entity-encoded &lt;script&gt;alert(2)&lt;/script&gt; survives ingest as text.\n"
    )
    out = tmp_path / "r.html"
    assert run(["analyse", str(p), "-o", str(out), "--quiet"]) == 0
    html = out.read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("codes", "expected"),
    [([], 0), ([0, 0], 0), ([0, 3], 3), ([3, 4], 4), ([4, 3], 4), ([3, 7, 4], 7), ([0, 130], 130)],
)
def test_several_files_exit_with_the_first_error_else_partial_else_ok(codes: list[int], expected: int) -> None:
    """One rule for `analyse FILE FILE` and `analyse --batch FILE FILE` (they differed: 3 vs 4)."""
    from transcript_judge.cli.common import combined_exit_code

    assert combined_exit_code(codes) == expected
