"""Turn case runs into the numbers: per-criterion metrics with CIs, evidence, roles,
stability across repeats, counterfactual flips, cost and time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from ..grounding import normalize_text
from ..planning import LEXICAL_MODEL_LABEL
from ..rubric import Rubric
from .dataset import Case, Dataset
from .metrics import Interval, bootstrap_ci, calibration, micro_f1, per_criterion
from .runner import CaseRun, Reducer

__all__ = ["CalibrationScore", "CaseResult", "CriterionScore", "ReliabilityBin", "TaggerScore", "reduce_runs", "score"]


class CriterionScore(BaseModel):
    criterion_id: str
    kind: str
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float | None
    recall: float | None
    f1: float | None
    f1_low: float | None = None
    f1_high: float | None = None
    kappa: float | None


class ReliabilityBin(BaseModel):
    """One row of the reliability table: "shown" verdicts with confidence in [low, high)."""

    low: float
    high: float
    n: int
    mean_confidence: float | None
    accuracy: float | None = Field(description="Share of these verdicts the label agrees with.")


class CalibrationScore(BaseModel):
    """Whether the confidence of a "shown" verdict says how likely it is to be right
    (every scored repeat's verdicts; ``evaluation.metrics.calibration``)."""

    verdicts: int
    ece: float
    brier: float
    bins: list[ReliabilityBin]


class CaseResult(BaseModel):
    case_id: str
    scored: bool
    status: str = Field(description="ok, or why the case wasn't scored")
    predicted: dict[str, bool] = Field(default_factory=dict)
    verdicts: dict[str, str] = Field(default_factory=dict, description="Reduced verdict labels.")
    stability: float | None = Field(None, description="Share of criteria on which all repeats agree.")
    inferred_candidate: str | None = None
    candidate_correct: bool | None = None
    evidence_found: int = 0
    evidence_labelled: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    wall_s: float = 0.0


class TaggerScore(BaseModel):
    tagger: str
    model: str
    prompt_version: str
    cases_total: int
    cases_scored: int
    cases_failed: int
    failures: dict[str, str] = Field(default_factory=dict)
    criteria: list[CriterionScore]
    macro_f1: float | None
    macro_f1_low: float | None = None
    macro_f1_high: float | None = None
    macro_f1_stderr: float | None = None
    micro_f1: float | None
    quotes_grounded_share: float | None
    evidence_recall: float | None
    role_accuracy: float | None
    stability: float | None
    counterfactual_flips: list[str]
    calibration: CalibrationScore | None = None
    identical_verdict_cases: int = Field(
        0, description="Scored cases whose criteria all got the same verdict (all shown, or none): degenerate."
    )
    calls: int
    cache_hits: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = Field(description="Spent by this run (cache and replay hits excluded).")
    reused_prompt_tokens: int = 0
    reused_completion_tokens: int = 0
    reused_cost_usd: float | None = Field(0.0, description="What the reused answers cost when first made.")
    wall_s: float
    cases: list[CaseResult]


def reduce_runs(
    runs: Sequence[CaseRun], reducer: Reducer, criteria: Sequence[str]
) -> tuple[dict[str, bool], dict[str, str], float | None]:
    """Reduce the scored repeats of one case to one prediction per criterion."""
    ok = [r for r in runs if r.scored]
    predicted: dict[str, bool] = {}
    labels: dict[str, str] = {}
    unanimous = 0
    for c in criteria:
        votes = [r.shown().get(c, False) for r in ok]
        yes = sum(votes)
        if reducer == "any":
            predicted[c] = yes > 0
        elif reducer == "all":
            predicted[c] = yes == len(votes)
        else:
            predicted[c] = yes * 2 > len(votes)
        unanimous += int(yes in (0, len(votes)))
        counts = Counter(r.verdicts.get(c, "insufficient_evidence") for r in ok)
        labels[c] = "shown" if predicted[c] else (counts.most_common(1)[0][0] if counts else "")
        if labels[c] == "shown" and not predicted[c]:
            labels[c] = "not_shown"
    stability = unanimous / len(criteria) if ok and len(ok) > 1 and criteria else None
    return predicted, labels, stability


def _total(values: Iterable[float | None]) -> float | None:
    items = list(values)
    return None if any(v is None for v in items) else round(sum(v or 0.0 for v in items), 6)


def _overlaps(a: str, b: str) -> bool:
    wa, wb = normalize_text(a).split(), normalize_text(b).split()
    if not wa or not wb:
        return False
    shared = len(set(wa) & set(wb))
    return shared / min(len(set(wa)), len(set(wb))) >= 0.6


def _candidate_matches(case: Case, inferred: str | None) -> bool:
    return inferred is not None and inferred.casefold() == case.candidate.casefold()


def _case_base(case: Case, case_runs: Sequence[CaseRun]) -> dict[str, Any]:
    """The fields of a case's result that don't depend on whether it was scored: the role
    check (when a role was inferred at all), tokens, cost and time over its repeats."""
    first = case_runs[0] if case_runs else None
    inferred = first.inferred_candidate if first else None
    return {
        "case_id": case.id,
        "inferred_candidate": inferred,
        "candidate_correct": _candidate_matches(case, inferred) if first and first.role_method else None,
        "prompt_tokens": sum(r.prompt_tokens for r in case_runs),
        "completion_tokens": sum(r.completion_tokens for r in case_runs),
        "cost_usd": None if any(r.cost_usd is None for r in case_runs) else sum(r.cost_usd or 0.0 for r in case_runs),
        "wall_s": round(sum(r.wall_s for r in case_runs), 3),
    }


def _evidence_found(case: Case, ok: Sequence[CaseRun]) -> tuple[int, int]:
    """(found, labelled): how many of the case's labelled quotes some repeat reported."""
    found = labelled = 0
    for cid, quotes in case.evidence.items():
        reported = [q for r in ok for q in r.quotes.get(cid, [])]
        for q in quotes:
            labelled += 1
            found += int(any(_overlaps(q, rq) for rq in reported))
    return found, labelled


def _case_result(case: Case, case_runs: Sequence[CaseRun], reducer: Reducer, criteria: Sequence[str]) -> CaseResult:
    """One case's result: its repeats reduced, or why none of them could be scored."""
    base = _case_base(case, case_runs)
    ok = [r for r in case_runs if r.scored]
    if not ok:
        reasons = sorted({f"{r.status}: {r.error}" for r in case_runs}) or ["not run"]
        return CaseResult(scored=False, status="; ".join(reasons)[:300], **base)
    predicted, labels, stability = reduce_runs(ok, reducer, criteria)
    found, labelled = _evidence_found(case, ok)
    return CaseResult(
        scored=True,
        status="ok",
        predicted=predicted,
        verdicts=labels,
        stability=stability,
        evidence_found=found,
        evidence_labelled=labelled,
        **base,
    )


def _criterion_scores(
    rubric: Rubric, gold: Sequence[dict[str, bool]], preds: Sequence[dict[str, bool]], resamples: int
) -> tuple[list[CriterionScore], Interval, float | None]:
    """Per-criterion confusion counts and F1 intervals, the macro-F1 interval and micro F1."""
    conf = per_criterion(gold, preds, rubric.ids)
    macro_ci, crit_ci = bootstrap_ci(gold, preds, rubric.ids, resamples=resamples)
    scores = []
    for c in rubric.criteria:
        k = conf[c.id]
        ci: Interval = crit_ci[c.id]
        scores.append(
            CriterionScore(
                criterion_id=c.id,
                kind=c.kind,
                tp=k.tp,
                fp=k.fp,
                fn=k.fn,
                tn=k.tn,
                precision=k.precision,
                recall=k.recall,
                f1=k.f1,
                f1_low=ci.low,
                f1_high=ci.high,
                kappa=k.kappa,
            )
        )
    return scores, macro_ci, micro_f1(conf)


def _counterfactual_flips(dataset: Dataset, results: Sequence[CaseResult], criteria: Sequence[str]) -> list[str]:
    """The criteria whose prediction differs between a counterfactual case and its original."""
    by_id = {r.case_id: r for r in results}
    flips = []
    for case in dataset.cases:
        if not case.counterfactual_of:
            continue
        a, b = by_id.get(case.counterfactual_of), by_id.get(case.id)
        if a is None or b is None or not (a.scored and b.scored):
            continue
        for cid in criteria:
            if a.predicted.get(cid) != b.predicted.get(cid):
                flips.append(
                    f"{case.id} vs {case.counterfactual_of}: {cid} "
                    f"{'shown' if a.predicted.get(cid) else 'not shown'} -> "
                    f"{'shown' if b.predicted.get(cid) else 'not shown'}"
                )
    return flips


def _calibration(dataset: Dataset, runs: Sequence[CaseRun]) -> CalibrationScore | None:
    """Calibration of the "shown" verdicts of every scored run against the labels."""
    labels = {c.id: c.labels for c in dataset.cases}
    pairs = [
        (r.confidence.get(cid, 0.0), bool(labels[r.case_id][cid]))
        for r in runs
        if r.scored and r.case_id in labels
        for cid, verdict in r.verdicts.items()
        if verdict == "shown" and cid in labels[r.case_id]
    ]
    result = calibration(pairs)
    if result is None:
        return None
    return CalibrationScore(
        verdicts=result.n,
        ece=result.ece,
        brier=result.brier,
        bins=[ReliabilityBin(**vars(b)) for b in result.bins],
    )


def _share(part: float, whole: float) -> float | None:
    """``part / whole``, or None when there is nothing to take a share of."""
    return part / whole if whole else None


def score(
    dataset: Dataset,
    rubric: Rubric,
    runs: Sequence[CaseRun],
    *,
    tagger: str,
    model: str,
    reducer: Reducer,
    resamples: int = 1000,
) -> TaggerScore:
    """One tagger's score over the dataset: per-case results, then the aggregate metrics."""
    criteria = rubric.ids
    mine = [r for r in runs if r.tagger == tagger]
    results = [
        _case_result(case, [r for r in mine if r.case_id == case.id], reducer, criteria) for case in dataset.cases
    ]
    scored = [(c, r) for c, r in zip(dataset.cases, results, strict=True) if r.scored]
    scores, macro_ci, micro = _criterion_scores(
        rubric, [c.labels for c, _ in scored], [r.predicted for _, r in scored], resamples
    )
    grounded = sum(r.quotes_grounded for r in mine if r.scored)
    rejected = sum(r.quotes_rejected for r in mine if r.scored)
    role_known = [r for r in results if r.candidate_correct is not None]
    stabilities = [r.stability for r in results if r.stability is not None]
    return TaggerScore(
        tagger=tagger,
        model=model if tagger == "llm" else LEXICAL_MODEL_LABEL,
        prompt_version=",".join(sorted({r.prompt_version for r in mine if r.prompt_version})),
        cases_total=len(dataset.cases),
        cases_scored=len(scored),
        cases_failed=len(dataset.cases) - len(scored),
        failures={r.case_id: r.status for r in results if not r.scored},
        criteria=scores,
        macro_f1=macro_ci.point,
        macro_f1_low=macro_ci.low,
        macro_f1_high=macro_ci.high,
        macro_f1_stderr=macro_ci.stderr,
        micro_f1=micro,
        quotes_grounded_share=_share(grounded, grounded + rejected),
        evidence_recall=_share(
            sum(r.evidence_found for r in results if r.scored), sum(r.evidence_labelled for r in results if r.scored)
        ),
        role_accuracy=_share(sum(1 for r in role_known if r.candidate_correct), len(role_known)),
        stability=_share(sum(stabilities), len(stabilities)),
        counterfactual_flips=_counterfactual_flips(dataset, results, criteria),
        calibration=_calibration(dataset, mine),
        identical_verdict_cases=sum(1 for r in results if r.scored and len(set(r.predicted.values())) == 1),
        calls=sum(r.calls for r in mine),
        cache_hits=sum(r.cache_hits for r in mine),
        prompt_tokens=sum(r.prompt_tokens for r in mine),
        completion_tokens=sum(r.completion_tokens for r in mine),
        cost_usd=_total(r.cost_usd for r in mine),
        reused_prompt_tokens=sum(r.reused_prompt_tokens for r in mine),
        reused_completion_tokens=sum(r.reused_completion_tokens for r in mine),
        reused_cost_usd=_total(r.reused_cost_usd for r in mine),
        wall_s=round(sum(r.wall_s for r in mine), 3),
        cases=results,
    )
