"""Calibration in the eval report (issue 11, technique 7): ECE, Brier and the reliability
table of the "shown" verdicts, against numbers worked out by hand."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from transcript_judge.evaluation.baseline import EvalReport
from transcript_judge.evaluation.dataset import Case, Dataset
from transcript_judge.evaluation.metrics import calibration
from transcript_judge.evaluation.render import render_eval, render_eval_terminal
from transcript_judge.evaluation.runner import CaseRun
from transcript_judge.evaluation.scoring import score
from transcript_judge.rubric import load_rubric

RUBRIC = load_rubric()


def test_ece_brier_and_bins_by_hand() -> None:
    pairs = [(0.9, True), (0.9, True), (0.9, False), (0.85, True), (0.3, False), (0.3, True), (1.0, True)]
    c = calibration(pairs)
    assert c is not None and c.n == 7
    # bins of 0.2: [0.2, 0.4) holds the two 0.3s (1 of 2 right); [0.8, 1.0] holds 0.9 x3, 0.85, 1.0 (4 of 5)
    low, top = c.bins[1], c.bins[4]
    assert (low.n, low.accuracy, low.mean_confidence) == (2, 0.5, pytest.approx(0.3))
    assert (top.n, top.accuracy) == (5, 0.8) and top.mean_confidence == pytest.approx(4.55 / 5)
    assert [b.n for b in c.bins] == [0, 2, 0, 0, 5]
    # ECE = 2/7 * |0.5 - 0.3| + 5/7 * |0.8 - 0.91| = 0.4/7 + 0.55/7 = 0.95/7
    assert c.ece == pytest.approx(0.95 / 7)
    # Brier = (0.01 + 0.01 + 0.81 + 0.0225 + 0.09 + 0.49 + 0) / 7
    assert c.brier == pytest.approx(1.4325 / 7)


def test_perfect_and_empty_calibration() -> None:
    perfect = calibration([(1.0, True), (0.0, False)])
    assert perfect is not None and perfect.ece == 0.0 and perfect.brier == 0.0
    assert calibration([]) is None


def _dataset() -> Dataset:
    labels = {cid: False for cid in RUBRIC.ids}
    cases = [
        Case(id=f"k{i}", transcript=f"t/k{i}.txt", candidate="Sam", labels={**labels, "systems_thinking": i < 2})
        for i in range(4)
    ]
    return Dataset(root=Path(), cases=cases, transcripts={}, digest="d")


def _run(case_id: str, shown: bool, confidence: float) -> CaseRun:
    verdicts = {cid: "not_shown" for cid in RUBRIC.ids}
    verdicts["systems_thinking"] = "shown" if shown else "not_shown"
    conf = {cid: 0.6 for cid in RUBRIC.ids}
    conf["systems_thinking"] = confidence
    return CaseRun(case_id=case_id, tagger="llm", repeat=0, status="ok", verdicts=verdicts, confidence=conf)  # type: ignore[arg-type]


def test_the_eval_report_shows_calibration_of_the_shown_verdicts() -> None:
    ds = _dataset()
    # shown on k0 (right, 0.9), k1 (right, 0.9), k2 (wrong, 0.9); not shown on k3 (not counted)
    runs = [_run("k0", True, 0.9), _run("k1", True, 0.9), _run("k2", True, 0.9), _run("k3", False, 0.6)]
    t = score(ds, RUBRIC, runs, tagger="llm", model="m", reducer="majority", resamples=20)
    cal = t.calibration
    assert cal is not None and cal.verdicts == 3
    assert cal.ece == pytest.approx(abs(2 / 3 - 0.9)) and cal.brier == pytest.approx((0.01 + 0.01 + 0.81) / 3)
    report = EvalReport(
        tool_version="x", created_at=datetime(2026, 12, 4, tzinfo=UTC), dataset="ds", dataset_digest="d" * 12,
        model="m", repeats=1, reducer="majority", taggers=[t],
    )  # fmt: skip
    md = render_eval(report, "md")
    assert 'Calibration of the 3 "shown" verdicts: ECE 0.23' in md and "Brier 0.28" in md
    assert "| 0.8–1.0 | 3 | 0.90 | 67% |" in md
    # k3 has nothing shown: all 11 verdicts identical; k0-k2 show one criterion
    assert t.identical_verdict_cases == 1 and "| Cases with every verdict identical (all shown, or none) | 1 |" in md
    out = io.StringIO()
    render_eval_terminal(report, Console(file=out, width=200))
    assert "calibration of 3 'shown' verdicts: ECE 0.23 · Brier 0.28" in out.getvalue()
    assert "0.8-1.0: 3 at 67% right" in out.getvalue()
