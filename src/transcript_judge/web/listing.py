"""The history, organised around candidates: who, when, what the verdicts were.

Each entry is one transcript (the runs whose parsed transcript has the same digest, so
three uploads of ``h01.vtt`` are one entry with two earlier runs), shown by its latest
run: the candidate, the interview's date when the file name carries one, the upload's
name, and a verdict summary ("3 red flags · 2 strengths shown · 4 insufficient"). The
facts come from the store's rows and the stored report JSON, summarised by SQLite
(:meth:`.storage.WebStore.history_page`); no report is loaded to draw the list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from .actions import AnalysisView
from .storage import HISTORY_STATES, HISTORY_VERDICTS, HistoryFilter, ListedRun

__all__ = [
    "STATE_CHOICES",
    "VERDICT_CHOICES",
    "HistoryEntry",
    "HistoryGroup",
    "HistoryPage",
    "group_runs",
    "history_filter",
    "interview_date",
]

#: The state filter's choices, as the reader reads them.
STATE_CHOICES: dict[str, str] = {
    "": "Any state",
    "done": "Done",
    "partial": "Partial",
    "failed": "Failed",
    "candidate_needed": "Waiting for the candidate's name",
    "running": "Running",
    "interrupted": "Interrupted",
}
VERDICT_CHOICES: dict[str, str] = {
    "": "Any verdicts",
    "red_flags": "Has red flags",
    "no_red_flags": "No red flags",
    "strengths": "Has strengths shown",
}

# 2024-03-12, 2024_03_12, 2024.03.12, Zoom's GMT20240312-150000, or 20240312 on its own.
_DATES = (
    re.compile(r"(?<!\d)(20\d\d)[-_.](\d\d)[-_.](\d\d)(?!\d)"),
    re.compile(r"(?<![0-9])(?:GMT)?(20\d\d)(\d\d)(\d\d)(?:[-_T]\d{4,6})?(?!\d)"),
)


def interview_date(name: str) -> date | None:
    """The interview's date, when the upload's file name carries one (None otherwise)."""
    for pattern in _DATES:
        for m in pattern.finditer(name):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
    return None


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass(frozen=True)
class HistoryEntry:
    """One run as a history row: the service's view of it, and its report's summary."""

    view: AnalysisView
    run: ListedRun

    @property
    def candidate(self) -> str | None:
        """The report's candidate, or the name given with the upload."""
        given = self.view.options.get("candidate")
        return self.run.candidate or (str(given) if given else None)

    @property
    def interview_date(self) -> date | None:
        return interview_date(self.view.source_name)

    @property
    def verdicts(self) -> str:
        """``3 red flags · 2 strengths shown · 4 insufficient`` ("" without a report)."""
        if not self.view.has_report:
            return ""
        r = self.run
        return " · ".join(
            (
                _plural(r.red_flags, "red flag", "red flags"),
                _plural(r.strengths, "strength shown", "strengths shown"),
                f"{r.insufficient} insufficient",
            )
        )


@dataclass(frozen=True)
class HistoryGroup:
    """One transcript: its latest run first, then the earlier ones (up to a few)."""

    entries: list[HistoryEntry]
    runs: int  # matching runs of this transcript, shown or not

    @property
    def latest(self) -> HistoryEntry:
        return self.entries[0]

    @property
    def earlier(self) -> list[HistoryEntry]:
        return self.entries[1:]

    @property
    def hidden(self) -> int:
        return self.runs - len(self.entries)


@dataclass(frozen=True)
class HistoryPage:
    filter: HistoryFilter
    groups: list[HistoryGroup]
    more: bool
    ops: bool = False  # show the operator's columns
    states: Mapping[str, str] = field(default_factory=lambda: STATE_CHOICES)
    verdicts: Mapping[str, str] = field(default_factory=lambda: VERDICT_CHOICES)

    @property
    def filtered(self) -> bool:
        f = self.filter
        return bool(f.q.strip() or f.state or f.verdict)

    def url(self, page: int) -> str:
        """The history page ``page`` with this search and filter."""
        f = self.filter
        query = {k: v for k, v in (("q", f.q), ("state", f.state), ("verdict", f.verdict)) if v}
        if self.ops:
            query["ops"] = "1"
        if page > 1:
            query["page"] = str(page)
        return "/history" + ("?" + urlencode(query) if query else "")


def history_filter(q: str | None, state: str | None, verdict: str | None, page: int | None, **kw: int) -> HistoryFilter:
    """The filter from the page's query parameters (unknown choices are ignored)."""
    return HistoryFilter(
        q=(q or "").strip()[:200],
        state=state if state in HISTORY_STATES else "",
        verdict=verdict if verdict in HISTORY_VERDICTS else "",
        page=max(1, min(page or 1, 10_000)),
        **kw,
    )


def group_runs(runs: list[ListedRun], view: Callable[[ListedRun], AnalysisView]) -> list[HistoryGroup]:
    """The page's runs, grouped by transcript in the order the store gave them."""
    groups: dict[str, list[HistoryEntry]] = {}
    counts: dict[str, int] = {}
    for run in runs:
        groups.setdefault(run.group, []).append(HistoryEntry(view(run), run))
        counts[run.group] = run.runs
    return [HistoryGroup(entries, counts[key]) for key, entries in groups.items()]
