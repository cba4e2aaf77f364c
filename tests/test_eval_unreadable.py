"""An unreadable case is a failed case, not the end of the evaluation: it is counted and
named in the report, the other cases still run, and the exit code says the run is
incomplete. ``--fail-fast`` keeps the old behaviour (stop at the first unreadable file)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clirun import run
from transcript_judge.errors import DatasetError
from transcript_judge.evaluation import load_dataset
from transcript_judge.rubric import load_rubric

MINI = Path(__file__).resolve().parent / "data" / "eval_mini"
RUBRIC = load_rubric()


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The mini dataset with case m4's transcript replaced by bytes that aren't a transcript."""
    ds = tmp_path / "ds"
    shutil.copytree(MINI, ds, ignore=shutil.ignore_patterns("recordings"))
    (ds / "transcripts" / "m4.txt").write_bytes(bytes(range(256)) * 8)
    return ds


def test_the_library_still_fails_fast_by_default(broken: Path) -> None:
    with pytest.raises(DatasetError, match="line 4, field 'transcript'"):
        load_dataset(broken, RUBRIC)
    dataset = load_dataset(broken, RUBRIC, fail_fast=False)
    assert [c.id for c in dataset.cases] == ["m1", "m2", "m3", "m4"]
    assert set(dataset.unreadable) == {"m4"} and "binary file" in dataset.unreadable["m4"]
    assert "m4" not in dataset.transcripts


def test_an_unreadable_case_is_a_failed_case(broken: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    code = run(["eval", "--dataset", str(broken), "--tagger", "lexical", "--no-gate", "-o", str(out)])
    assert code == 4  # the report is written, but the run is incomplete
    err = capsys.readouterr().err
    assert "m4" in err and "transcripts/m4.txt" in err and "binary file" in err and "Traceback" not in err
    t = json.loads(out.read_text())["taggers"][0]
    assert (t["cases_total"], t["cases_scored"], t["cases_failed"]) == (4, 3, 1)
    assert "can't be read" in t["failures"]["m4"] and "binary file" in t["failures"]["m4"]
    assert run(["eval", "--dataset", str(broken), "--tagger", "lexical", "--no-gate", "-o", str(md)]) == 4
    text = md.read_text()
    assert "1 failed" in text and "- m4: " in text and "binary file" in text


def test_the_gate_counts_it_as_a_failed_case(broken: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gate = tmp_path / "gate.toml"
    gate.write_text("[gate]\nmax_failed_cases = 0\n")
    assert run(["eval", "--dataset", str(broken), "--tagger", "lexical", "--gate", str(gate)]) == 4
    out = capsys.readouterr().out
    assert "gate: FAILED" in out and "1 failed (max 0)" in out


def test_replay_counts_only_the_readable_cases_as_missing(
    broken: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "no_recordings"
    empty.mkdir()
    code = run(["eval", "--dataset", str(broken), "--replay", str(empty), "--tagger", "llm", "--no-gate"])
    assert code == 10
    err = capsys.readouterr().err
    assert "3 of 3 responses" in err and "Traceback" not in err and "internal error" not in err


def test_fail_fast_stops_at_the_unreadable_case(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["eval", "--dataset", str(broken), "--tagger", "lexical", "--no-gate", "--fail-fast"]) == 6
    err = capsys.readouterr().err
    assert "line 4, field 'transcript'" in err and "binary file" in err


def test_a_readable_dataset_is_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert run(["eval", "--dataset", str(MINI), "--tagger", "lexical", "--no-gate", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["taggers"][0]["cases_failed"] == 0
