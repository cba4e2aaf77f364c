"""The public API is small and deliberate: a change to it is a change to this list."""

from __future__ import annotations

import transcript_judge


def test_public_api_is_pinned() -> None:
    assert sorted(transcript_judge.__all__) == sorted(
        [
            "LLM",
            "AnalysisResult",
            "AnalysisSettings",
            "ChatRequest",
            "ChatResult",
            "FakeLLM",
            "Report",
            "RoleAssignment",
            "Rubric",
            "Transcript",
            "TranscriptJudgeError",
            "Turn",
            "__version__",
            "assign_roles",
            "load_rubric",
            "plan_analysis",
            "read_transcript",
            "run_analysis",
        ]
    )
    for name in transcript_judge.__all__:
        assert hasattr(transcript_judge, name), name


def test_the_fake_llm_drives_the_whole_pipeline() -> None:
    """The seam's fake, as a user of the library would use it."""
    import asyncio
    import json
    from pathlib import Path

    from transcript_judge import FakeLLM, assign_roles, load_rubric, plan_analysis, read_transcript, run_analysis
    from transcript_judge.planning import AnalysisSettings

    t = read_transcript(Path(__file__).resolve().parents[1] / "fixtures" / "interview_zoom.vtt")
    rubric = load_rubric()
    plan = plan_analysis(t, assign_roles(t), rubric, AnalysisSettings())
    answer = {
        cid: {"evidence": [], "reasoning": "n/a", "verdict": "not_shown", "confidence": 0.5} for cid in rubric.ids
    }
    answer["evaluation_rigor"] = {
        "evidence": [
            {"turn": 1, "text": "we had a nightly evaluation job over a labelled set of six hundred real questions"}
        ],
        "reasoning": "Runs a labelled nightly eval.",
        "verdict": "shown",
        "confidence": 0.9,
    }
    fake = FakeLLM().enqueue_json(answer)
    report = asyncio.run(run_analysis(plan, fake, source_name="zoom.vtt")).report
    er = next(f for f in report.strengths if f.criterion_id == "evaluation_rigor")
    assert er.verdict == "shown" and er.quotes[0].turn == 1 and er.quotes[0].timestamp == "00:00:10"
    assert len(fake.requests) == 1
    # the one request carried the quoted words, and asked for every criterion of the rubric
    sent = json.dumps(fake.requests[0].messages)
    assert "six hundred real questions" in sent
    assert set(fake.requests[0].json_schema["properties"]) >= set(rubric.ids)
