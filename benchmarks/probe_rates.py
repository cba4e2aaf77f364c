"""Probe detection: precision and recall of "which probes did the interviewer ask".

Two sets, both labelled without reading the detector's cues:

- ``--heldout FILE.jsonl`` (default ``evals/heldout/probes/cases.jsonl``): short exchanges,
  one JSON object a line: ``interviewer`` (one turn), optional ``candidate``, and
  ``probes`` (the ids the interviewer's turn asks).
- ``--dataset DIR`` (default ``evals/dev``): whole interviews with ``probes`` labels.

Each is scored twice in the same run: the shipped detector (:func:`transcript_judge.probes.find_probes`:
a cue in a sentence that *asks*), and a naive baseline (a cue anywhere in an interviewer's
turn, asked or not), so the number says what the "does it ask?" rule buys.

Run: ``python -m benchmarks.probe_rates [-v]`` (``-v`` lists every miss and false alarm).
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


def _rate(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=Path, default=ROOT / "evals" / "heldout" / "probes" / "cases.jsonl")
    parser.add_argument("--dataset", type=Path, default=ROOT / "evals" / "dev")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    rubric = load_rubric()
    sets = []
    if args.heldout.is_file():
        sets.append((f"held-out ({args.heldout.parent.name})", heldout_cases(args.heldout)))
    if (args.dataset / "dataset.jsonl").is_file():
        sets.append((f"dataset ({args.dataset.name})", dataset_cases(args.dataset, rubric)))
    print(f"{'set':<24} {'detector':<10} {'cases':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>6}")
    for name, cases in sets:
        for label, detect in (("shipped", shipped), ("naive", naive)):
            tp, fp, fn, notes = score(cases, rubric.probes, detect)
            print(
                f"{name:<24} {label:<10} {len(cases):>5} {tp:>4} {fp:>4} {fn:>4} "
                f"{_rate(tp, tp + fp):>9} {_rate(tp, tp + fn):>6}"
            )
            if args.verbose and label == "shipped":
                for note in notes:
                    print(f"    {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
