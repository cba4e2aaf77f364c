"""Benchmark 3: evaluation throughput — 100 cases x 3 repeats.

The dataset: the labelled cases of ``evals/dev`` plus synthetic interviews of 5 to 45
minutes (``benchmarks.synth``) up to 100 cases, written to ``benchmarks/out/evalset/``.

In one run:

1. live, recording: ``transcript-judge eval --record`` against the simulator,
   ``--concurrency 16`` (what a team does once per prompt change);
2. replay: ``transcript-judge eval --replay`` from those recordings — no model at all;
   the CLI process end to end, and the harness alone in this process (``run_eval`` with a
   ``ReplayLLM``). Target: under 10 s;
3. live again with ``--concurrency 1`` and ``4``;
4. the same 300 analyses through the Batch API (``transcript_judge.batch.run_batch``)
   against the simulator's Batch API: one upload, one batch, cost at batch prices.

Simulator: 0.2 s per call + 0.3 ms per completion token (about 0.4 s a call).

Run:  python -m benchmarks.eval_throughput          (about five minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from transcript_judge.batch import BatchJob, BatchSettings, run_batch
from transcript_judge.evaluation.dataset import load_dataset
from transcript_judge.evaluation.recording import ReplayLLM
from transcript_judge.evaluation.runner import EvalSettings, run_eval
from transcript_judge.llm.openai_client import ClientSettings
from transcript_judge.planning import AnalysisSettings, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric

from ._common import MODEL, table, write_section
from .simulator import SimConfig, SimulatorProcess
from .synth import generate_turns, interview_text

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
DATASET = OUT / "evalset"
RECORDINGS = OUT / "eval_recordings"
CASES, REPEATS = 100, 3
TARGET_S = 10.0
SIM = {"latency_s": 0.2, "per_token_s": 0.0003}


def build_dataset(cases: int = CASES) -> Path:
    """evals/dev's cases, then synthetic ones, up to ``cases``. Rewritten every time."""
    rubric = load_rubric()
    if DATASET.exists():
        shutil.rmtree(DATASET)
    (DATASET / "transcripts").mkdir(parents=True)
    lines: list[dict[str, Any]] = []
    dev = ROOT / "evals" / "dev"
    if (dev / "dataset.jsonl").is_file():
        for raw in (dev / "dataset.jsonl").read_text(encoding="utf-8").splitlines():
            if raw.strip() and len(lines) < cases:
                case = json.loads(raw)
                shutil.copy(dev / case["transcript"], DATASET / case["transcript"])
                lines.append(case)
    rng = random.Random(7)
    n = 0
    while len(lines) < cases:
        n += 1
        minutes = rng.choice([5, 10, 15, 20, 30, 45])
        turns = generate_turns(minutes, speakers=rng.choice([2, 3]), seed=1000 + n)
        words: dict[str, int] = {}
        for t in turns:
            words[t.speaker] = words.get(t.speaker, 0) + len(t.text.split())
        fmt = "vtt" if n % 2 else "txt"
        name = f"transcripts/s{n:03d}.{fmt}"
        (DATASET / name).write_text(interview_text(turns, fmt), encoding="utf-8")
        lines.append({
            "id": f"s{n:03d}",
            "transcript": name,
            "candidate": max(words, key=lambda s: words[s]),
            "labels": {cid: rng.random() < 0.3 for cid in rubric.ids},
        })  # fmt: skip
    (DATASET / "dataset.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return DATASET


def _env(home: str) -> dict[str, str]:
    env = {**os.environ, "TJ_HOME": home, "XDG_CONFIG_HOME": home, "TJ_API_KEY": "sk-simulator"}
    env.pop("TJ_CONFIG", None)
    return env


def eval_cli(*args: str) -> float:
    """Wall time of one ``transcript-judge eval`` process."""
    exe = Path(sys.executable).with_name("transcript-judge")
    with tempfile.TemporaryDirectory() as home:
        cmd = [str(exe), "eval", "--dataset", str(DATASET), "--repeats", str(REPEATS), "--no-gate", *args]
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=_env(home), capture_output=True, text=True, cwd=ROOT, timeout=3600)
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"eval failed ({proc.returncode}): {proc.stderr[-800:]}{proc.stdout[-800:]}")
    return wall


async def harness_replay() -> tuple[float, int, int]:
    """``run_eval`` over the recordings in this process: the harness, no CLI, no scoring."""
    rubric = load_rubric()
    dataset = load_dataset(DATASET, rubric)
    settings = EvalSettings(analysis=AnalysisSettings(model=MODEL), repeats=REPEATS, concurrency=4)
    replay = ReplayLLM(RECORDINGS)
    started = time.perf_counter()
    runs = await run_eval(dataset, rubric, settings, replay)
    return time.perf_counter() - started, len(runs), sum(r.status == "ok" for r in runs)


