"""The evaluation report as Markdown, HTML, JSON or a terminal summary."""

from __future__ import annotations

import html
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from rich.console import Console
from rich.table import Table

from .baseline import EvalReport
from .scoring import TaggerScore

__all__ = ["render_eval", "render_eval_terminal"]


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0%}"


def _ci(v: float | None, lo: float | None, hi: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f}" if lo is None or hi is None else f"{v:.2f} [{lo:.2f}, {hi:.2f}]"


def _delta(v: float | None, lo: float | None, hi: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.2f}" if lo is None or hi is None else f"{v:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def _money(v: float | None) -> str:
    return "unknown (no price for the model)" if v is None else f"${v:.4f}"


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("transcript_judge.evaluation", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(num=_num, pct=_pct, ci=_ci, delta=_delta, money=_money)
    return env


def render_eval(report: EvalReport, fmt: str) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    md = _env().get_template("eval.md.j2").render(r=report)
    if fmt == "md":
        return md
    # HTML: the Markdown in a <pre>, escaped; no external assets, readable anywhere.
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Evaluation: {html.escape(report.dataset)}</title>"
        "<style>body{font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;max-width:1100px;margin:1rem auto;"
        "padding:0 1rem}pre{white-space:pre-wrap}</style></head><body><pre>" + html.escape(md) + "</pre></body></html>"
    )


def _labels_line(report: EvalReport) -> str | None:
    """What the scores measure, when the labels aren't (only) hand-written."""
    if report.labels == "reviews":
        overruled = f"; they had overruled the model on {report.disagreements} label(s)" if report.disagreements else ""
        return f"Agreement with reviewers: the labels are reviewers' verdicts (export-dataset){overruled}."
    if report.labels == "mixed":
        return "Labels are partly reviewers' verdicts, partly hand-written: the scores mix the two."
    return None


def render_eval_terminal(report: EvalReport, console: Console) -> None:
    if (line := _labels_line(report)) is not None:
        console.print(line, style="bold", markup=False, highlight=False)
    for t in report.taggers:
        table = Table(
            title=f"{t.tagger} · {t.model} · macro F1 {_ci(t.macro_f1, t.macro_f1_low, t.macro_f1_high)} · "
            f"{t.cases_scored}/{t.cases_total} scored",
            expand=False,
        )
        for col in ("criterion", "P", "R", "F1 [95% CI]", "κ"):
            table.add_column(col)
        for c in t.criteria:
            table.add_row(
                c.criterion_id, _num(c.precision), _num(c.recall), _ci(c.f1, c.f1_low, c.f1_high), _num(c.kappa)
            )
        console.print(table)
        console.print(
            f"grounded quotes {_pct(t.quotes_grounded_share)} · evidence recall {_pct(t.evidence_recall)} · "
            f"role accuracy {_pct(t.role_accuracy)} · stability {_pct(t.stability)} · "
            f"{t.calls} calls ({t.cache_hits} cached) · {t.prompt_tokens}+{t.completion_tokens} tokens · "
            f"{_money(t.cost_usd)} (reused {t.reused_prompt_tokens}+{t.reused_completion_tokens} tokens, "
            f"first paid {_money(t.reused_cost_usd)}) · counterfactual flips {len(t.counterfactual_flips)} · "
            f"cases with all {len(t.criteria)} verdicts identical {t.identical_verdict_cases}",
            highlight=False,
            markup=False,
        )
        _calibration_terminal(t, console)
    _probes_terminal(report, console)
    comparison = report.comparison
    if comparison is not None:
        for w in comparison.warnings:
            console.print(f"warning: {w}", style="yellow", markup=False)
        console.print(
            f"vs baseline: macro F1 {_num(comparison.macro_f1_before)} → {_num(comparison.macro_f1_after)} "
            f"({_delta(comparison.macro_delta, comparison.macro_low, comparison.macro_high)}); "
            f"{len(comparison.regressed)} regressions, {len(comparison.improved)} improvements",
            markup=False,
        )
        for f in comparison.regressed:
            console.print(f"  regressed: {f.case_id} {f.criterion_id} (label {f.label}, now {f.after})", markup=False)
    if report.gate is not None:
        console.print(
            f"gate: {'PASSED' if report.gate.passed else 'FAILED'}",
            style="bold green" if report.gate.passed else "bold red",
        )
        for g in report.gate.checks:
            console.print(f"  {'✓' if g.passed else '✗'} {g.name}: {g.detail}", markup=False)


def _calibration_terminal(t: TaggerScore, console: Console) -> None:
    """ECE, Brier and the reliability table of the tagger's "shown" verdicts."""
    cal = t.calibration
    if cal is None:
        console.print("calibration: no 'shown' verdicts to measure", highlight=False, markup=False)
        return
    rows = " · ".join(
        f"{b.low:.1f}-{b.high:.1f}: {b.n} at {_pct(b.accuracy)} right" for b in cal.bins if b.n
    )
    console.print(
        f"calibration of {cal.verdicts} 'shown' verdicts: ECE {cal.ece:.2f} · Brier {cal.brier:.2f} · "
        f"confidence → share right: {rows}",
        highlight=False,
        markup=False,
    )


def _probes_terminal(report: EvalReport, console: Console) -> None:
    p = report.probes
    if p is None:
        return
    console.print(
        f"probe detection ({p.method}, {p.cases} cases): "
        f"precision {_ci(p.precision, p.precision_low, p.precision_high)}"
        f" · recall {_ci(p.recall, p.recall_low, p.recall_high)} · located at a labelled turn {_pct(p.located)}",
        highlight=False,
        markup=False,
    )
    worst = [s for s in p.probes if (s.recall or 0) < 1 or (s.precision or 0) < 1]
    for s in worst:
        console.print(
            f"  {s.probe_id}: P {_num(s.precision)} R {_num(s.recall)} (tp {s.tp}, fp {s.fp}, fn {s.fn})",
            highlight=False,
            markup=False,
        )
