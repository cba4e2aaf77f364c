"""Is the pipeline worth it? The tool and a naive peer, same real model, same dev cases.

Against a running OpenAI-compatible server (``scripts/live-local start`` serves
Qwen2.5-Coder-1.5B-Instruct through llama-cpp-python), on the same dev cases:

- **transcript-judge**: ``transcript-judge eval --tagger llm,lexical`` on a subset of
  ``evals/dev`` (fresh store, so nothing comes from a cache), which also gives the
  keyword baseline in the same run;
- **a naive peer**: the whole transcript and the rubric (ids and definitions) in one
  prompt, one boolean per criterion out, in JSON mode with the schema attached (the
  best this server offers), no chunking, no grounding, no re-ask.

It prints macro-F1, failed cases, seconds per case and tokens for both, and appends the
table to ``benchmarks/RESULTS.md`` with ``--write``.

    python -m benchmarks.real_model --base-url http://127.0.0.1:8765/v1 --model qwen-coder-1.5b --cases 6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from transcript_judge.evaluation.metrics import macro_f1, per_criterion
from transcript_judge.rubric import load_rubric

from ._common import RESULTS, machine, now, table

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "evals" / "dev"
#: Two easy, two medium, two hard (evals/dev/README.md), then more in dataset order.
DEFAULT_IDS = ("c01", "c11", "c26", "c30", "c17", "c21", "c03", "c28", "c29", "c05", "c09", "c14")


def _subset(ids: list[str], folder: Path) -> list[dict[str, Any]]:
    cases = {c["id"]: c for c in (json.loads(x) for x in (DEV / "dataset.jsonl").read_text().splitlines() if x.strip())}
    chosen = [cases[i] for i in ids if i in cases]
    (folder / "transcripts").mkdir(parents=True, exist_ok=True)
    for c in chosen:
        (folder / c["transcript"]).write_bytes((DEV / c["transcript"]).read_bytes())
    (folder / "dataset.jsonl").write_text("".join(json.dumps(c) + "\n" for c in chosen), encoding="utf-8")
    return chosen


def run_tool(folder: Path, base_url: str, model: str, extra: list[str]) -> dict[str, Any]:
    out = folder / "eval.json"
    env = {**os.environ, "TJ_HOME": str(folder / "home"), "TJ_TIMEOUT": "900"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "transcript_judge", "eval", "--dataset", str(folder), "--base-url", base_url,
         "--model", model, "--tagger", "llm,lexical", "--no-gate", "--concurrency", "1", "-o", str(out), *extra],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    if done.returncode not in (0, 11):
        raise SystemExit(f"eval failed ({done.returncode}):\n{done.stderr[-4000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    report["_wall_s"] = wall
    return report


_NAIVE_SYSTEM = (
    "You review a job interview for an AI systems architect role. For each criterion, answer true if the "
    "CANDIDATE clearly shows it in the transcript, else false. Answer with one JSON object of booleans."
)


def run_naive(cases: list[dict[str, Any]], base_url: str, model: str) -> dict[str, Any]:
    rubric = load_rubric()
    criteria = "\n".join(f"- {c.id} ({c.kind.replace('_', ' ')}): {c.definition}" for c in rubric.criteria)
    schema = {
        "type": "object",
        "properties": {cid: {"type": "boolean"} for cid in rubric.ids},
        "required": list(rubric.ids),
        "additionalProperties": False,
    }
    labels, predictions, failures = [], [], {}
    seconds, prompt_tokens, completion_tokens = [], 0, 0
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(900.0, connect=10.0)) as client:
        for case in cases:
            transcript = (DEV / case["transcript"]).read_text(encoding="utf-8")
            body = {
                "model": model,
                "messages": [
                    {"role": "system", "content": _NAIVE_SYSTEM},
                    {"role": "user", "content": f"Criteria:\n{criteria}\n\nThe candidate is {case['candidate']}."
                     f"\n\nTranscript:\n{transcript}"},
                ],
                "temperature": 0.0,
                "max_tokens": 400,
                "response_format": {"type": "json_object", "schema": schema},
            }  # fmt: skip
            started = time.monotonic()
            try:
                r = client.post("/chat/completions", json=body)
                r.raise_for_status()
                data = r.json()
                answer = json.loads(data["choices"][0]["message"]["content"])
                pred = {cid: answer.get(cid) is True for cid in rubric.ids}
                usage = data.get("usage") or {}
                prompt_tokens += int(usage.get("prompt_tokens") or 0)
                completion_tokens += int(usage.get("completion_tokens") or 0)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as e:
                failures[case["id"]] = f"{type(e).__name__}: {e}"[:200]
                continue
            finally:
                seconds.append(time.monotonic() - started)
            labels.append(case["labels"])
            predictions.append(pred)
    conf = per_criterion(labels, predictions, rubric.ids)
    return {
        "macro_f1": macro_f1(conf),
        "cases_scored": len(predictions),
        "cases_failed": len(failures),
        "failures": failures,
        "seconds": seconds,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
    }


def _ci(t: dict[str, Any]) -> str:
    low, high = t.get("macro_f1_low"), t.get("macro_f1_high")
    return "-" if low is None or high is None else f"[{low:.2f}, {high:.2f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", default=os.environ.get("TJ_BASE_URL", "http://127.0.0.1:8765/v1"))
    ap.add_argument("--model", default=os.environ.get("TJ_MODEL", "qwen-coder-1.5b"))
    ap.add_argument("--cases", type=int, default=6)
    ap.add_argument("--ids", help="Comma-separated case ids (default: a fixed spread of difficulty).")
    ap.add_argument("--modes", default="full,confirm", help="Judge modes of the tool to run (full, confirm).")
    ap.add_argument("--no-naive", action="store_true", help="Skip the naive peer.")
    ap.add_argument("--write", action="store_true", help="Append the result to benchmarks/RESULTS.md.")
    ap.add_argument("--save", type=Path, help="Keep each mode's eval report (eval-MODE.json) and the naive result.")
    args = ap.parse_args()
    ids = args.ids.split(",") if args.ids else list(DEFAULT_IDS[: args.cases])
    with tempfile.TemporaryDirectory(prefix="tj-real-") as tmp:
        folder = Path(tmp)
        cases = _subset(ids, folder)
        naive = None if args.no_naive else run_naive(cases, args.base_url, args.model)
        runs = {}
        for mode in args.modes.split(","):
            runs[mode] = run_tool(folder, args.base_url, args.model, ["--judge-mode", mode])
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"eval-{mode}.json").write_text(json.dumps(runs[mode], indent=1), encoding="utf-8")
        if args.save and naive is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / "naive.json").write_text(json.dumps(naive, indent=1), encoding="utf-8")
    scored: list[tuple[str, dict[str, Any]]] = []
    for mode, tool in runs.items():
        by_tagger = {t["tagger"]: t for t in tool["taggers"]}
        scored.append((f"transcript-judge (llm, judge mode {mode})", by_tagger["llm"]))
    scored.append(("keyword baseline (lexical)", by_tagger["lexical"]))
    rows = []
    for name, t in scored:
        n = max(1, t["cases_total"])
        rows.append([
            name, t["macro_f1"], _ci(t), t["cases_failed"],
            round(t["wall_s"] / n, 1), t["prompt_tokens"], t["completion_tokens"],
        ])  # fmt: skip
    if naive is not None:
        rows.append([
            "naive one-prompt peer", naive["macro_f1"], "-", naive["cases_failed"],
            round(sum(naive["seconds"]) / max(1, len(naive["seconds"])), 1), naive["prompt_tokens"],
            naive["completion_tokens"],
        ])  # fmt: skip
    headers = ["tagger", "macro-F1", "95% CI", "failed cases", "s per case", "prompt tokens", "completion tokens"]
    text = table(headers, rows)
    header = (
        f"## Real model: transcript-judge vs a naive peer ({now()})\n\n"
        f"Model `{args.model}` at {args.base_url}; cases {', '.join(c['id'] for c in cases)}; {machine()}.\n"
        f"Command: `python -m benchmarks.real_model {('--ids ' + args.ids) if args.ids else f'--cases {len(cases)}'}"
        f" --modes {args.modes}`\n\n"
    )
    print(header + text)
    if naive is not None and naive["failures"]:
        print("naive failures:", naive["failures"])
    for name, t in scored:
        if t["failures"]:
            print(f"{name} failures:", t["failures"])
        kappas = [c["kappa"] for c in t["criteria"] if c.get("kappa") is not None]
        shown = [sum(1 for v in case["predicted"].values() if v) for case in t["cases"] if case["scored"]]
        identical = t.get("identical_verdict_cases", 0)
        cal = t.get("calibration") or {}
        print(
            f"{name}: mean kappa {sum(kappas) / max(1, len(kappas)):.2f}; criteria shown per case {shown}; "
            f"all 11 verdicts identical in {identical} case(s); grounded share {t['quotes_grounded_share']}; "
            f"ECE {cal.get('ece')}, Brier {cal.get('brier')}"
        )
    if args.write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + header + text + "\n")


if __name__ == "__main__":
    main()
