"""Benchmark 4: local overhead — everything but the model, on a 3-hour transcript.

Parse (WebVTT, Zoom style), assign roles, plan (count tokens, chunk), build every prompt,
run the analysis against an instant fake model (validation, grounding of ~30 quotes,
injection scan, language, aggregation, report), then render JSON, Markdown and HTML.
The fake's quotes are a realistic mix: most copied exactly, some with a word dropped and
the case changed (the fuzzy path), a few made up (the slowest path: every candidate line is
searched before the quote is rejected).

Language detection and the injection scan need only the transcript, and ``run_analysis``
runs them on a thread while the model calls are in flight; with an instant fake they would
overlap nothing, so they are timed on their own ("transcript checks") and kept out of the
critical path, which is what the target is about.

Measured in a fresh process ("cold": imports done, nothing else warmed up — what one
``analyse`` run pays; the median of three processes), then for five other 3-hour interviews
in the same process ("warm", the median: what a long-running server pays). If the cold run
is over the target, it is profiled with pyinstrument and the top of the profile goes into
RESULTS.md.

Target: under 1 s.

Run:  python -m benchmarks.overhead          (about half a minute)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._common import table, write_section

MINUTES = 180
QUOTES_PER_CHUNK = 5
TARGET_S = 1.0
COLD_RUNS = 3  # fresh processes; the median one is reported
_LINE = re.compile(r"^\[T(\d+)[^\]]*\] (CONTEXT )?(CANDIDATE|INTERVIEWER[^:]*|OTHER[^:]*): (.*)$", re.M)


def _responder(request: Any) -> Any:
    """Answers with QUOTES_PER_CHUNK quotes per chunk: exact, fuzzy, or made up."""
    from transcript_judge.llm.base import ChatResult, Usage

    user = request.messages[1]["content"]
    rng = random.Random(user[-200:])
    sentences = [
        (int(m[1]), s)
        for m in _LINE.finditer(user)
        if m[3] == "CANDIDATE" and not m[2]
        for s in re.split(r"(?<=[.!?])\s+", m[4])
        if len(s.split()) >= 8
    ]
    ids = list(request.json_schema["required"])
    out: dict[str, Any] = {}
    for i, cid in enumerate(ids):
        if i < QUOTES_PER_CHUNK and sentences:
            turn, text = rng.choice(sentences)
            kind = rng.random()
            if kind < 0.2:  # a word dropped, the case changed: fuzzy
                words = text.split()
                words.pop(len(words) // 2)
                text = " ".join(words).lower()
            elif kind < 0.3:  # made up
                text = "we always deployed straight to production on a friday without any tests at all"
            out[cid] = {
                "evidence": [{"turn": turn, "text": text}],
                "reasoning": "The candidate says so in their own words.",
                "verdict": "shown",
                "confidence": 0.8,
            }
        else:
            out[cid] = {"evidence": [], "reasoning": "Not in this part.", "verdict": "not_shown", "confidence": 0.6}
    return ChatResult(content=json.dumps(out), usage=Usage(prompt_tokens=1, completion_tokens=1))


@contextlib.contextmanager
def _timed(module: Any, name: str, into: dict[str, float], label: str) -> Iterator[None]:
    """Time every call of ``module.name`` (a function the pipeline calls) into ``into[label]``."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into[label] = into.get(label, 0.0) + time.perf_counter() - started

    setattr(module, name, wrapper)
    try:
        yield
    finally:
        setattr(module, name, original)


def measure_once(path: str) -> dict[str, float]:
    """One pass over every local step; seconds per step."""
    from transcript_judge import analysis
    from transcript_judge.analysis import run_analysis
    from transcript_judge.ingest import read_transcript
    from transcript_judge.llm.fake import FakeLLM
    from transcript_judge.planning import AnalysisSettings, plan_analysis
    from transcript_judge.report import render
    from transcript_judge.roles import assign_roles
    from transcript_judge.rubric import load_rubric

    t: dict[str, float] = {}
    inner: dict[str, float] = {}
    mark = time.perf_counter()

    def step(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        t[name] = now - mark
        mark = now

    transcript = read_transcript(path)
    step("parse")
    roles = assign_roles(transcript)
    step("roles")
    rubric = load_rubric()
    plan = plan_analysis(transcript, roles, rubric, AnalysisSettings())
    step("plan (tokens + chunks)")
    plan.first_requests()
    step("build prompts")
    checks = getattr(analysis, "_transcript_checks", None)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_timed(analysis, "ground_quote", inner, "  of which grounding"))
        if checks is not None:  # they run during the calls: off the critical path (timed below)
            stack.callback(setattr, analysis, "_transcript_checks", checks)
            analysis._transcript_checks = lambda plan: ([], None)
        mark = time.perf_counter()
        result = asyncio.run(run_analysis(plan, FakeLLM(_responder), source_name=Path(path).name))
        step("analysis, model excluded")
    t.update(inner)
    for fmt in ("json", "md", "html"):
        render(result.report, fmt, turns=transcript.turns)  # type: ignore[arg-type]
    step("render json + md + html")
    t["total"] = sum(v for k, v in t.items() if not k.startswith(" "))
    if checks is not None:
        started = time.perf_counter()
        checks(plan)
        t["transcript checks (on a thread, during the calls)"] = time.perf_counter() - started
    c = result.report.coverage
    t["chunks"] = c.chunks_total
    t["quotes"] = c.quotes_grounded + c.quotes_rejected
    t["grounded"] = c.quotes_grounded
    t["turns"] = len(transcript.turns)
    return t


