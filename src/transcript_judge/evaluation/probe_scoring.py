"""How well the tool finds which probes the interviewer asked (the cases' ``probes`` labels).

Scored per case and probe, as presence: asked (labelled) against found (the report's
``interview.probes``). Only cases with probe labels count. Precision and recall come with
95% percentile-bootstrap intervals over cases (:mod:`.metrics`'s method), and a found
probe also counts as *located* when the turn it was found in holds one of its labelled
quotes. Detection doesn't depend on the tagger, so one run of each case is scored.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pydantic import BaseModel, Field

from ..grounding import normalize_text
from ..rubric import Rubric
from .dataset import Case, Dataset
from .metrics import Interval, confusion, percentile_interval
from .runner import CaseRun

__all__ = ["ProbeDetection", "ProbeScore", "found_probes", "score_probes"]


class ProbeScore(BaseModel):
    probe_id: str
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None


class ProbeDetection(BaseModel):
    method: str = Field("cues", description="How probes were found (the rubric's cue phrases).")
    cases: int
    probes: list[ProbeScore]
    precision: float | None
    precision_low: float | None = None
    precision_high: float | None = None
    recall: float | None
    recall_low: float | None = None
    recall_high: float | None = None
    located: float | None = Field(
        None, description="Of the probes found and labelled, the share found at a labelled turn."
    )
    errors: list[str] = Field(default_factory=list, description="'c07 quality_metrics: missed' and the like.")


def _labelled_turns(case: Case, dataset: Dataset, probe_id: str) -> set[int]:
    transcript = dataset.transcripts.get(case.id)
    if transcript is None or case.probes is None:
        return set()
    quotes = [normalize_text(q) for q in case.probes.get(probe_id, [])]
    return {t.index for t in transcript.turns if any(q and q in normalize_text(t.text) for q in quotes)}


def _rates(pairs: Sequence[Sequence[tuple[bool, bool]]]) -> tuple[float | None, float | None]:
    c = confusion([p for case in pairs for p in case])
    return c.precision, c.recall


def _bootstrap(pairs: Sequence[Sequence[tuple[bool, bool]]], resamples: int, seed: int) -> tuple[Interval, Interval]:
    precision, recall = _rates(pairs)
    p_samples: list[float] = []
    r_samples: list[float] = []
    rng = random.Random(seed)
    n = len(pairs)
    for _ in range(resamples if n else 0):
        p, r = _rates([pairs[rng.randrange(n)] for _ in range(n)])
        if p is not None:
            p_samples.append(p)
        if r is not None:
            r_samples.append(r)
    return percentile_interval(precision, p_samples), percentile_interval(recall, r_samples)


def score_probes(
    dataset: Dataset,
    rubric: Rubric,
    found: dict[str, dict[str, int]],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> ProbeDetection | None:
    """Score ``found`` (case id → probe id → the turn it was found in) against the labels.

    None when no case has probe labels, or the rubric has no probes.
    """
    ids = [p.id for p in rubric.probes]
    labelled = [c for c in dataset.cases if c.probes is not None and c.id in found]
    if not ids or not labelled:
        return None
    pairs: list[list[tuple[bool, bool]]] = []
    per_probe: dict[str, list[tuple[bool, bool]]] = {p: [] for p in ids}
    errors: list[str] = []
    hits = located = 0
    for case in labelled:
        asked = set(case.probes or {})
        got = found[case.id]
        row = []
        for p in ids:
            pair = (p in asked, p in got)
            row.append(pair)
            per_probe[p].append(pair)
            if pair == (True, False):
                errors.append(f"{case.id} {p}: missed")
            elif pair == (False, True):
                errors.append(f"{case.id} {p}: found at turn {got[p]}, not asked")
            elif pair == (True, True):
                hits += 1
                located += int(got[p] in _labelled_turns(case, dataset, p))
        pairs.append(row)
    precision, recall = _bootstrap(pairs, resamples, seed)
    scores = []
    for p in ids:
        c = confusion(per_probe[p])
        scores.append(ProbeScore(probe_id=p, tp=c.tp, fp=c.fp, fn=c.fn, precision=c.precision, recall=c.recall))
    return ProbeDetection(
        cases=len(labelled),
        probes=scores,
        precision=precision.point,
        precision_low=precision.low,
        precision_high=precision.high,
        recall=recall.point,
        recall_low=recall.low,
        recall_high=recall.high,
        located=located / hits if hits else None,
        errors=errors,
    )


def found_probes(runs: Sequence[CaseRun]) -> dict[str, dict[str, int]]:
    """Each case's probes found (probe id → turn), from its first run that found any (the
    detection is the same for every tagger and repeat)."""
    out: dict[str, dict[str, int]] = {}
    for run in runs:
        if run.probes_found is not None and run.case_id not in out:
            out[run.case_id] = run.probes_found
    return out
