"""The history of analyses in the store: started, finished, resumed, forgotten.

A run is recorded *before* anything is sent (status ``running``, with the plan's chunk
count), so an interrupted run leaves a trace that ``--resume`` can find. On completion
the report is saved and the status becomes ``ok`` or ``partial``; Ctrl-C or an error
marks it ``interrupted`` or ``failed``; a killed process leaves it ``running``.

Each analysis remembers the cache keys it used, so :meth:`History.forget` can delete its
cached responses too, except those another analysis also used.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from .report.model import Report
from .store import Store, now_iso
from .transcript import Transcript

__all__ = [
    "AnalysisRecord",
    "Forgotten",
    "History",
    "RunStart",
    "RunStatus",
    "new_run_id",
    "record_of",
    "transcript_digest",
]

RunStatus = Literal["running", "ok", "partial", "interrupted", "failed"]
FINISHED: tuple[RunStatus, ...] = ("ok", "partial")


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def transcript_digest(transcript: Transcript) -> str:
    """A hash of the parsed transcript's speakers and words: "the same file" for resume."""
    h = hashlib.sha256()
    for turn in transcript.turns:
        h.update(f"{turn.speaker}\x1f{turn.text}\x1e".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class RunStart:
    """What is known about a run before it sends anything."""

    id: str
    source_name: str
    source_path: str
    source_sha256: str
    model: str
    prompt_version: str
    chunks_planned: int
    options: dict[str, Any] = field(default_factory=dict)
    resumed_from: str | None = None


@dataclass(frozen=True)
class AnalysisRecord:
    """One row of the history, without the report body."""

    id: str
    source_name: str
    source_path: str
    source_sha256: str
    model: str
    prompt_version: str
    options: dict[str, Any]
    status: str
    chunks_planned: int
    started_at: str
    finished_at: str | None
    resumed_from: str | None
    chunks_ok: int | None
    cost_usd: float | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def judged_nothing(self) -> bool:
        """A report with no chunk judged in it: shown as failed (:attr:`.Report.outcome`), kept
        ``partial`` in the store so it can be resumed."""
        return self.status == "partial" and self.chunks_ok == 0


@dataclass(frozen=True)
class Forgotten:
    analyses: list[str]
    responses_deleted: int
    responses_kept: int


_COLUMNS = (
    "id, source_name, source_path, source_sha256, model, prompt_version, options, status, "
    "chunks_planned, started_at, finished_at, resumed_from, report"
)


def record_of(row: Any, *, chunks_ok: int | None, cost_usd: float | None) -> AnalysisRecord:
    """An ``analyses`` row (the columns of :data:`_COLUMNS` but the report) as a record,
    with the two facts that live in its report."""
    return AnalysisRecord(
        id=row["id"],
        source_name=row["source_name"],
        source_path=row["source_path"],
        source_sha256=row["source_sha256"],
        model=row["model"],
        prompt_version=row["prompt_version"],
        options=json.loads(row["options"] or "{}"),
        status=row["status"],
        chunks_planned=row["chunks_planned"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        resumed_from=row["resumed_from"],
        chunks_ok=chunks_ok,
        cost_usd=cost_usd,
    )


def _record(row: Any) -> AnalysisRecord:
    chunks_ok: int | None = None
    cost: float | None = None
    if row["report"]:
        data = json.loads(row["report"])
        chunks_ok = data.get("coverage", {}).get("chunks_ok")
        cost = data.get("usage", {}).get("estimated_cost_usd")
    return record_of(row, chunks_ok=chunks_ok, cost_usd=cost)


class History:
    """Analyses in a :class:`~transcript_judge.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def start(self, run: RunStart) -> None:
        with self.store.transaction() as c:
            c.execute(
                "INSERT INTO analyses (id, source_name, source_path, source_sha256, model, prompt_version, "
                "options, status, chunks_planned, started_at, resumed_from) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                (
                    run.id,
                    run.source_name,
                    run.source_path,
                    run.source_sha256,
                    run.model,
                    run.prompt_version,
                    json.dumps(run.options, sort_keys=True),
                    run.chunks_planned,
                    now_iso(),
                    run.resumed_from,
                ),
            )

    def finish(self, analysis_id: str, report: Report) -> None:
        """Save the report; the status becomes ``ok`` or ``partial``."""
        with self.store.transaction() as c:
            c.execute(
                "UPDATE analyses SET status = ?, finished_at = ?, report = ? WHERE id = ?",
                ("partial" if report.partial else "ok", now_iso(), report.model_dump_json(), analysis_id),
            )

    def mark(self, analysis_id: str, status: RunStatus) -> None:
        """Mark a run that is still ``running`` as ``interrupted`` or ``failed``."""
        with self.store.transaction() as c:
            c.execute(
                "UPDATE analyses SET status = ?, finished_at = ? WHERE id = ? AND status = 'running'",
                (status, now_iso(), analysis_id),
            )

    def resumable(self, source_sha256: str) -> AnalysisRecord | None:
        """The most recent run of this transcript that didn't finish cleanly."""
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM analyses WHERE source_sha256 = ? AND status != 'ok' "
            "ORDER BY started_at DESC, rowid DESC LIMIT 1",
            (source_sha256,),
        )
        return _record(rows[0]) if rows else None

    def recent(self, limit: int = 50) -> list[AnalysisRecord]:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM analyses ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,)
        )
        return [_record(r) for r in rows]

    def find(self, id_or_prefix: str) -> AnalysisRecord | list[AnalysisRecord] | None:
        """The analysis with this id or unique id prefix; a list when the prefix is ambiguous."""
        prefix = id_or_prefix.strip().lower()
        if not prefix:
            return None
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM analyses WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY started_at DESC",
            (prefix, prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        )
        records = [_record(r) for r in rows]
        exact = [r for r in records if r.id == prefix]
        if exact:
            return exact[0]
        if len(records) == 1:
            return records[0]
        return records or None

    def report(self, analysis_id: str) -> Report | None:
        rows = self.store.query("SELECT report FROM analyses WHERE id = ?", (analysis_id,))
        if not rows or not rows[0]["report"]:
            return None
        return Report.model_validate_json(rows[0]["report"])

    def keys(self, analysis_id: str) -> list[str]:
        rows = self.store.query("SELECT key FROM analysis_keys WHERE analysis_id = ?", (analysis_id,))
        return [r["key"] for r in rows]

    def forget(self, analysis_id: str) -> Forgotten:
        """Delete an analysis, the interrupted runs it resumed, and their cached responses.

        Responses that another analysis also used are kept.
        """
        with self.store.transaction() as c:
            chain: list[str] = []
            current: str | None = analysis_id
            while current is not None and current not in chain:
                row = c.execute("SELECT resumed_from FROM analyses WHERE id = ?", (current,)).fetchone()
                if row is None:
                    break
                chain.append(current)
                current = row["resumed_from"]
            marks = ",".join("?" * len(chain))
            keys = {
                r["key"]
                for r in c.execute(f"SELECT DISTINCT key FROM analysis_keys WHERE analysis_id IN ({marks})", chain)
            }
            c.execute(f"DELETE FROM analyses WHERE id IN ({marks})", chain)  # cascades to analysis_keys
            deleted = 0
            for key in keys:
                deleted += c.execute(
                    "DELETE FROM responses WHERE key = ? AND NOT EXISTS "
                    "(SELECT 1 FROM analysis_keys WHERE analysis_keys.key = responses.key)",
                    (key,),
                ).rowcount
        return Forgotten(analyses=chain, responses_deleted=deleted, responses_kept=len(keys) - deleted)
