"""The oracle check: every judge mode with a perfect model, beside the keyword baseline.

A perfect model (``transcript_judge.testing.oracle.OracleResponder``: it answers from the
labels and labelled quotes) must lose nothing in the pipeline: macro-F1 1.00 in ``full`` and
``compact``; ``confirm`` keeps only what the keyword baseline proposes. No server needed.

    python -m benchmarks.oracle_check            # the 12 cases of benchmarks.real_model
    python -m benchmarks.oracle_check --all      # all of evals/dev
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from transcript_judge.evaluation import EvalSettings, load_dataset, run_eval
from transcript_judge.evaluation.scoring import TaggerScore, score
from transcript_judge.llm.fake import FakeLLM
from transcript_judge.planning import JUDGE_MODES, AnalysisSettings
from transcript_judge.rubric import load_rubric
from transcript_judge.testing.oracle import OracleResponder

from ._common import table
from .real_model import DEFAULT_IDS, DEV


def _row(name: str, t: TaggerScore) -> list[Any]:
    kappas = [c.kappa for c in t.criteria if c.kappa is not None]
    ci = "-" if t.macro_f1_low is None else f"[{t.macro_f1_low:.2f}, {t.macro_f1_high:.2f}]"
    return [
        name, t.macro_f1, ci, round(sum(kappas) / max(1, len(kappas)), 2), t.quotes_grounded_share,
        t.identical_verdict_cases, t.cases_scored,
    ]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="All of evals/dev (default: the 12 real-model cases).")
    args = ap.parse_args()
    rubric = load_rubric()
    dataset = load_dataset(DEV, rubric)
    if not args.all:
        dataset = dataset.model_copy(update={"cases": [c for c in dataset.cases if c.id in DEFAULT_IDS]})
    rows = []
    lexical: TaggerScore | None = None
    for mode in JUDGE_MODES:
        settings = EvalSettings(analysis=AnalysisSettings(model="oracle", judge_mode=mode), taggers=("llm", "lexical"))  # type: ignore[arg-type]
        runs = asyncio.run(run_eval(dataset, rubric, settings, FakeLLM(OracleResponder(dataset))))
        rows.append(_row(f"oracle, judge mode {mode}", score(dataset, rubric, runs, tagger="llm", model="oracle",
                                                              reducer="majority")))  # fmt: skip
        lexical = score(dataset, rubric, runs, tagger="lexical", model="oracle", reducer="majority")
    assert lexical is not None
    rows.append(_row("keyword baseline (lexical)", lexical))
    headers = ["tagger", "macro-F1", "95% CI", "mean κ", "grounded share", "all verdicts identical", "cases"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
