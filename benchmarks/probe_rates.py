"""Probe detection: precision and recall of "which probes did the interviewer ask".

Two sets, both labelled without reading the detector's cues:

- ``--heldout FILE.jsonl`` (default ``evals/heldout/probes/cases.jsonl``): short exchanges,
  one JSON object a line: ``interviewer`` (one turn), optional ``candidate``, and
  ``probes`` (the ids the interviewer's turn asks).
- ``--dataset DIR`` (default ``evals/dev``): whole interviews with ``probes`` labels.

Each is scored in the same run by the shipped cue detector (:func:`transcript_judge.probes.find_probes`:
a cue in a sentence that *asks*) and a naive baseline (a cue anywhere in an interviewer's
turn, asked or not), so the number says what the "does it ask?" rule buys; with
``--model``, also by the model (:func:`transcript_judge.probe_judge.detect_with_model`,
against the server configured as for ``analyse``: ``TJ_BASE_URL``, ``TJ_MODEL``), with
its seconds and tokens.

Run: ``python -m benchmarks.probe_rates [-v] [--model]`` (``-v`` lists every miss and false alarm).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from transcript_judge.evaluation.dataset import load_dataset
from transcript_judge.lexical import cue_pattern
from transcript_judge.probes import find_probes, is_interviewer
from transcript_judge.roles import RoleAssignment, assign_roles
from transcript_judge.rubric import Probe, Rubric, load_rubric
from transcript_judge.transcript import Turn

ROOT = Path(__file__).resolve().parents[1]
Detector = Callable[[Sequence[Turn], RoleAssignment, Sequence[Probe]], set[str]]


def shipped(turns: Sequence[Turn], roles: RoleAssignment, probes: Sequence[Probe]) -> set[str]:
    return {p.probe_id for p in find_probes(turns, roles, probes)}


def naive(turns: Sequence[Turn], roles: RoleAssignment, probes: Sequence[Probe]) -> set[str]:
    """A cue anywhere in an interviewer's turn, whether or not it asks anything."""
    found: set[str] = set()
    for turn in turns:
        if is_interviewer(turn, roles):
            found |= {p.id for p in probes if (pat := cue_pattern(tuple(p.cues))) and pat.search(turn.text)}
    return found


Case = tuple[str, Sequence[Turn], RoleAssignment, set[str]]


def heldout_cases(path: Path) -> list[Case]:
    out: list[Case] = []
    roles = RoleAssignment(candidate="C", interviewers=["I"], method="given", reason="benchmark", confidence=1.0)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        turns = [Turn(index=0, speaker="I", text=row["interviewer"])]
        if row.get("candidate"):
            turns.append(Turn(index=1, speaker="C", text=row["candidate"]))
        out.append((str(row["id"]), turns, roles, set(row.get("probes") or [])))
    return out


def dataset_cases(root: Path, rubric: Rubric) -> list[Case]:
    dataset = load_dataset(root, rubric, fail_fast=False)
    out: list[Case] = []
    for case in dataset.cases:
        transcript = dataset.transcripts.get(case.id)
        if transcript is None or case.probes is None:
            continue
        roles = assign_roles(transcript, candidate=case.candidate)
        out.append((case.id, transcript.turns, roles, set(case.probes)))
    return out


def score(cases: Iterable[Case], probes: Sequence[Probe], detect: Detector) -> tuple[int, int, int, list[str]]:
    tp = fp = fn = 0
    notes: list[str] = []
    for cid, turns, roles, asked in cases:
        got = detect(turns, roles, probes)
        tp += len(got & asked)
        fp += len(got - asked)
        fn += len(asked - got)
        notes += [f"{cid}: missed {p}" for p in sorted(asked - got)]
        notes += [f"{cid}: false alarm {p}" for p in sorted(got - asked)]
    return tp, fp, fn, notes


def model_detector() -> tuple[Detector, dict[str, float]]:
    """The model's detector (one call per chunk), and the seconds and tokens it spent."""
    import asyncio
    import time

    from transcript_judge.config import resolve_config
    from transcript_judge.llm.factory import build_llm
    from transcript_judge.planning import plan_analysis
    from transcript_judge.probe_judge import detect_with_model
    from transcript_judge.transcript import Transcript

    cfg = resolve_config()
    settings = cfg.analysis_settings()
    rubric = load_rubric()
    spent = {"seconds": 0.0, "prompt_tokens": 0.0, "completion_tokens": 0.0, "calls": 0.0}

    def detect(turns: Sequence[Turn], roles: RoleAssignment, probes: Sequence[Probe]) -> set[str]:
        if not any(t.speaker == roles.candidate for t in turns):  # a plan needs a candidate turn to chunk
            turns = [*turns, Turn(index=len(turns), speaker=roles.candidate, text="Sure.")]
        transcript = Transcript(source_format="benchmark", turns=tuple(turns))
        plan = plan_analysis(transcript, roles, rubric, settings)

        async def go() -> set[str]:
            llm = build_llm(cfg.client)
            try:
                found, usage, calls = await detect_with_model(plan, llm)
            finally:
                await llm.aclose()
            spent["prompt_tokens"] += usage.prompt_tokens
            spent["completion_tokens"] += usage.completion_tokens
            spent["calls"] += calls
            return {a.probe_id for a in found.asked}

        started = time.monotonic()
        out = asyncio.run(go())
        spent["seconds"] += time.monotonic() - started
        return out

    return detect, spent


def _rate(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=Path, default=ROOT / "evals" / "heldout" / "probes" / "cases.jsonl")
    parser.add_argument("--dataset", type=Path, default=ROOT / "evals" / "dev")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--model", action="store_true", help="also the model's detector (a configured server)")
    args = parser.parse_args(argv)
    rubric = load_rubric()
    sets = []
    if args.heldout.is_file():
        sets.append((f"held-out ({args.heldout.parent.name})", heldout_cases(args.heldout)))
    if (args.dataset / "dataset.jsonl").is_file():
        sets.append((f"dataset ({args.dataset.name})", dataset_cases(args.dataset, rubric)))
    print(f"{'set':<24} {'detector':<10} {'cases':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>6}")
    detectors: list[tuple[str, Detector]] = [("shipped", shipped), ("naive", naive)]
    spent: dict[str, float] = {}
    if args.model:
        by_model, spent = model_detector()
        detectors.append(("model", by_model))
    for name, cases in sets:
        for label, detect in detectors:
            tp, fp, fn, notes = score(cases, rubric.probes, detect)
            print(
                f"{name:<24} {label:<10} {len(cases):>5} {tp:>4} {fp:>4} {fn:>4} "
                f"{_rate(tp, tp + fp):>9} {_rate(tp, tp + fn):>6}"
            )
            if args.verbose and label != "naive":
                for note in notes:
                    print(f"    {note}")
    if spent:
        print(
            f"model: {spent['calls']:.0f} calls, {spent['prompt_tokens']:.0f}+{spent['completion_tokens']:.0f} tokens, "
            f"{spent['seconds']:.0f} s in all"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
