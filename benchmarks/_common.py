"""Shared plumbing for the benchmarks: machine facts, tables, RESULTS.md sections, loading."""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from transcript_judge.ingest import read_transcript
from transcript_judge.llm.openai_client import ClientSettings, OpenAIChatLLM
from transcript_judge.planning import AnalysisSettings, Plan, plan_analysis
from transcript_judge.roles import RoleAssignment, assign_roles
from transcript_judge.rubric import Rubric, load_rubric
from transcript_judge.transcript import Transcript

from .synth import write_interview

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
MODEL = "gpt-4.1-mini"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {sys.version.split()[0]}; load average at the start {load} (the machine is shared)"
    )


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (it reads fine in a terminal too)."""
    cells = [[str(h) for h in headers], *[[_fmt(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


Summary = list[tuple[str, str, str, str]]  # (what, target, measured, verdict)
_ORDER = ("tokens", "latency", "eval", "overhead", "memory", "startup")


def write_section(name: str, title: str, command: str, body: str, summary: Summary) -> None:
    """Replace (or add) this benchmark's section of RESULTS.md, keeping the others, and
    rebuild the summary table at the top from every section's summary rows."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = (
        f"{start}\n<!-- summary:{json.dumps(summary)} -->\n## {title}\n\n"
        f"- Command: `{command}`\n- Date: {now()}\n- Machine: {machine()}\n\n{body.strip()}\n{end}"
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else _RESULTS_HEADER
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    rows: list[list[str]] = []
    for key in _ORDER:
        found = re.search(rf"<!-- {key}:start -->\n<!-- summary:(.*?) -->", text)
        if found:
            rows += [list(r) for r in json.loads(found.group(1))]
    block = (
        "<!-- summary:start -->\n## Summary\n\n"
        + table(["benchmark", "target", "measured", "verdict"], rows)
        + "\n<!-- summary:end -->"
    )
    if "<!-- summary:start -->" in text:
        text = re.sub(r"<!-- summary:start -->.*?<!-- summary:end -->", lambda _: block, text, flags=re.S)
    else:
        head, sep, rest = text.partition("<!-- ")
        text = head.rstrip() + "\n\n" + block + "\n\n" + sep + rest
    RESULTS.write_text(text, encoding="utf-8")
    print(f"\nwrote the '{title}' section of {RESULTS.relative_to(HERE.parent)}")


_RESULTS_HEADER = """# Benchmark results

Numbers printed by the scripts in `benchmarks/` (see [README.md](README.md)). Each section
says when, where and with which command it was produced; re-running a benchmark rewrites
only its own section and its rows of the summary.
"""


@dataclass
class Loaded:
    path: Path
    transcript: Transcript
    roles: RoleAssignment
    rubric: Rubric

    def plan(self, settings: AnalysisSettings | None = None, rubric: Rubric | None = None) -> Plan:
        return plan_analysis(self.transcript, self.roles, rubric or self.rubric, settings or AnalysisSettings())


def load_interview(minutes: int, *, fmt: str = "vtt", seed: int = 0, speakers: int | None = None) -> Loaded:
    path = write_interview(minutes, fmt=fmt, seed=seed, speakers=speakers)
    transcript = read_transcript(path)
    return Loaded(path, transcript, assign_roles(transcript), load_rubric())


def simulator_llm(base_url: str, *, max_retries: int = 4, timeout_s: float = 120.0) -> OpenAIChatLLM:
    """The real client (SDK retries and all) pointed at the simulator."""
    return OpenAIChatLLM(
        ClientSettings(
            model=MODEL, base_url=base_url, api_key="sk-simulator", max_retries=max_retries, timeout_s=timeout_s
        )
    )
