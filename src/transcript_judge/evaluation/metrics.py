"""Classification metrics, bootstrap confidence intervals and paired comparisons.

Pure Python on purpose: the numbers are small (cases × criteria) and every formula is
here to be read. Undefined values (F1 with no positives at all, kappa with no variance)
are ``None`` and are left out of averages rather than counted as 0 or 1.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "CALIBRATION_BINS",
    "Calibration",
    "CalibrationBin",
    "Confusion",
    "Interval",
    "bootstrap_ci",
    "calibration",
    "confusion",
    "macro_f1",
    "micro_f1",
    "paired_delta_ci",
    "percentile_interval",
]

#: Predictions per case: criterion -> predicted "shown" (True/False).
Verdicts = Mapping[str, bool]


@dataclass(frozen=True)
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        if self.tp + self.fp + self.fn == 0:
            return None  # no positives labelled or predicted: F1 is undefined
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa between predictions and labels."""
        n = self.n
        if n == 0:
            return None
        po = (self.tp + self.tn) / n
        pe = ((self.tp + self.fp) * (self.tp + self.fn) + (self.fn + self.tn) * (self.fp + self.tn)) / (n * n)
        if pe == 1.0:
            return None
        return (po - pe) / (1 - pe)

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)


def confusion(pairs: Sequence[tuple[bool, bool]]) -> Confusion:
    """From (label, prediction) pairs."""
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if not y and p)
    fn = sum(1 for y, p in pairs if y and not p)
    tn = sum(1 for y, p in pairs if not y and not p)
    return Confusion(tp, fp, fn, tn)


def per_criterion(
    labels: Sequence[Mapping[str, bool]], predictions: Sequence[Verdicts], criteria: Sequence[str]
) -> dict[str, Confusion]:
    """Confusions per criterion over cases; a criterion missing from a case's labels is skipped."""
    out: dict[str, Confusion] = {}
    for c in criteria:
        pairs = [(lab[c], pred.get(c, False)) for lab, pred in zip(labels, predictions, strict=True) if c in lab]
        out[c] = confusion(pairs)
    return out


def macro_f1(confusions: Mapping[str, Confusion]) -> float | None:
    values = [c.f1 for c in confusions.values() if c.f1 is not None]
    return sum(values) / len(values) if values else None


def micro_f1(confusions: Mapping[str, Confusion]) -> float | None:
    total = Confusion()
    for c in confusions.values():
        total = total + c
    return total.f1


@dataclass(frozen=True)
class Interval:
    point: float | None
    low: float | None
    high: float | None
    stderr: float | None

    def fmt(self, digits: int = 2) -> str:
        if self.point is None:
            return "n/a"
        if self.low is None or self.high is None:
            return f"{self.point:.{digits}f}"
        return f"{self.point:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        raise ValueError("empty")
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def percentile_interval(point: float | None, samples: list[float]) -> Interval:
    """The 95% percentile interval of bootstrap ``samples`` around ``point`` (none under 10 samples)."""
    if point is None or len(samples) < 10:
        return Interval(point, None, None, None)
    samples.sort()
    mean = sum(samples) / len(samples)
    var = sum((s - mean) ** 2 for s in samples) / (len(samples) - 1)
    return Interval(point, _percentile(samples, 0.025), _percentile(samples, 0.975), var**0.5)


