"""Baselines, paired comparison and the CI gate.

A baseline is a saved :class:`EvalReport`: metrics, per-case verdicts, the prompt
fingerprint, the model and a hash of the dataset. Comparing against it is paired: the
same cases, resampled together, so the change's confidence interval isn't swamped by
how hard the cases are. The gate's thresholds live in ``evals/gate.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError, DatasetError
from .dataset import Dataset, LabelSource
from .metrics import Interval, Verdicts, paired_delta_ci
from .probe_scoring import ProbeDetection
from .scoring import TaggerScore

__all__ = [
    "Comparison",
    "EvalReport",
    "GateConfig",
    "GateResult",
    "compare",
    "evaluate_gate",
    "load_baseline",
    "load_gate",
]


class CriterionDelta(BaseModel):
    criterion_id: str
    f1_before: float | None
    f1_after: float | None
    delta: float | None
    low: float | None
    high: float | None
    recall_before: float | None
    recall_after: float | None
    recall_delta: float | None
    recall_low: float | None
    recall_high: float | None


class Flip(BaseModel):
    case_id: str
    criterion_id: str
    label: bool
    before: bool
    after: bool
    change: Literal["improved", "regressed"]


class Comparison(BaseModel):
    tagger: str
    baseline_model: str
    baseline_prompt_version: str
    current_prompt_version: str
    cases_compared: int
    macro_f1_before: float | None
    macro_f1_after: float | None
    macro_delta: float | None
    macro_low: float | None
    macro_high: float | None
    criteria: list[CriterionDelta]
    improved: list[Flip]
    regressed: list[Flip]
    warnings: list[str] = Field(default_factory=list)


class GateCheck(BaseModel):
    name: str
    passed: bool
    detail: str


class GateResult(BaseModel):
    passed: bool
    checks: list[GateCheck]


class EvalReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: str = "1"
    tool_version: str
    created_at: datetime
    dataset: str
    dataset_digest: str
    labels: LabelSource = Field(
        "hand", description="reviews: the labels are reviewers' verdicts, so the scores are agreement with them."
    )
    disagreements: int = Field(0, description="Labels where the reviewer had overruled the model (reviews).")
    model: str
    repeats: int
    reducer: str
    taggers: list[TaggerScore]
    missing_recordings: int = 0
    probes: ProbeDetection | None = None
    comparison: Comparison | None = None
    gate: GateResult | None = None

    def tagger(self, name: str) -> TaggerScore | None:
        return next((t for t in self.taggers if t.tagger == name), None)


class GateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_macro_f1_drop: float = 0.03
    max_regressions: int = 3
    fail_on_recall_drop_beyond_ci: bool = True
    max_counterfactual_flips: int = 0
    min_quotes_grounded_share: float = 0.0
    max_failed_cases: int = 0
    min_macro_f1: float = 0.0


def load_gate(path: str | Path) -> GateConfig:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        return GateConfig.model_validate(data.get("gate", data))
    except FileNotFoundError as e:
        raise ConfigError(f"Gate file {p} does not exist.") from e
    except (tomllib.TOMLDecodeError, ValidationError) as e:
        raise ConfigError(f"Gate file {p} is invalid: {e}") from e


def load_baseline(path: str | Path) -> EvalReport:
    p = Path(path)
    try:
        return EvalReport.model_validate_json(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"Baseline {p} does not exist.", hint="Create one with --save-baseline FILE.") from e
    except ValidationError as e:
        raise ConfigError(f"Baseline {p} is not an evaluation report: {e.errors()[0]['msg']}") from e


def compare(
    baseline: EvalReport, current: TaggerScore, dataset: Dataset, *, resamples: int = 1000
) -> Comparison | None:
    """The current score against the baseline's for the same tagger, paired over the cases
    both scored (None when the baseline has no score for this tagger)."""
    before = baseline.tagger(current.tagger)
    if before is None:
        return None
    b_cases = {c.case_id: c for c in before.cases if c.scored}
    a_cases = {c.case_id: c for c in current.cases if c.scored}
    ids = [c.id for c in dataset.cases if c.id in b_cases and c.id in a_cases]
    labels = [next(c.labels for c in dataset.cases if c.id == i) for i in ids]
    b_preds = [b_cases[i].predicted for i in ids]
    a_preds = [a_cases[i].predicted for i in ids]
    criteria = [c.criterion_id for c in current.criteria]
    macro, f1d, recd = paired_delta_ci(labels, b_preds, a_preds, criteria, resamples=resamples)
    improved, regressed = _flips(ids, labels, b_preds, a_preds, criteria)
    return Comparison(
        tagger=current.tagger,
        baseline_model=before.model,
        baseline_prompt_version=before.prompt_version,
        current_prompt_version=current.prompt_version,
        cases_compared=len(ids),
        macro_f1_before=before.macro_f1,
        macro_f1_after=current.macro_f1,
        macro_delta=macro.point,
        macro_low=macro.low,
        macro_high=macro.high,
        criteria=_criterion_deltas(before, current, f1d, recd),
        improved=improved,
        regressed=regressed,
        warnings=_comparison_warnings(baseline, before, current, dataset),
    )


def _comparison_warnings(
    baseline: EvalReport, before: TaggerScore, current: TaggerScore, dataset: Dataset
) -> list[str]:
    """What makes the comparison less than like for like: another dataset, another model."""
    warnings = []
    if baseline.dataset_digest != dataset.digest:
        warnings.append(
            "The baseline was made on a different dataset (its hash differs): only cases "
            "with the same id are compared, and their labels may have changed."
        )
    if before.model != current.model:
        warnings.append(f"The baseline used model {before.model!r}; this run used {current.model!r}.")
    return warnings


def _criterion_deltas(
    before: TaggerScore, current: TaggerScore, f1d: Mapping[str, Interval], recd: Mapping[str, Interval]
) -> list[CriterionDelta]:
    """Per criterion: F1 and recall before and after, with the paired deltas' intervals."""
    b_scores = {c.criterion_id: c for c in before.criteria}
    deltas = []
    for c in current.criteria:
        bs = b_scores.get(c.criterion_id)
        deltas.append(
            CriterionDelta(
                criterion_id=c.criterion_id,
                f1_before=bs.f1 if bs else None,
                f1_after=c.f1,
                delta=f1d[c.criterion_id].point,
                low=f1d[c.criterion_id].low,
                high=f1d[c.criterion_id].high,
                recall_before=bs.recall if bs else None,
                recall_after=c.recall,
                recall_delta=recd[c.criterion_id].point,
                recall_low=recd[c.criterion_id].low,
                recall_high=recd[c.criterion_id].high,
            )
        )
    return deltas


