"""A scripted fake model for the evaluation harness's mechanics tests.

It is NOT a measure of accuracy: it marks a criterion shown when a cue sentence from
``CUES`` is in the candidate's lines, quoting that sentence, and on repeat 2 it
deliberately flips one verdict so that stability and majority voting have work to do.
Regenerate the committed recordings with ``python tests/eval_fake.py``.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

from transcript_judge.evaluation import EvalSettings, RecordingLLM, load_dataset, run_eval
from transcript_judge.llm.base import ChatRequest, ChatResult, Usage
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.planning import AnalysisSettings
from transcript_judge.rubric import load_rubric

MINI = Path(__file__).resolve().parent / "data" / "eval_mini"
RECORDINGS = MINI / "recordings"
CUES = {
    "systems_thinking": "fall back",
    "failure_diagnosis": "found the chunker",
    "evaluation_rigor": "labelled set",
    "probing_questions": "What data do you have",
    "model_obsession": "biggest model",
    "evaluation_avoidance": "seemed happy",
    "framework_dependency": "framework handles",
    "technology_only_questions": "cloud provider",
    "grounded_tradeoffs": "latency budget and the cost",
    "demo_only_thinking": "demo worked great",
    "prompt_tinkering": "tweak the prompt",
}


def respond(request: ChatRequest) -> ChatResult:
    subject = subject_of(request)
    lines = [(ln.turn, ln.text) for ln in subject.candidate_lines()]
    answer = {}
    for cid in subject.criteria:
        cue = CUES.get(cid, "\x00")
        hit = next(((t, s) for t, text in lines for s in re.split(r"(?<=[.?!])\s+", text) if cue in s), None)
        if request.repeat_index == 2 and cid == "systems_thinking":
            hit = None  # a deliberate flip on one repeat
        if hit:
            answer[cid] = {
                "evidence": [{"turn": hit[0], "text": hit[1]}],
                "reasoning": "cue present",
                "verdict": "shown",
                "confidence": 0.9,
            }
        else:
            answer[cid] = {"evidence": [], "reasoning": "not present", "verdict": "not_shown", "confidence": 0.7}
    return ChatResult(
        content=json.dumps(answer),
        usage=Usage(prompt_tokens=2000, completion_tokens=400),
        model="gpt-4.1-mini-2025-04-14",
        request_id="req_fixture",
    )


def main() -> None:
    rubric = load_rubric()
    dataset = load_dataset(MINI, rubric)
    shutil.rmtree(RECORDINGS, ignore_errors=True)
    llm = RecordingLLM(FakeLLM(respond), RECORDINGS)
    settings = EvalSettings(analysis=AnalysisSettings(), taggers=("llm",), repeats=3)
    asyncio.run(run_eval(dataset, rubric, settings, llm))
    print(f"recorded {llm.recorded} responses into {RECORDINGS}")


if __name__ == "__main__":
    main()
