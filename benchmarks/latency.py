"""Benchmark 2: latency of one analysis, against the floor and against sequential calls.

A 60-minute interview at default settings, through the real client, against the simulator
with a per-call latency L. In the same run:

- floor: one call's latency (the slowest chunk's call, measured alone);
- sequential: ``--concurrency 1``;
- ours, cold: the first analysis in a fresh process (imports done, nothing warmed up),
  which is what every ``transcript-judge analyse`` run pays; read + roles + plan + calls +
  grounding + report rendered;
- ours, warm: the same, a second time in the same process;
- ours, cold, proposed: cold, with langdetect's profiles loaded in a thread while the
  calls are in flight (the change recommended in RESULTS.md);
- CLI: ``transcript-judge analyse FILE --base-url ... -o report.json``, the whole process.

Target: wall <= 1.3 x L + 0.5 s with default concurrency.

Then the simulator's concurrency limit (429 + Retry-After): many chunks, more concurrency
than the server allows. The run must complete with no failed chunk and no retry storm: we
count 429s, the SDK's retries, and when they happened.

Run:  python -m benchmarks.latency          (about two minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from transcript_judge.analysis import AnalysisSettings, plan_analysis, run_analysis
from transcript_judge.chunking import ChunkingSettings
from transcript_judge.ingest import read_transcript
from transcript_judge.llm.base import LLM
from transcript_judge.report import render
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric

from ._common import load_interview, simulator_llm, table, write_section
from .proposals import GatedLLM, language_detection_during_calls
from .simulator import SimConfig, SimulatorProcess, iter_events

PROFILES = {
    "L = 2 s (fixed)": {"latency_s": 2.0, "per_token_s": 0.0},
    "L = 0.5 s + 10 ms/token": {"latency_s": 0.5, "per_token_s": 0.010},
}


# ---------------------------------------------------------------- one analysis, in a child process


async def _analyse_file(path: str, base_url: str, settings: AnalysisSettings, proposed: bool) -> dict[str, Any]:
    with language_detection_during_calls() if proposed else contextlib.nullcontext() as on_event:
        started = time.perf_counter()
        transcript = read_transcript(path)
        roles = assign_roles(transcript)
        plan = plan_analysis(transcript, roles, load_rubric(), settings)
        llm = simulator_llm(base_url)
        try:
            result = await run_analysis(plan, llm, source_name=Path(path).name, on_event=on_event)
        finally:
            await llm.aclose()
        render(result.report, "json", turns=transcript.turns)
        wall = time.perf_counter() - started
    r = result.report
    return {
        "wall": wall, "calls": r.usage.calls, "retries": r.usage.retries, "failed": r.coverage.chunks_failed,
        "chunks": r.coverage.chunks_total, "latencies": [o.latency_s for o in result.outcomes],
        "language": r.language,
    }


def _child(args: dict[str, Any]) -> None:
    import openai  # noqa: F401 - imports are startup, not the analysis: done before timing

    settings = AnalysisSettings(
        concurrency=args["concurrency"], chunking=ChunkingSettings(chunk_tokens=args["chunk_tokens"])
    )
    out = []
    for _ in range(args["runs"]):
        out.append(asyncio.run(_analyse_file(args["path"], args["base_url"], settings, args["proposed"])))
    print(json.dumps(out))


def child_runs(path: Path, base_url: str, *, runs: int = 1, concurrency: int = 4, chunk_tokens: int = 8000,
               proposed: bool = False) -> list[dict[str, Any]]:
    spec = {"path": str(path), "base_url": base_url, "runs": runs, "concurrency": concurrency,
            "chunk_tokens": chunk_tokens, "proposed": proposed}
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "benchmarks.latency", "--child", json.dumps(spec)],
                         capture_output=True, text=True, cwd=root, check=True, timeout=900)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def cli_wall(path: Path, base_url: str) -> float:
    exe = Path(sys.executable).with_name("transcript-judge")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TJ_HOME": tmp, "XDG_CONFIG_HOME": tmp, "TJ_API_KEY": "sk-simulator"}
        env.pop("TJ_CONFIG", None)
        started = time.perf_counter()
        proc = subprocess.run([str(exe), "analyse", str(path), "--base-url", base_url, "-o",
                               str(Path(tmp) / "r.json"), "--quiet"], env=env, capture_output=True, text=True,
                              timeout=900)
        wall = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"analyse failed ({proc.returncode}): {proc.stderr[-500:]}")
    return wall


# ---------------------------------------------------------------- the benchmark


def latency_table(sim: SimulatorProcess, minutes: int = 60) -> tuple[str, list[str]]:
    path = load_interview(minutes).path
    rows, verdicts = [], []
    for name, profile in PROFILES.items():
        sim.reset(**profile)
        seq = child_runs(path, sim.base_url, concurrency=1)[0]
        floor = max(seq["latencies"])
        cold_warm = child_runs(path, sim.base_url, runs=2)
        cold, warm = cold_warm
        proposed = child_runs(path, sim.base_url, proposed=True)[0]
        cli = cli_wall(path, sim.base_url)
        target = 1.3 * floor + 0.5
        for label, value in (("sequential (concurrency 1)", seq["wall"]), ("ours, cold", cold["wall"]),
                             ("ours, warm", warm["wall"]), ("ours, cold, proposed", proposed["wall"]),
                             ("CLI process, end to end", cli)):
            ok = "" if label.startswith(("sequential", "CLI")) else ("met" if value <= target else "MISSED")
            rows.append([name, cold["chunks"], f"{floor:.2f}", f"{target:.2f}", label, f"{value:.2f}",
                         f"{value / floor:.2f}", f"{value - floor:+.2f}", ok])
        verdicts.append(f"{name}: cold {cold['wall']:.2f} s, warm {warm['wall']:.2f} s, proposed "
                        f"{proposed['wall']:.2f} s vs target {target:.2f} s")
    headers = ["per-call latency", "chunks", "floor L (s)", "target 1.3L+0.5", "run", "wall (s)", "x floor",
               "over floor (s)", "target"]
    return table(headers, rows), verdicts


async def _rate_limited_run(base_url: str, minutes: int, chunk_tokens: int, concurrency: int,
                            proposed: bool) -> dict[str, Any]:
    loaded = load_interview(minutes)
    settings = AnalysisSettings(concurrency=concurrency, chunking=ChunkingSettings(chunk_tokens=chunk_tokens))
    plan = loaded.plan(settings)
    client = simulator_llm(base_url, max_retries=0 if proposed else 4)
    llm: LLM = GatedLLM(client, concurrency) if proposed else client
    started = time.perf_counter()
    try:
        result = await run_analysis(plan, llm, source_name=loaded.path.name)
    finally:
        await client.aclose()
    r = result.report
    return {"wall": time.perf_counter() - started, "chunks": r.coverage.chunks_total,
            "failed": r.coverage.chunks_failed, "retries": r.usage.retries, "calls": r.usage.calls}


def rate_limit_table(sim: SimulatorProcess) -> str:
    rows = []
    scenarios = [
        # (server limit, client concurrency, minutes, chunk_tokens)
        (2, 4, 120, 4000),
        (2, 16, 120, 2000),
        (1, 16, 120, 2000),
    ]
    latency = 1.0
    for limit, conc, minutes, size in scenarios:
        for proposed in (False, True):
            sim.reset(latency_s=latency, per_token_s=0.0, max_concurrency=limit)
            run = asyncio.run(_rate_limited_run(sim.base_url, minutes, size, conc, proposed))
            stats = sim.stats()
            rejected = [t for t, status, _ in iter_events(stats) if status == 429]
            half = run["wall"] / 2
            early = sum(1 for t in rejected if t < half)
            ideal = -(-run["chunks"] // limit) * latency
            rows.append([
                limit, conc, f"{minutes} min / {size}", "proposed" if proposed else "current", run["chunks"],
                run["failed"], stats["rejected_429"], f"{early} / {len(rejected) - early}",
                stats["max_inflight"], f"{ideal:.1f}", f"{run['wall']:.1f}",
            ])
    sim.reset(max_concurrency=0)
    return table(["server limit", "client concurrency", "interview / chunk_tokens", "client", "chunks",
                  "failed chunks", "429s (= retries)", "429s 1st / 2nd half", "max in flight", "ideal wall (s)",
                  "wall (s)"], rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        _child(json.loads(a.child))
        return 0
    with SimulatorProcess(SimConfig()) as sim:
        lat, verdicts = latency_table(sim)
        rl = rate_limit_table(sim)
    body = f"""**Target: wall <= 1.3 x L + 0.5 s with default concurrency (4).**

{chr(10).join("- " + v for v in verdicts)}

### 60-minute interview, default settings

{lat}

"floor L" is the slowest chunk's call on its own (client-side, from the sequential run).
"cold" is the first analysis in a fresh process after imports (what one `analyse` run
pays), "warm" the second one in the same process. "proposed" is cold with langdetect's
language profiles loaded on a thread while the calls are in flight. "CLI" is the whole
`transcript-judge analyse` process, Python start-up and imports included.

### Under the simulator's concurrency limit (429 + Retry-After), L = 1 s

{rl}

"ideal wall" is ceil(chunks / limit) x L: the server's own limit, with no time lost.
"429s 1st / 2nd half": rejections in the first and second half of the run.
"""
    print(body)
    write_section("latency", "2. Latency", "python -m benchmarks.latency", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
