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
from .model import LEXICAL_BANNER, LEXICAL_READER, Report
from .summary import (
    LEGEND,
    Questions,
    by_section,
    chunk_problems,
    downgrade_note,
    has_conclusion,
    operator_warnings,
    reader_warnings,
    scorecard,
    time_order,
    verdict_label,
)

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
#: What every "Suggested follow-ups" section says of itself.
FOLLOW_UPS_NOTE = (
    "Suggestions for the next round, not findings: questions from the rubric's probes for what "
    "this interview didn't test, or tested too thinly, adapted to what the candidate talked about."
)


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
    questions = Questions(turns or [], report)
    return {
        "r": report,
        "banner": LEXICAL_BANNER,
        "lexical_reader": LEXICAL_READER,
        "card": scorecard(report),
        "sections": [] if report.judged_nothing else by_section(report),
        "legend": LEGEND,
        "time_order": time_order,
        "question_before": questions.before,
        "downgrade_note": downgrade_note,
        "problems": chunk_problems(report),
        "reader_warnings": reader_warnings(report),
        "operator_warnings": operator_warnings(report),
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
    """A compact summary for the terminal, in the reader's order (:mod:`.summary`)."""
    if report.tagger == "lexical":
        console.print(Panel(Text(LEXICAL_BANNER, style="bold"), border_style="yellow"))
    r = report
    card = scorecard(r)
    when = card.date.isoformat() if card.date else "date unknown"
    console.print(Text.assemble(("Candidate: ", "bold"), r.roles.shown_name, f"  ({r.roles.method}: {r.roles.reason})"))
    console.print(Text(f"Interview: {when} · {card.length or 'length unknown'} · {r.turns} turns", style="dim"))
    console.print(
        f"Model {r.model} · prompt {r.prompt_version} · {r.coverage.chunks_ok}/{r.coverage.chunks_total} "
        f"chunks · {r.usage.prompt_tokens}+{r.usage.completion_tokens} tokens · {_cost(r)}",
        markup=False,
        highlight=False,
    )
    if r.judged_nothing:
        failed = "FAILED: no part of the interview could be judged, so there are no verdicts."
        console.print(Text(failed, style="bold red"))
        for sentence, detail in chunk_problems(r):
            console.print(Text(f"  {sentence}" + (f" ({detail})" if detail else "")))
    else:
        _terminal_findings(r, console)
    _terminal_interview(r, console)
    _terminal_warnings(r, console)
    if r.partial and not r.judged_nothing:
        console.print(Text(f"PARTIAL RESULT: {r.coverage.chunks_failed} chunk(s) failed.", style="bold red"))
    console.print(Text(r.notice, style="italic dim"))


def _terminal_findings(r: Report, console: Console) -> None:
    """A table per section: red flags shown, strengths shown, left open, not shown."""
    for anchor, heading, _, findings in by_section(r):
        colour = {"flags-shown": "red", "strengths-shown": "green"}.get(anchor, "default")
        table = Table(title=heading, title_style=f"bold {colour}", show_lines=False, expand=True)
        # Titles stay whole (up to 26 characters) and the kind goes below, so a narrow
        # terminal keeps room for the evidence.
        widest = min(max(len(f.title) for f in findings), 26)
        table.add_column("Criterion", min_width=widest)
        table.add_column("Verdict", no_wrap=True)
        table.add_column("Conf.", justify="right", no_wrap=True)
        table.add_column("Evidence")
        for f in findings:
            style = colour if f.verdict == "shown" else "dim"
            quote = f.quotes[0] if f.quotes else None
            evidence = Text(f"[{quote.timestamp} T{quote.turn}] “{quote.text}”" if quote else f.rationale)
            if f.downgraded:
                evidence.append(" (a 'shown' didn't count: its quotes couldn't be verified)", style="yellow")
            kind = "red flag" if f.kind == "red_flag" else "strength"
            table.add_row(
                Text.assemble((f.title, style), "\n", (f"({kind})", "dim")),
                Text(verdict_label(f), style=style),
                f"{f.confidence:.2f}" if has_conclusion(f) else "-",
                evidence,
            )
        console.print(table)
    used = {verdict_label(f) for f in r.findings}
    console.print(Text("What the verdicts mean:", style="bold dim"))
    for label, meaning in LEGEND:
        if label in used:
            console.print(Text(f"  {label}: {meaning}", style="dim"))


def _terminal_warnings(r: Report, console: Console) -> None:
    """The reader's warnings, then the operator's (the lexical banner is already shown)."""
    operator = [w for w in operator_warnings(r) if w.kind != "lexical_baseline"]
    for w in reader_warnings(r):
        line = Text(f"! {w.kind}: ", style="yellow")
        line.append(w.message)
        if w.quote:
            line.append(f" “{w.quote}”", style="dim")
        console.print(line)
    if operator:
        console.print(Text("For whoever runs the tool:", style="bold dim"))
    for w in operator:
        line = Text(f"  {w.kind}: {w.message}", style="dim")
        if w.quote:
            line.append(f" “{w.quote}”")
        console.print(line)


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
    if r.follow_ups and not r.judged_nothing:  # they build on verdicts
        console.print(Text("Suggested follow-ups (suggestions, not findings):", style="bold"))
        for fu in r.follow_ups:
            console.print(Text(f"  - {fu.question}  [{fu.area}; {', '.join(fu.criteria)}]"))
