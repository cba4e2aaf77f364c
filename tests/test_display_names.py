"""File names are data, not terminal or Markdown instructions: the report heading and
``transcript-judge history`` show them through one sanitiser (``safe_display``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clirun import run
from transcript_judge import assign_roles, load_rubric, plan_analysis, read_transcript, run_analysis
from transcript_judge.history import History, RunStart
from transcript_judge.ingest.textclean import safe_display
from transcript_judge.planning import AnalysisSettings
from transcript_judge.report import render
from transcript_judge.store import Store

ZOOM = Path(__file__).resolve().parents[1] / "fixtures" / "interview_zoom.vtt"
NASTY = "evil\x1b[2J\x1b[31mred\x1b]0;pwned\x07\nsecond line\r\u202egnp.exe\u202c\tname.vtt"
CONTROLS = ("\x1b", "\n", "\r", "\t", "\x07", "\u202e", "\u202c")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("interview_zoom.vtt", "interview_zoom.vtt"),
        ("a\x1b[31mred\x1b[0m.vtt", "ared.vtt"),
        ("two\nlines.vtt", "two lines.vtt"),
        ("Maya\u202eevil\u202c", "Mayaevil"),
        ("x\x1b]8;;http://e.example\x07link\x1b]8;;\x07y", "xlinky"),
        ("Interviewer 🧑‍💻", "Interviewer 🧑‍💻"),
        ("nul\x00and\x7fdel\x85", "nul and del"),
    ],
)
def test_safe_display(raw: str, shown: str) -> None:
    assert safe_display(raw) == shown


def _report(source_name: str):  # type: ignore[no-untyped-def]
    t = read_transcript(ZOOM)
    plan = plan_analysis(t, assign_roles(t), load_rubric(), AnalysisSettings(tagger="lexical"))
    return asyncio.run(run_analysis(plan, None, source_name=source_name)), t


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_heading_shows_a_sanitised_file_name(fmt: str) -> None:
    result, t = _report(NASTY)
    out = render(result.report, fmt, turns=t.turns)  # type: ignore[arg-type]
    heading = next(line for line in out.splitlines() if "Interview assessment" in line)
    assert "evilred" in heading and "second line" in heading and "name.vtt" in heading
    for ch in CONTROLS:
        assert ch not in out.split("Interview assessment", 1)[1].split("\n", 1)[0]
    assert "\x1b" not in out and "\u202e" not in out


def test_markdown_heading_is_one_line_and_keeps_plain_names() -> None:
    result, t = _report("interview_zoom.vtt")
    md = render(result.report, "md", turns=t.turns)
    assert md.splitlines()[0] == "# Interview assessment: interview_zoom.vtt"
    result, t = _report("a\nb <img src=x>.vtt")
    first = render(result.report, "md", turns=t.turns).splitlines()[0]
    assert first == "# Interview assessment: a b \\<img src=x\\>.vtt"


def test_history_prints_sanitised_names(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # one row per line, nothing folded
    with Store.open() as store:
        History(store).start(
            RunStart(
                id="abc123def456",
                source_name=NASTY,
                source_path="/tmp/x",
                source_sha256="0" * 64,
                model="m\x1b[5mblink",
                prompt_version="p-1",
                chunks_planned=1,
            )
        )
    assert run(["history"]) == 0
    out = capsys.readouterr().out
    for ch in CONTROLS[0:1] + CONTROLS[2:]:
        assert ch not in out
    row = next(line for line in out.splitlines() if "abc123def456" in line)
    assert "evilred second line gnp.exe name.vtt" in row and "mblink" in row
    # --json keeps the data as stored (JSON escapes the control characters itself)
    assert run(["history", "--json"]) == 0
    assert "\\u001b" in capsys.readouterr().out


def test_rich_markup_in_a_file_name_is_text(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    with Store.open() as store:
        History(store).start(
            RunStart(
                id="fff000aaa111",
                source_name="[bold red]x[/]",
                source_path="/tmp/x",
                source_sha256="0" * 64,
                model="m",
                prompt_version="p-1",
                chunks_planned=1,
            )
        )
    assert run(["history"]) == 0
    assert "[bold red]x[/]" in capsys.readouterr().out
