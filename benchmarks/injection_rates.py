"""Prompt-injection detection rate and false-positive rate, on any set of transcripts.

- ``--cases FILE.jsonl``: attacks, one JSON object a line with at least ``transcript``
  (the text of a transcript file) and optionally ``id``, ``candidate``, ``turn_hint`` (the
  attacked turn). Prints detected/total: a case counts as detected when at least one
  ``prompt_injection`` finding is raised (and, with ``turn_hint``, how many were on that
  turn).
- ``--benign FILE.jsonl | DIR | FILE``: transcripts with no attack (JSONL in the same
  shape, or a directory of transcript files, scanned recursively, or single files).
  Prints flagged/total: a transcript counts as flagged when any finding is raised.
- ``--obedient``: also run every case through the whole pipeline with a model that does
  what the injection asks (:mod:`transcript_judge.testing.obedient`), and count the cases
  that end with a "shown" strength quoting the injected text; of the cases where it found
  something to obey (an injection hidden in invisible characters never reaches the
  model), how many reports carry an ``injection_review`` warning.

Run:
    python -m benchmarks.injection_rates --cases tests/data/injection_fresh/cases.jsonl \\
        --benign tests/data/injection_fresh/benign.jsonl --benign evals/dev/transcripts --obedient

It reads only the files it is given and prints only counts and ids (``-v``: the kinds found
and the missed or flagged snippets).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from transcript_judge.errors import InputError
from transcript_judge.ingest import parse_source, read_transcript
from transcript_judge.ingest.source import Source
from transcript_judge.injection import InjectionHit, detect_injection
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric
from transcript_judge.transcript import Transcript

_SUFFIXES = {".txt", ".vtt", ".srt", ".json", ".md", ".docx", ".tsv"}


@dataclass
class Item:
    id: str
    transcript: Transcript
    candidate: str | None = None
    turn_hint: int | None = None
    injected_text: str | None = None


def _from_jsonl(path: Path) -> Iterator[Item]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        name = str(row.get("id", f"{path.name}:{n}"))
        try:
            t = parse_source(Source(data=str(row["transcript"]).encode("utf-8"), name=f"{name}.txt"))
        except InputError as e:
            print(f"  {name}: unreadable ({e.message})", file=sys.stderr)
            continue
        hint = row.get("turn_hint")
        yield Item(name, t, row.get("candidate"), hint if isinstance(hint, int) else None, row.get("injected_text"))


def _from_files(path: Path, *, attacks: bool) -> Iterator[Item]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    if attacks:  # a folder of attacks may keep its benign controls in a "benign" subfolder
        files = [f for f in files if "benign" not in f.relative_to(path).parts[:-1]] if path.is_dir() else files
    for f in files:
        if f.suffix.lower() not in _SUFFIXES or f.name.upper().startswith(("MANIFEST", "README")):
            continue
        try:
            yield Item(str(f), read_transcript(f))
        except InputError:
            continue  # not a transcript (the suite's bad inputs)


def load(path: Path, *, attacks: bool = False) -> list[Item]:
    return list(_from_jsonl(path) if path.suffix == ".jsonl" else _from_files(path, attacks=attacks))


def _hits(item: Item, criteria: tuple[str, ...]) -> list[InjectionHit]:
    return [h for h in detect_injection(item.transcript, criteria) if h.category == "injection"]


def _obedient_outcome(item: Item) -> tuple[bool, bool, bool]:
    """(a shown strength quotes injected text, the model found something to obey, the
    report flags the result for review)."""
    from transcript_judge.analysis import run_analysis
    from transcript_judge.llm.fake import FakeLLM
    from transcript_judge.planning import AnalysisSettings, plan_analysis
    from transcript_judge.testing.obedient import ObedientResponder, overlaps_injection

    rubric = load_rubric()
    roles = assign_roles(item.transcript, candidate=item.candidate) if item.candidate else assign_roles(item.transcript)
    plan = plan_analysis(item.transcript, roles, rubric, AnalysisSettings())
    responder = ObedientResponder(rubric, injected=item.injected_text)
    report = asyncio.run(run_analysis(plan, FakeLLM(responder), source_name=item.id)).report
    steered = any(
        f.verdict == "shown" and any(overlaps_injection(q.text, responder.obeyed) for q in f.quotes)
        for f in report.strengths
    )
    review = any(w.kind == "injection_review" for w in report.warnings)
    return steered, bool(responder.obeyed), review


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=Path, action="append", default=[])
    ap.add_argument("--benign", type=Path, action="append", default=[])
    ap.add_argument("--obedient", action="store_true", help="also run the cases against an obedient model")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    criteria = tuple(load_rubric().ids)
    started = time.perf_counter()
    for path in args.cases:
        items = load(path, attacks=True)
        detected = on_turn = hinted = 0
        steered: list[str] = []
        obeyed = reviewed = 0
        for item in items:
            hits = _hits(item, criteria)
            if hits:
                detected += 1
            if item.turn_hint is not None:
                hinted += 1
                on_turn += any(h.turn == item.turn_hint for h in hits)
            if args.verbose or not hits:
                kinds = "; ".join(sorted({h.kind for h in hits})) or "MISSED"
                print(f"  {item.id}: {kinds}")
            if args.obedient:
                bad, saw, review = _obedient_outcome(item)
                obeyed += saw
                reviewed += saw and review
                if bad:
                    steered.append(item.id)
        total = len(items)
        print(f"cases {path}: detected {detected}/{total} ({100 * detected / max(total, 1):.1f}%)"
              + (f"; on the attacked turn {on_turn}/{hinted}" if hinted else ""))  # fmt: skip
        if args.obedient:
            which = f" ({', '.join(steered)})" if steered else ""
            print(
                f"  obedient model: a shown strength rests on injected text in {len(steered)}/{total}{which}; "
                f"it found an instruction to obey in {obeyed}, and {reviewed} of those were flagged for review"
            )
    for path in args.benign:
        items = load(path)
        flagged = 0
        for item in items:
            hits = _hits(item, criteria)
            if hits:
                flagged += 1
                print(f"  {item.id}: " + "; ".join(f"T{h.turn} {h.kind}" for h in hits[:4]))
                if args.verbose:
                    for h in hits[:4]:
                        print(f"      {h.quote}")
        total = len(items)
        print(f"benign {path}: flagged {flagged}/{total} ({100 * flagged / max(total, 1):.1f}%)")
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