async def batch_run(base_url: str) -> dict[str, Any]:
    rubric = load_rubric()
    dataset = load_dataset(DATASET, rubric)
    jobs = []
    for case in dataset.cases:
        transcript = dataset.transcripts[case.id]
        plan = plan_analysis(transcript, assign_roles(transcript), rubric, AnalysisSettings(model=MODEL))
        jobs += [BatchJob(plan, case.transcript, repeat_index=r) for r in range(REPEATS)]
    rounds: set[str] = set()
    started = time.perf_counter()
    results = await run_batch(
        jobs,
        ClientSettings(model=MODEL, base_url=base_url, api_key="sk-simulator"),
        settings=BatchSettings(poll_interval_s=0.5, max_poll_interval_s=2.0, state_dir=OUT / "batch_state"),
        on_progress=lambda p: rounds.add(p.batch_id or ""),
    )
    wall = time.perf_counter() - started
    reports = [r.report for r in results if not isinstance(r, Exception)]
    return {
        "wall": wall,
        "ok": sum(not r.partial for r in reports),
        "analyses": len(jobs),
        "batches": len(rounds - {""}),
        "calls": sum(r.usage.calls for r in reports),
        "cost": sum(r.usage.estimated_cost_usd or 0.0 for r in reports),
    }


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    build_dataset()
    if RECORDINGS.exists():
        shutil.rmtree(RECORDINGS)
    rows = []
    n = CASES * REPEATS
    with SimulatorProcess(SimConfig(**SIM, batch_seconds=5.0)) as sim:  # type: ignore[arg-type]
        sim.reset()
        wall = eval_cli("--base-url", sim.base_url, "--concurrency", "16", "--record", str(RECORDINGS))
        calls = sim.stats()["ok"]
        rows.append(["live, recording", "16", f"{wall:.1f}", f"{n / wall:.1f}", calls, ""])
        replay_cli = statistics.median(eval_cli("--replay", str(RECORDINGS)) for _ in range(3))
        harness, runs, ok = asyncio.run(harness_replay())
        verdict = "met" if replay_cli < TARGET_S else "MISSED"
        rows.append(["replay (CLI process)", "4", f"{replay_cli:.1f}", f"{n / replay_cli:.1f}", 0,
                     f"< {TARGET_S:.0f} s: {verdict}"])  # fmt: skip
        rows.append(["replay (harness only, in-process)", "4", f"{harness:.1f}", f"{runs / harness:.1f}", 0,
                     f"{ok}/{runs} runs ok"])  # fmt: skip
        for conc in ("1", "4", "16"):
            sim.reset()
            wall = eval_cli("--base-url", sim.base_url, "--concurrency", conc)
            rows.append([f"live, --concurrency {conc}", conc, f"{wall:.1f}", f"{n / wall:.1f}",
                         sim.stats()["ok"], ""])  # fmt: skip
        sim.reset()
        b = asyncio.run(batch_run(sim.base_url))
    rows.append(["Batch API (run_batch)", "-", f"{b['wall']:.1f}", f"{b['analyses'] / b['wall']:.1f}", b["calls"],
                 f"{b['batches']} batch, {b['ok']}/{b['analyses']} ok, ${b['cost']:.3f} at batch prices"])  # fmt: skip
    for row in rows:  # cases/s: each case is analysed REPEATS times
        row.insert(4, f"{float(row[3]) / REPEATS:.1f}")
    miss = ""
    if replay_cli >= TARGET_S:
        miss = f"""
**Why the replay misses, and what it would take.** Replaying needs no model, so the run is
pure local work: {harness / n * 1000:.0f} ms per analysis on this machine ({harness:.1f} s for the
harness), plus start-up, loading and checking the dataset, a pre-flight pass that builds every
request to check the recordings, and scoring with bootstrap intervals. Profile the harness
(`pyinstrument -m benchmarks.eval_throughput` or `run_eval` with a `ReplayLLM`) for what
dominates now; work that depends only on a transcript should be done once per transcript, not
once per repeat.
"""
    summary = [
        ("3. eval replay, 100 x 3, CLI process", f"< {TARGET_S:.0f} s", f"{replay_cli:.1f} s", verdict),
        ("3. eval live, --concurrency 1 / 4 / 16", "report",
         " / ".join(r[2] + " s" for r in rows if r[0].startswith("live, --")), "-"),
        ("3. eval through the Batch API", "report", f"{b['wall']:.1f} s, ${b['cost']:.3f}", "-"),
    ]  # fmt: skip
    body = f"""**Target: {CASES} cases x {REPEATS} repeats replayed in under {TARGET_S:.0f} s: {replay_cli:.1f} s
(the whole `transcript-judge eval --replay` process, median of 3) — {verdict}.**
{miss}
Dataset: `benchmarks/out/evalset/` — the cases of `evals/dev` plus synthetic interviews of 5 to
45 minutes up to {CASES} cases ({n} analyses). Simulator: {SIM["latency_s"]} s per call +
{SIM["per_token_s"] * 1000:.1f} ms per completion token; its Batch API completes a batch in 5 s.

{table(["run", "concurrency", "wall (s)", "analyses/s", "cases/s", "model calls", ""], rows)}

"replay (CLI process)" is `transcript-judge eval --dataset benchmarks/out/evalset --replay
benchmarks/out/eval_recordings --repeats 3 --no-gate`: Python start-up, loading and checking
the dataset, every analysis, scoring with bootstrap intervals, the report. "harness only" is
`run_eval` with a `ReplayLLM` in this process. "cases/s" counts a case once for its three
repeats. Live runs are bounded by the simulator's latency at low concurrency and by this
2-core machine's CPU (the local work of each analysis, see benchmark 4) at high concurrency.
The Batch API row runs the same 300 analyses through `transcript_judge.batch.run_batch`: one
upload, one batch, results mapped back to every chunk, cost at batch prices (the same 312
requests synchronously cost twice as much).
"""
    print(body)
    write_section("eval", "3. Evaluation throughput", "python -m benchmarks.eval_throughput", body, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
