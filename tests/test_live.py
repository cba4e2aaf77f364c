"""Opt-in: a real analysis against a real OpenAI-compatible endpoint.

Skipped unless TJ_LIVE_TESTS=1, with OPENAI_API_KEY (or TJ_BASE_URL for a local server)
and optionally TJ_MODEL set in the environment that runs pytest.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

LIVE = os.environ.get("TJ_LIVE_TESTS") == "1"
pytestmark = [pytest.mark.live, pytest.mark.skipif(not LIVE, reason="live model tests are opt-in: TJ_LIVE_TESTS=1")]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


async def test_live_analysis_is_grounded_and_complete() -> None:
    from transcript_judge.analysis import run_analysis
    from transcript_judge.config import resolve_config
    from transcript_judge.ingest import read_transcript
    from transcript_judge.llm.factory import build_llm
    from transcript_judge.planning import AnalysisSettings, plan_analysis
    from transcript_judge.roles import assign_roles
    from transcript_judge.rubric import load_rubric

    cfg = resolve_config()
    if not cfg.llm_configured:
        pytest.skip("no live endpoint configured")
    t = read_transcript(FIXTURES / "interview_zoom.vtt")
    plan = plan_analysis(t, assign_roles(t), load_rubric(), AnalysisSettings(model=cfg.client.model))
    llm = build_llm(cfg.client)
    try:
        report = (await run_analysis(plan, llm, source_name="interview_zoom.vtt")).report
    finally:
        await llm.aclose()
    assert not report.partial
    shown = {f.criterion_id for f in report.findings if f.verdict == "shown"}
    assert {"failure_diagnosis", "systems_thinking"} & shown
    assert all(q.text for f in report.findings for q in f.quotes)