def bootstrap_ci(
    labels: Sequence[Mapping[str, bool]],
    predictions: Sequence[Verdicts],
    criteria: Sequence[str],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[Interval, dict[str, Interval]]:
    """95% percentile-bootstrap intervals over cases, for macro F1 and each criterion's F1."""
    n = len(labels)
    point = per_criterion(labels, predictions, criteria)
    rng = random.Random(seed)
    macro_samples: list[float] = []
    crit_samples: dict[str, list[float]] = {c: [] for c in criteria}
    for _ in range(resamples if n else 0):
        idx = [rng.randrange(n) for _ in range(n)]
        conf = per_criterion([labels[i] for i in idx], [predictions[i] for i in idx], criteria)
        m = macro_f1(conf)
        if m is not None:
            macro_samples.append(m)
        for c in criteria:
            f = conf[c].f1
            if f is not None:
                crit_samples[c].append(f)
    return (
        percentile_interval(macro_f1(point), macro_samples),
        {c: percentile_interval(point[c].f1, crit_samples[c]) for c in criteria},
    )


def _diff(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def paired_delta_ci(
    labels: Sequence[Mapping[str, bool]],
    before: Sequence[Verdicts],
    after: Sequence[Verdicts],
    criteria: Sequence[str],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[Interval, dict[str, Interval], dict[str, Interval]]:
    """Paired bootstrap of after − before over the same cases.

    Returns intervals for the change in macro F1, in each criterion's F1 and in each
    criterion's recall. Resampling the same case indices for both runs is what makes it
    paired: case difficulty cancels out.
    """
    n = len(labels)
    rng = random.Random(seed)

    def stats(idx: Sequence[int]) -> tuple[float | None, dict[str, float | None], dict[str, float | None]]:
        lab = [labels[i] for i in idx]
        cb = per_criterion(lab, [before[i] for i in idx], criteria)
        ca = per_criterion(lab, [after[i] for i in idx], criteria)
        mb, ma = macro_f1(cb), macro_f1(ca)
        df = {c: _diff(ca[c].f1, cb[c].f1) for c in criteria}
        dr = {c: _diff(ca[c].recall, cb[c].recall) for c in criteria}
        return _diff(ma, mb), df, dr

    p_macro, p_f1, p_rec = stats(range(n))
    s_macro: list[float] = []
    s_f1: dict[str, list[float]] = {c: [] for c in criteria}
    s_rec: dict[str, list[float]] = {c: [] for c in criteria}
    for _ in range(resamples if n else 0):
        idx = [rng.randrange(n) for _ in range(n)]
        dm, df, dr = stats(idx)
        if dm is not None:
            s_macro.append(dm)
        for c in criteria:
            f1_change, recall_change = df[c], dr[c]
            if f1_change is not None:
                s_f1[c].append(f1_change)
            if recall_change is not None:
                s_rec[c].append(recall_change)
    return (
        percentile_interval(p_macro, s_macro),
        {c: percentile_interval(p_f1[c], s_f1[c]) for c in criteria},
        {c: percentile_interval(p_rec[c], s_rec[c]) for c in criteria},
    )


#: Equal-width confidence bins of the reliability table: [0, 0.2), [0.2, 0.4), … [0.8, 1.0].
CALIBRATION_BINS = 5


@dataclass(frozen=True)
class CalibrationBin:
    """One row of the reliability table: the verdicts whose confidence is in [low, high)."""

    low: float
    high: float
    n: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class Calibration:
    """How stated confidence relates to being right.

    ``ece`` (expected calibration error) is the bins' gap between accuracy and mean
    confidence, weighted by their share of the verdicts: 0 is perfectly calibrated.
    ``brier`` is the mean squared difference between confidence and being right (1 or 0):
    0 is best; always answering 0.5 scores 0.25.
    """

    n: int
    ece: float
    brier: float
    bins: tuple[CalibrationBin, ...]


def calibration(pairs: Sequence[tuple[float, bool]], bins: int = CALIBRATION_BINS) -> Calibration | None:
    """ECE, Brier score and a reliability table from (confidence, correct) pairs; None when
    there are none. A confidence of exactly 1.0 falls in the last bin.

    Example:
        >>> c = calibration([(0.9, True), (0.9, False), (0.1, False)])
        >>> round(c.ece, 3), round(c.brier, 3)
        (0.3, 0.277)
    """
    if not pairs:
        return None
    rows: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for conf, correct in pairs:
        c = min(1.0, max(0.0, conf))
        rows[min(bins - 1, int(c * bins))].append((c, correct))
    n = len(pairs)
    ece = 0.0
    table = []
    for i, row in enumerate(rows):
        mean = sum(c for c, _ in row) / len(row) if row else None
        acc = sum(1 for _, ok in row if ok) / len(row) if row else None
        if mean is not None and acc is not None:
            ece += len(row) / n * abs(acc - mean)
        table.append(CalibrationBin(i / bins, (i + 1) / bins, len(row), mean, acc))
    brier = sum((min(1.0, max(0.0, c)) - (1.0 if ok else 0.0)) ** 2 for c, ok in pairs) / n
    return Calibration(n=n, ece=ece, brier=brier, bins=tuple(table))
