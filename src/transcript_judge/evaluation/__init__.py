"""The offline evaluation harness: datasets, runs, metrics, baselines and the gate."""

from .baseline import EvalReport, GateConfig, compare, evaluate_gate, load_baseline, load_gate
from .dataset import Case, Dataset, load_dataset
from .metrics import Confusion, bootstrap_ci, confusion, macro_f1, micro_f1, paired_delta_ci
from .recording import RecordingLLM, ReplayLLM
from .runner import CaseRun, EvalSettings, run_eval
from .scoring import TaggerScore, score

__all__ = [
    "Case",
    "CaseRun",
    "Confusion",
    "Dataset",
    "EvalReport",
    "EvalSettings",
    "GateConfig",
    "RecordingLLM",
    "ReplayLLM",
    "TaggerScore",
    "bootstrap_ci",
    "compare",
    "confusion",
    "evaluate_gate",
    "load_baseline",
    "load_dataset",
    "load_gate",
    "macro_f1",
    "micro_f1",
    "paired_delta_ci",
    "run_eval",
    "score",
]