def _grounding_only(path: str) -> float:
    """The grounding step alone (warm): every quote of the fake's answers checked again."""
    from transcript_judge.grounding import ground_quote
    from transcript_judge.ingest import read_transcript
    from transcript_judge.planning import AnalysisSettings, plan_analysis
    from transcript_judge.roles import assign_roles
    from transcript_judge.rubric import load_rubric

    transcript = read_transcript(path)
    plan = plan_analysis(transcript, assign_roles(transcript), load_rubric(), AnalysisSettings())
    checks = []
    for chunk, request in zip(plan.chunks, plan.first_requests(), strict=True):
        answer = json.loads(_responder(request).content)
        checks += [(q["turn"], q["text"], chunk.lines) for a in answer.values() for q in a["evidence"]]
    started = time.perf_counter()
    for turn, text, lines in checks:
        ground_quote(turn, text, lines)
    return time.perf_counter() - started


def _child(paths: list[str], profile: bool) -> None:
    import transcript_judge.analysis  # imports are start-up, not overhead
    import transcript_judge.report  # noqa: F401

    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        measure_once(paths[0])
        profiler.stop()
        print(json.dumps({"profile": profiler.output_text(unicode=False, color=False)}))
        return
    cold = measure_once(paths[0])
    warm = [measure_once(p) for p in paths[1:]]
    grounding = _grounding_only(paths[0])
    print(json.dumps({"cold": cold, "warm": warm, "grounding": grounding}))


def _run_child(paths: list[Path], profile: bool = False) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    args = [sys.executable, "-m", "benchmarks.overhead", "--child", *map(str, paths)]
    args += ["--profile"] if profile else []
    out = subprocess.run(args, capture_output=True, text=True, cwd=root, check=True, timeout=600)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _trim_profile(text: str, max_lines: int = 45) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("_", "/"))]
    return "\n".join(lines[:max_lines])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        _child(a.child, a.profile)
        return 0
    from .synth import write_interview

    path = write_interview(MINUTES)
    others = [write_interview(MINUTES, seed=seed) for seed in range(1, 6)]
    runs = [_run_child([path, *others]) for _ in range(COLD_RUNS)]
    data = sorted(runs, key=lambda d: d["cold"]["total"])[COLD_RUNS // 2]  # the median cold run
    cold, warm = data["cold"], data["warm"]
    skip = ("total", "chunks", "quotes", "grounded", "turns")
    steps = [k for k in cold if k not in skip and not k.startswith("transcript checks")]
    rows = [[k, f"{cold[k]:.3f}", f"{statistics.median(w[k] for w in warm):.3f}"] for k in steps]
    warm_total = statistics.median(w["total"] for w in warm)
    rows.append(["**critical path**", f"**{cold['total']:.3f}**", f"**{warm_total:.3f}**"])
    checks_key = next((k for k in cold if k.startswith("transcript checks")), None)
    checks_cold = cold.get(checks_key, 0.0) if checks_key else 0.0
    if checks_key:
        rows.append([checks_key, f"{checks_cold:.3f}", f"{statistics.median(w[checks_key] for w in warm):.3f}"])
    verdict_cold = "met" if cold["total"] < TARGET_S else "MISSED"
    verdict_warm = "met" if warm_total < TARGET_S else "MISSED"
    profile = ""
    if cold["total"] >= TARGET_S:
        profile = _trim_profile(_run_child([path], profile=True)["profile"])
    miss = ""
    if cold["total"] >= TARGET_S:
        miss = f"""
**Why the cold run misses, and what it would take.** Warm, the same work takes
{warm_total:.2f} s; the cold run also pays first-use costs: tiktoken building its encoder (most of
"plan"), jinja compiling the templates, pydantic building validators. The profile below shows
where the rest goes. Loading the tokenizer on a thread while the transcript is read and parsed
would overlap the largest of them.
"""
    summary = [
        ("4. local overhead, 3 h, cold (one analyse run), critical path", f"< {TARGET_S:.0f} s",
         f"{cold['total']:.2f} s", verdict_cold),
        ("4. local overhead, 3 h, warm (long-running process), critical path", f"< {TARGET_S:.0f} s",
         f"{warm_total:.2f} s", verdict_warm),
        ("4. transcript checks, cold (overlapped with the calls)", "report", f"{checks_cold:.2f} s", "-"),
    ]  # fmt: skip
    body = f"""**Target: under {TARGET_S:.0f} s. Cold (one `analyse` run): {cold["total"]:.2f} s — {verdict_cold}.
Warm (a long-running process, five other interviews, median): {warm_total:.2f} s — {verdict_warm}.**
{miss}
A {MINUTES}-minute interview ({path.stat().st_size:,} bytes of WebVTT, {int(cold["turns"])} turns,
{int(cold["chunks"])} chunks), {int(cold["quotes"])} quotes to ground ({int(cold["grounded"])} kept).

{table(["step", "cold (s)", "warm (s)"], rows)}

"analysis, model excluded" is `run_analysis` against an instant fake: prompt rendering,
validation, grounding, aggregation and the report. Grounding alone, for the same
{int(cold["quotes"])} quotes again (warm): {data["grounding"] * 1000:.1f} ms. The transcript checks
(language detection and the injection scan) run on a thread while the model calls are in
flight, so they add nothing to the wall time of a real run unless they take longer than the
calls; the first language detection in a process loads langdetect's 55 profiles, hence the
cold figure.
"""
    if profile:
        body += f"""
Profile of the cold run (pyinstrument; `python -m benchmarks.overhead` prints it when cold
is over the target):

```
{profile}
```
"""
    print(body)
    write_section("overhead", "4. Local overhead", "python -m benchmarks.overhead", body, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
