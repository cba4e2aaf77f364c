"""Step 9: the report as JSON, Markdown, self-contained HTML, or a terminal summary.

HTML is rendered with autoescaping on, so transcript text can't inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..errors import ConfigError
from ..ingest.textclean import safe_display
from ..transcript import Turn, format_timestamp
from .model import LEXICAL_BANNER, Finding, Report

__all__ = [
    "FOLLOW_UPS_NOTE",
    "Format",
    "format_for_path",
    "has_conclusion",
    "render",
    "render_pieces",
    "render_terminal",
    "verdict_label",
]

Format = Literal["json", "md", "html"]
_LABELS = {
    "shown": "shown",
    "not_shown": "not shown",
    "insufficient_evidence": "insufficient evidence",
    "not_probed": "not probed",
}
#: What every "Suggested follow-ups" section says of itself.
FOLLOW_UPS_NOTE = (
    "Suggestions for the next round, not findings: questions from the rubric's probes for what "
    "this interview didn't test, or tested too thinly, adapted to what the candidate talked about."
)


def verdict_label(finding: Finding) -> str:
    """A verdict in words, the same in every format: *probed, not shown* where the
    interview gave the candidate the chance, *not probed* where it didn't."""
    if finding.verdict == "not_shown" and finding.probed:
        return "probed, not shown"
    return _LABELS[finding.verdict]


def has_conclusion(finding: Finding) -> bool:
    """Whether the verdict concludes anything (so its confidence means something)."""
    return finding.verdict in ("shown", "not_shown")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")
# In a name shown as a heading, '_' stays as written (file names are full of them).
_MD_NAME_SPECIAL = re.compile(r"([\\`*{}\[\]<>|#])")


def _md(text: object) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_name(text: object) -> str:
    """A file name for a Markdown heading: one safe line (see ``safe_display``), with the
    characters that would make markup escaped."""
    return _MD_NAME_SPECIAL.sub(r"\\\1", safe_display(text))


@cache
def _env(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("transcript_judge.report", "templates"),
        undefined=StrictUndefined,
        autoescape=autoescape,  # the HTML env escapes everything; the Markdown env uses the md filter
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = _md
    env.filters["md_name"] = _md_name
    env.filters["display"] = safe_display
    return env


def _cost(report: Report) -> str:
    c = report.usage.estimated_cost_usd
    if c is None:
        return "cost unknown (no price for this model; set TJ_PRICE_INPUT/TJ_PRICE_OUTPUT)"
    return f"estimated ${c:.4f}"


def _context(report: Report, turns: Sequence[Turn] | None) -> dict[str, object]:
    return {
        "r": report,
        "banner": LEXICAL_BANNER,
        "verdict_label": verdict_label,
        "has_conclusion": has_conclusion,
        "follow_ups_note": FOLLOW_UPS_NOTE,
        "cost": _cost(report),
        "turns": list(turns or []),
        "duration": format_timestamp(report.duration_s),
    }


def format_for_path(path: Path, explicit: str | None = None) -> Format:
    name = (explicit or path.suffix.lstrip(".")).lower()
    aliases: dict[str, Format] = {"json": "json", "md": "md", "markdown": "md", "html": "html", "htm": "html"}
    if name not in aliases:
        raise ConfigError(
            f"Can't tell the report format from {path.name!r}.",
            hint="Use a .json, .md or .html file name, or --format json|md|html.",
        )
    return aliases[name]


def render(report: Report, fmt: Format, *, turns: Sequence[Turn] | None = None) -> str:
    return "".join(render_pieces(report, fmt, turns=turns))


def render_pieces(report: Report, fmt: Format, *, turns: Sequence[Turn] | None = None) -> Iterator[str]:
    """:func:`render`, a piece at a time, for writing to a file: an HTML report embeds the
    whole transcript, and a long one's page never needs to exist whole in memory."""
    if fmt == "json":
        yield report.model_dump_json(indent=2)
        return
    template = "report.html.j2" if fmt == "html" else "report.md.j2"
    yield from _env(fmt == "html").get_template(template).generate(**_context(report, turns))


def render_terminal(report: Report, console: Console) -> None:
    """A compact summary for the terminal."""
    if report.tagger == "lexical":
        console.print(Panel(Text(LEXICAL_BANNER, style="bold"), border_style="yellow"))
    r = report
    console.print(Text.assemble(("Candidate: ", "bold"), r.roles.candidate, f"  ({r.roles.method}: {r.roles.reason})"))
    console.print(
        f"Model {r.model} · prompt {r.prompt_version} · {r.coverage.chunks_ok}/{r.coverage.chunks_total} "
        f"chunks · {r.usage.prompt_tokens}+{r.usage.completion_tokens} tokens · {_cost(r)}",
        markup=False,
        highlight=False,
    )
    for title, findings, colour in (("Strengths", r.strengths, "green"), ("Red flags", r.red_flags, "red")):
        table = Table(title=title, title_style=f"bold {colour}", show_lines=False, expand=True)
        table.add_column("Criterion", no_wrap=True)
        table.add_column("Verdict", no_wrap=True)
        table.add_column("Conf.", justify="right")
        table.add_column("Evidence")
        for f in findings:
            style = colour if f.verdict == "shown" else "dim"
            quote = f.quotes[0] if f.quotes else None
            evidence = Text(f"[{quote.timestamp} T{quote.turn}] “{quote.text}”" if quote else f.rationale)
            table.add_row(
                Text(f.title, style=style),
                Text(verdict_label(f), style=style),
                f"{f.confidence:.2f}" if has_conclusion(f) else "-",
                evidence,
            )
        console.print(table)
    _terminal_interview(r, console)
    for w in r.warnings:
        if w.kind == "lexical_baseline":
            continue
        line = Text(f"! {w.kind}: ", style="yellow")
        line.append(w.message)
        if w.quote:
            line.append(f" “{w.quote}”", style="dim")
        console.print(line)
    if r.partial:
        console.print(Text(f"PARTIAL RESULT: {r.coverage.chunks_failed} chunk(s) failed.", style="bold red"))
    console.print(Text(r.notice, style="italic dim"))


def _terminal_interview(r: Report, console: Console) -> None:
    """What the interview covered, and the suggested follow-ups."""
    iv = r.interview
    if iv is None:
        return
    if not iv.probes_available:
        console.print(Text(f"Interview coverage: {iv.unavailable_reason}", style="dim"))
        return
    covered = [a for a in iv.areas if a.covered]
    missed = [a.area for a in iv.areas if not a.covered]
    line = Text("Interview covered: ", style="bold")
    line.append(", ".join(f"{a.area} ({a.timestamp})" for a in covered) or "none of the rubric's areas")
    if missed:
        line.append("; not covered: " + ", ".join(missed), style="yellow")
    console.print(line)
    talk = ", ".join(f"{s.speaker} {s.share:.0%}" for s in iv.talk_time)
    console.print(Text(f"Talk time (words): {talk}", style="dim"))
    if r.follow_ups:
        console.print(Text("Suggested follow-ups (suggestions, not findings):", style="bold"))
        for fu in r.follow_ups:
            console.print(Text(f"  - {fu.question}  [{fu.area}; {', '.join(fu.criteria)}]"))
