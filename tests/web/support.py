"""Transcripts and a scripted fake model for the web tests.

The fake is NOT a judge: it marks a criterion shown when one of its cue phrases is in a
candidate line of the chunk, and quotes that sentence; it can also fail or stall chosen
chunks, so the tests can make partial, failed and interrupted runs on purpose.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable

from transcript_judge.errors import LLMTransientError
from transcript_judge.llm.base import ChatRequest, ChatResult, Usage
from transcript_judge.llm.fake import FakeLLM, subject_of

CANDIDATE = "Tom Alvarez"
INTERVIEWER = "Maya Chen"

INTERVIEW: list[tuple[str, str]] = [
    (
        INTERVIEWER,
        "Thanks for making the time, Tom. Tell me about a production AI system you built that failed. "
        "How did you find out, and what did you do?",
    ),
    (
        CANDIDATE,
        "Sure. We ran a retrieval-augmented support assistant for about forty thousand tickets a month. "
        "Around March the share of grounded answers dropped from ninety-one to seventy-eight percent.",
    ),
    (
        CANDIDATE,
        "We caught it because we had a nightly evaluation job over a labelled set of six hundred real "
        "questions. The hit rate for the billing docs had collapsed.",
    ),
    (INTERVIEWER, "What was the cause?"),
    (
        CANDIDATE,
        "An upstream change. The docs team moved billing pages to a new CMS and we found the chunker split "
        "every table into single cells, so the embeddings were useless for exactly those pages.",
    ),
    (INTERVIEWER, "A lot of people would just tweak the prompt there. Did you consider that?"),
    (
        CANDIDATE,
        "Tuning the prompt would only have hidden it. We fixed the parser to keep tables whole, re-indexed, "
        "and added a schema check on ingestion that fails the pipeline when chunk lengths shift.",
    ),
    (INTERVIEWER, "How would you choose the model for a new feature, say real-time moderation?"),
    (
        CANDIDATE,
        "I'd start from the latency budget and the cost per call, not from a leaderboard. Moderation runs on "
        "every message, so I'd compare two or three small models on our own labelled examples.",
    ),
    (INTERVIEWER, "And what happens when that model's API is down?"),
    (
        CANDIDATE,
        "Then we fall back to a rules-based filter for the obvious cases, queue the rest for review, and "
        "alert on the fallback rate, so nothing is silently approved.",
    ),
    (INTERVIEWER, "When would you use a framework like LangChain instead of your own orchestration?"),
    (
        CANDIDATE,
        "Honestly I'd just use the biggest model available and let the framework handle retries; it's "
        "usually fine for a first version.",
    ),
    (INTERVIEWER, "Anything you'd like to ask us?"),
    (
        CANDIDATE,
        "Yes: what data do you have today for evaluation, and who labels it? And what are the latency "
        "constraints for the assistant?",
    ),
    (INTERVIEWER, "Good questions. We have about two thousand labelled tickets, and the budget is two seconds."),
]

CUES = {
    "failure_diagnosis": ("found the chunker", "Traced the drop to a parser change upstream and fixed the cause."),
    "evaluation_rigor": ("labelled set", "Caught the regression with a nightly evaluation on real questions."),
    "grounded_tradeoffs": ("latency budget", "Chooses the model from latency and cost requirements."),
    "systems_thinking": ("fall back", "Plans for the dependency failing, with a fallback and an alert."),
    "probing_questions": ("what data do you have", "Asks about the evaluation data and the latency constraints."),
    "model_obsession": ("biggest model", "Reaches for the biggest model without tying it to a requirement."),
    "framework_dependency": ("let the framework handle", "Leaves failure handling to the framework."),
}

def vtt(turns: Iterable[tuple[str, str]], *, seconds_per_turn: float = 11.0) -> bytes:
    """A Zoom-style WebVTT transcript ("Name: text" cues)."""

    def ts(t: float) -> str:
        h, rem = divmod(t, 3600)
        m, s = divmod(rem, 60)
        return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"

    out = ["WEBVTT", ""]
    for i, (speaker, text) in enumerate(turns):
        start = 1.0 + i * seconds_per_turn
        out += [str(i + 1), f"{ts(start)} --> {ts(start + seconds_per_turn - 0.5)}", f"{speaker}: {text}", ""]
    return "\n".join(out).encode()


def plain(turns: Iterable[tuple[str, str]]) -> bytes:
    """A "Name: text" plain-text transcript."""
    return "\n\n".join(f"{s}: {t}" for s, t in turns).encode() + b"\n"


def own_turns(request: ChatRequest) -> list[int]:
    """The candidate turns a request is about (not the overlap context)."""
    return [ln.turn for ln in subject_of(request).candidate_lines()]


def answer(request: ChatRequest) -> ChatResult:
    """The scripted judgement of one chunk."""
    subject = subject_of(request)
    lines = [(ln.turn, ln.text) for ln in subject.candidate_lines()]
    out: dict[str, object] = {}
    for cid in subject.criteria:
        cue, why = CUES.get(cid, ("\x00", ""))
        hit = next(((t, s) for t, text in lines for s in re.split(r"(?<=[.?!;:])\s+", text) if cue in s.lower()), None)
        if hit:
            out[cid] = {
                "evidence": [{"turn": hit[0], "text": hit[1]}],
                "reasoning": why,
                "verdict": "shown",
                "confidence": 0.85,
            }
        else:
            out[cid] = {
                "evidence": [],
                "reasoning": "Nothing in this part of the interview shows it.",
                "verdict": "not_shown",
                "confidence": 0.6,
            }
    return ChatResult(
        content=json.dumps(out),
        usage=Usage(prompt_tokens=2100, completion_tokens=380),
        model="gpt-4.1-mini-2025-04-14",
        request_id="req_fake",
    )


def scripted(
    *,
    fail_turns: Iterable[int] = (),
    stall_turns: Iterable[int] = (),
    release: asyncio.Event | None = None,
    before: Callable[[ChatRequest], None] | None = None,
) -> FakeLLM:
    """A fake that answers with :func:`answer`; chunks holding ``fail_turns`` fail with a
    rate-limit error that outlived the retries; chunks holding ``stall_turns`` wait for
    ``release`` (forever if it is None)."""
    fail, stall = set(fail_turns), set(stall_turns)

    async def respond(request: ChatRequest) -> ChatResult:
        if before is not None:
            before(request)
        turns = set(own_turns(request))
        if turns & stall:
            await (release or asyncio.Event()).wait()
        if turns & fail:
            raise LLMTransientError(
                "The model service kept failing (429) after retries: Rate limit reached.", status_code=429
            )
        return answer(request)

    return FakeLLM(respond)


def slow(call_s: float) -> FakeLLM:
    """:func:`answer`, each after ``call_s`` seconds: slow enough to watch a job's progress."""

    async def respond(request: ChatRequest) -> ChatResult:
        await asyncio.sleep(call_s)
        return answer(request)

    return FakeLLM(respond)
