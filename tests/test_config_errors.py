"""Configuration mistakes end in a clear error, never an internal error or a silent no-op."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "eval_mini"


def test_a_context_window_too_small_for_the_prompt_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TJ_CONTEXT_WINDOW", "4000")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code = run(["analyse", str(ROOT / "fixtures" / "interview_zoom.vtt")])
    err = capsys.readouterr().err
    assert code == 7 and "context window (4000)" in err and "TJ_CONTEXT_WINDOW" in err
    assert "internal error" not in err and "Traceback" not in err


def test_eval_finds_the_gate_beside_the_dataset_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evals = tmp_path / "evals"
    (evals / "mini").mkdir(parents=True)
    for item in ("dataset.jsonl", "transcripts"):
        src = MINI / item
        dst = evals / "mini" / item
        if src.is_dir():
            dst.mkdir()
            for f in src.iterdir():
                (dst / f.name).write_bytes(f.read_bytes())
        else:
            dst.write_bytes(src.read_bytes())
    (evals / "gate.toml").write_text("[gate]\nmin_macro_f1 = 0.99\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "r.json"
    code = run(["eval", "--dataset", str(evals / "mini"), "--tagger", "lexical", "-o", str(out)])
    assert code == 11  # the gate was applied (and failed), not silently skipped
    assert json.loads(out.read_text())["gate"]["passed"] is False


def test_eval_without_any_gate_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(["eval", "--dataset", str(MINI), "--tagger", "lexical"])
    err = capsys.readouterr().err
    assert code == 7 and "No gate file found" in err and "--no-gate" in err
