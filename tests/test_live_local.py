"""Opt-in: the CLI against a real local model server, with no translation in between.

Run by ``.ci/run`` (and by hand) after ``scripts/live-local start``, which serves
Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) through llama-cpp-python's OpenAI-compatible server
on 127.0.0.1. Skipped unless ``TJ_LIVE_LOCAL=1``; then ``TJ_BASE_URL`` and ``TJ_MODEL``
name the server (``eval "$(scripts/live-local env)"`` sets them).

Time budget on this machine's 2 CPU cores: about 3-8 minutes for the analysis in judge mode
full (one chunk: ~3,000 prompt tokens, then ~600-1,000 grammar-constrained answer tokens at
2-4 tokens/s), and about a minute for the one-case eval in the default for a local server
(auto: confirm, a few yes/no questions). No assertion is about time.

These tests fail if the real server judges nothing: every chunk must come back judged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LIVE = os.environ.get("TJ_LIVE_LOCAL") == "1"
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not LIVE, reason="the local-model tests are opt-in: TJ_LIVE_LOCAL=1 (see scripts/live-local)"),
]

ROOT = Path(__file__).resolve().parents[1]
SHORT = ROOT / "fixtures" / "interview_plain.txt"
DEV = ROOT / "evals" / "dev"
#: Generous: a wait for the next token, not for the whole answer (answers are streamed).
TIMEOUT_S = "600"


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TJ_HOME": str(home), "TJ_TIMEOUT": TIMEOUT_S}
    return subprocess.run(
        [sys.executable, "-m", "transcript_judge", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,  # a hung server fails the test instead of hanging CI
        check=False,
    )


@pytest.fixture
def server() -> tuple[str, str]:
    base, model = os.environ.get("TJ_BASE_URL"), os.environ.get("TJ_MODEL")
    if not base or not model:
        pytest.fail('TJ_LIVE_LOCAL=1 needs TJ_BASE_URL and TJ_MODEL: eval "$(scripts/live-local env)"')
    return base, model


def test_analyse_judges_every_chunk_with_the_real_server(server: tuple[str, str], tmp_path: Path) -> None:
    base, model = server
    out = tmp_path / "report.json"
    # judge mode full (not the default for a local server): the whole-answer pipeline, the one
    # that must negotiate JSON with the server; the eval below runs the default (auto: confirm).
    mode = ("--judge-mode", "full")
    done = _cli("analyse", str(SHORT), "--base-url", base, "--model", model, *mode, "-o", str(out), "-v", home=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    coverage = report["coverage"]
    assert report["tagger"] == "llm" and report["model"] == model
    assert coverage["chunks_total"] >= 1 and coverage["chunks_ok"] == coverage["chunks_total"], coverage["chunks"]
    # the negotiated wire format: llama-cpp-python takes JSON mode with the schema attached
    assert {c["structured_mode"] for c in coverage["chunks"]} == {"json_object"}
    assert len(report["strengths"]) + len(report["red_flags"]) == 11
    for finding in report["strengths"] + report["red_flags"]:
        for quote in finding["quotes"]:  # whatever the small model said, only grounded quotes survive
            assert quote["text"] in SHORT.read_text(encoding="utf-8") or quote.get("match") == "fuzzy"

    # A re-run is answered from the cache, and the negotiated mode was remembered.
    again = _cli("analyse", str(SHORT), "--base-url", base, "--model", model, *mode, "-o", str(out), home=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    second = json.loads(out.read_text(encoding="utf-8"))
    assert second["usage"]["calls"] == second["usage"]["cache_hits"] >= 1


def test_eval_scores_every_case_of_a_dev_subset(server: tuple[str, str], tmp_path: Path) -> None:
    base, model = server
    subset = tmp_path / "subset"
    (subset / "transcripts").mkdir(parents=True)
    lines = (DEV / "dataset.jsonl").read_text(encoding="utf-8").splitlines()
    case = min((json.loads(x) for x in lines if x.strip()), key=lambda c: (DEV / c["transcript"]).stat().st_size)
    shutil.copy(DEV / case["transcript"], subset / case["transcript"])
    (subset / "dataset.jsonl").write_text(json.dumps(case) + "\n", encoding="utf-8")
    out = tmp_path / "eval.json"
    done = _cli(
        "eval", "--dataset", str(subset), "--base-url", base, "--model", model, "--tagger", "llm",
        "--no-gate", "--concurrency", "1", "-o", str(out), home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    (score,) = [t for t in report["taggers"] if t["tagger"] == "llm"]
    assert score["cases_scored"] == score["cases_total"] == 1 and score["cases_failed"] == 0, score["failures"]
    assert score["calls"] >= 1 and score["completion_tokens"] > 0
    # The default for a local server is judge mode confirm, whose confidence is the model's
    # P(yes) from the answer's logprobs: not the fixed 0.7 of a word-only answer.
    confidences = {round(b["mean_confidence"], 3) for b in score["calibration"]["bins"] if b["n"]}
    assert confidences and confidences != {0.7}, score["calibration"]
