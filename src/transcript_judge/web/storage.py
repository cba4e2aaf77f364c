"""The web app's one adapter to the store: history, cache, trace, and its own table.

Everything the web layer needs from :mod:`transcript_judge.store`,
:mod:`transcript_judge.history`, :mod:`transcript_judge.llm.cache` and
:mod:`transcript_judge.trace` goes through here, so a change in their API is a change
in this file only.

The history has no place for what the web needs to show a transcript and resume a run,
so this module keeps one table of its own in the same SQLite file::

    web_uploads(analysis_id PK -> analyses.id ON DELETE CASCADE,
                upload_name, data BLOB, error, heartbeat_at)

``data`` is the uploaded file as received (the report page shows its turns, and a
resumed run parses it again); ``heartbeat_at`` is refreshed while a job runs, so a run
whose server died is told apart from one still running in another server. Deleting
the analysis (:meth:`History.forget`) deletes the row by cascade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..history import AnalysisRecord, Forgotten, History, RunStart, new_run_id, transcript_digest
from ..llm.base import LLM
from ..llm.cache import CachingLLM
from ..report.model import Report
from ..store import Store, now_iso
from ..trace import TraceWriter, TracingLLM, default_trace_path
from ..transcript import Transcript

__all__ = ["STALE_AFTER_S", "UploadInfo", "WebStore"]

#: A ``running`` web job whose heartbeat is older than this was cut off.
STALE_AFTER_S = 30.0

_TABLE = """
CREATE TABLE IF NOT EXISTS web_uploads (
    analysis_id TEXT PRIMARY KEY REFERENCES analyses(id) ON DELETE CASCADE,
    upload_name TEXT NOT NULL,
    data BLOB NOT NULL,
    error TEXT,
    heartbeat_at TEXT
)
"""


@dataclass(frozen=True)
class UploadInfo:
    """What the web app kept of an analysis besides the history row (without the bytes)."""

    analysis_id: str
    name: str
    size: int
    error: str | None
    heartbeat_at: str | None

    def stale(self, now: datetime | None = None) -> bool:
        if self.heartbeat_at is None:
            return True
        beat = datetime.fromisoformat(self.heartbeat_at)
        return (now or datetime.now(UTC)) - beat > timedelta(seconds=STALE_AFTER_S)


def _nothing() -> None:
    return None


class WebStore:
    """The store, as the web app uses it. Thread-safe like :class:`Store`."""

    def __init__(self, store: Store, *, trace: bool = True) -> None:
        self.store = store
        self.history = History(store)
        self.trace = trace
        with store.transaction() as c:
            c.execute(_TABLE)

    @classmethod
    def open(cls, path: Path | None = None, *, trace: bool = True) -> WebStore:
        return cls(Store.open(path), trace=trace)

    def close(self) -> None:
        self.store.close()

    # -- runs ---------------------------------------------------------------------

    @staticmethod
    def new_id() -> str:
        return new_run_id()

    def start(
        self,
        analysis_id: str,
        *,
        upload_name: str,
        data: bytes,
        transcript: Transcript,
        model: str,
        prompt_version: str,
        chunks_planned: int,
        options: dict[str, Any],
        resumed_from: str | None,
    ) -> None:
        """Record the run (``running``) and keep the upload, before anything is sent."""
        self.history.start(
            RunStart(
                id=analysis_id,
                source_name=upload_name,
                source_path=f"upload:{upload_name}",
                source_sha256=transcript_digest(transcript),
                model=model,
                prompt_version=prompt_version,
                chunks_planned=chunks_planned,
                options=options,
                resumed_from=resumed_from,
            )
        )
        with self.store.transaction() as c:
            c.execute(
                "INSERT INTO web_uploads (analysis_id, upload_name, data, heartbeat_at) VALUES (?, ?, ?, ?)",
                (analysis_id, upload_name, data, now_iso()),
            )

    def wrap_llm(
        self,
        llm: LLM,
        *,
        analysis_id: str,
        fingerprint: str,
        on_call: Callable[[dict[str, Any]], None] | None = None,
    ) -> tuple[TracingLLM, Callable[[], None]]:
        """The run's LLM stack, as the CLI builds it: trace outside, cache inside.

        Returns:
            The stack, and a closer for its trace file.
        """
        writer = TraceWriter(default_trace_path()) if self.trace else None
        cached = CachingLLM(llm, self.store, analysis_id=analysis_id)
        tracer = TracingLLM(cached, writer=writer, fingerprint=fingerprint, analysis_id=analysis_id, on_call=on_call)
        return tracer, (writer.close if writer is not None else _nothing)

    def finish(self, analysis_id: str, report: Report) -> None:
        self.history.finish(analysis_id, report)

    def fail(self, analysis_id: str, message: str) -> None:
        self.history.mark(analysis_id, "failed")
        with self.store.transaction() as c:
            c.execute("UPDATE web_uploads SET error = ? WHERE analysis_id = ?", (message, analysis_id))

    def interrupt(self, analysis_id: str) -> None:
        """Mark a run cut off (only if it is still ``running``)."""
        self.history.mark(analysis_id, "interrupted")

    def heartbeat(self, analysis_ids: list[str]) -> None:
        if not analysis_ids:
            return
        now = now_iso()
        with self.store.transaction() as c:
            c.executemany(
                "UPDATE web_uploads SET heartbeat_at = ? WHERE analysis_id = ?", [(now, i) for i in analysis_ids]
            )

    def recover(self, live: set[str]) -> list[str]:
        """Mark web runs left ``running`` by a server that is gone as ``interrupted``."""
        cut: list[str] = []
        for record in self.history.recent(500):
            if record.status != "running" or record.id in live:
                continue
            info = self.upload_info(record.id)
            if info is not None and info.stale():
                self.interrupt(record.id)
                cut.append(record.id)
        return cut

    # -- reading ------------------------------------------------------------------

    def record(self, analysis_id: str) -> AnalysisRecord | None:
        """The analysis with exactly this id (no prefixes: ids come from links)."""
        found = self.history.find(analysis_id)
        if isinstance(found, AnalysisRecord) and found.id == analysis_id:
            return found
        if isinstance(found, list):
            return next((r for r in found if r.id == analysis_id), None)
        return None

    def recent(self, limit: int = 50) -> list[AnalysisRecord]:
        return self.history.recent(limit)

    def report(self, analysis_id: str) -> Report | None:
        return self.history.report(analysis_id)

    def upload_info(self, analysis_id: str) -> UploadInfo | None:
        rows = self.store.query(
            "SELECT analysis_id, upload_name, length(data) AS size, error, heartbeat_at FROM web_uploads "
            "WHERE analysis_id = ?",
            (analysis_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return UploadInfo(r["analysis_id"], r["upload_name"], r["size"], r["error"], r["heartbeat_at"])

    def upload_data(self, analysis_id: str) -> bytes | None:
        """The uploaded file as received (None if the web app didn't start this analysis)."""
        rows = self.store.query("SELECT data FROM web_uploads WHERE analysis_id = ?", (analysis_id,))
        return bytes(rows[0]["data"]) if rows else None

    def resumed_by(self, analysis_id: str) -> str | None:
        """The latest run that resumed this one. (History has no lookup for this yet.)"""
        rows = self.store.query(
            "SELECT id FROM analyses WHERE resumed_from = ? ORDER BY started_at DESC, rowid DESC LIMIT 1",
            (analysis_id,),
        )
        return str(rows[0]["id"]) if rows else None

    def count_responses(self) -> int:
        return self.store.count_responses()

    # -- deleting -----------------------------------------------------------------

    def forget(self, analysis_id: str) -> Forgotten:
        """Delete the analysis, the runs it resumed, their uploads and cached responses."""
        gone = self.history.forget(analysis_id)
        # The cascade removes our rows; this also covers a connection without foreign keys.
        marks = ",".join("?" * len(gone.analyses))
        if marks:
            with self.store.transaction() as c:
                c.execute(f"DELETE FROM web_uploads WHERE analysis_id IN ({marks})", gone.analyses)
        return gone