def _flips(
    ids: Sequence[str],
    labels: Sequence[Mapping[str, bool]],
    b_preds: Sequence[Verdicts],
    a_preds: Sequence[Verdicts],
    criteria: Sequence[str],
) -> tuple[list[Flip], list[Flip]]:
    """(improved, regressed): the case × criterion predictions that changed, by whether
    they now match the label."""
    improved: list[Flip] = []
    regressed: list[Flip] = []
    for i, lab, bp, ap in zip(ids, labels, b_preds, a_preds, strict=True):
        for cid in criteria:
            if cid not in lab or bp.get(cid) == ap.get(cid):
                continue
            right_after = ap.get(cid, False) == lab[cid]
            flip = Flip(
                case_id=i,
                criterion_id=cid,
                label=lab[cid],
                before=bp.get(cid, False),
                after=ap.get(cid, False),
                change="improved" if right_after else "regressed",
            )
            (improved if right_after else regressed).append(flip)
    return improved, regressed


def evaluate_gate(gate: GateConfig, current: TaggerScore, comparison: Comparison | None) -> GateResult:
    checks: list[GateCheck] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append(GateCheck(name=name, passed=ok, detail=detail))

    check(
        "failed cases",
        current.cases_failed <= gate.max_failed_cases,
        f"{current.cases_failed} failed (max {gate.max_failed_cases})",
    )
    check(
        "counterfactual flips",
        len(current.counterfactual_flips) <= gate.max_counterfactual_flips,
        f"{len(current.counterfactual_flips)} flips (max {gate.max_counterfactual_flips})",
    )
    if current.macro_f1 is not None:
        check(
            "macro F1", current.macro_f1 >= gate.min_macro_f1, f"{current.macro_f1:.3f} (min {gate.min_macro_f1:.3f})"
        )
    if current.quotes_grounded_share is not None:
        check(
            "grounded quotes",
            current.quotes_grounded_share >= gate.min_quotes_grounded_share,
            f"{current.quotes_grounded_share:.1%} (min {gate.min_quotes_grounded_share:.0%})",
        )
    if comparison is not None:
        if comparison.macro_delta is not None:
            check(
                "macro F1 drop",
                comparison.macro_delta >= -gate.max_macro_f1_drop,
                f"{comparison.macro_delta:+.3f} vs baseline (max drop {gate.max_macro_f1_drop:.3f})",
            )
        check(
            "regressions",
            len(comparison.regressed) <= gate.max_regressions,
            f"{len(comparison.regressed)} case×criterion regressions (max {gate.max_regressions})",
        )
        if gate.fail_on_recall_drop_beyond_ci:
            beyond = [d.criterion_id for d in comparison.criteria if d.recall_high is not None and d.recall_high < 0]
            check(
                "recall drops beyond CI",
                not beyond,
                "none" if not beyond else "recall fell with its 95% CI below zero: " + ", ".join(beyond),
            )
    return GateResult(passed=all(c.passed for c in checks), checks=checks)


def dataset_mismatch(baseline: EvalReport, dataset: Dataset) -> bool:
    if not baseline.dataset_digest:
        raise DatasetError("The baseline has no dataset hash.")
    return baseline.dataset_digest != dataset.digest
