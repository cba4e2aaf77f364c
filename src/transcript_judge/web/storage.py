"""The web app's one adapter to the store: history, cache, trace, and its own table.

Everything the web layer needs from :mod:`transcript_judge.store`,
:mod:`transcript_judge.history`, :mod:`transcript_judge.llm.cache` and
:mod:`transcript_judge.trace` goes through here, so a change in their API is a change
in this file only.

The history has no place for what the web needs to show a transcript and resume a run,
so it has two tables of its own in the same SQLite file (created by the store's
migrations, :mod:`transcript_judge.store`)::

    web_uploads(analysis_id PK -> analyses.id ON DELETE CASCADE,
                upload_name, error, heartbeat_at, question JSON)
    web_blobs(analysis_id -> web_uploads ON DELETE CASCADE, kind 'upload' | 'turns', data BLOB)

The ``upload`` blob is the uploaded file as received (a resumed run parses it again),
copied in from the spool file in chunks and read back with incremental blob I/O, never
through a row; ``heartbeat_at`` is refreshed while a job runs (or waits for a slot), so a
run whose server died is told apart from one still running in another server;
``question`` is what the job had to ask before it could go on (which speaker is the
candidate); the ``turns`` blob is the transcript the job parsed, compact (zlib'd JSON, see
:func:`.pipeline.encode_turns`), so the report page shows it without parsing the upload
again (seconds and hundreds of MB for a large one). Deleting the analysis
(:meth:`History.forget`) deletes the rows by cascade.

The blobs have a table of their own because SQLite rewrites a whole row to update one
column: with the upload in ``web_uploads``, every heartbeat and the write of the turns
re-read and re-wrote a 25 MB file, ~50 MB of memory each time (benchmark 6). Migration 3
moves a store in the first layout.

A web run is recorded when it is uploaded, before it is parsed (that happens in the
job), so its history row starts without the transcript's digest and chunk count:
:meth:`WebStore.planned` fills them in. That, and re-opening a run that asked a
question (:meth:`WebStore.reopen`), are the two writes this module makes to the
history's own table; :class:`History` has no method for them yet.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..history import AnalysisRecord, Forgotten, History, RunStart, new_run_id, record_of
from ..llm.base import LLM
from ..report.model import Report
from ..runs import run_stack
from ..store import Store, now_iso
from ..store.reviews import Reviews
from ..trace import TraceWriter, TracingLLM, default_trace_path

__all__ = ["STALE_AFTER_S", "HistoryFilter", "ListedRun", "UploadInfo", "WebStore"]

#: A ``running`` web job whose heartbeat is older than this was cut off.
STALE_AFTER_S = 30.0
#: The digest of a run's transcript before its job has parsed it.
NOT_PARSED_YET = ""
_COPY_CHUNK = 1 << 20

def _copy_spooled(c: sqlite3.Connection, analysis_id: str, spooled: Path) -> None:
    """The spool file into a new upload blob, 1 MB at a time (never whole in memory)."""
    size = spooled.stat().st_size
    cursor = c.execute(
        "INSERT INTO web_blobs (analysis_id, kind, data) VALUES (?, 'upload', zeroblob(?))", (analysis_id, size)
    )
    assert cursor.lastrowid is not None
    with c.blobopen("web_blobs", "data", cursor.lastrowid) as blob, spooled.open("rb") as fh:
        while size > 0 and (piece := fh.read(min(_COPY_CHUNK, size))):
            blob.write(piece)
            size -= len(piece)


@dataclass(frozen=True)
class UploadInfo:
    """What the web app kept of an analysis besides the history row (without the bytes)."""

    analysis_id: str
    name: str
    size: int
    error: str | None
    heartbeat_at: str | None
    question: dict[str, Any] | None = None

    def stale(self, now: datetime | None = None) -> bool:
        if self.heartbeat_at is None:
            return True
        beat = datetime.fromisoformat(self.heartbeat_at)
        return (now or datetime.now(UTC)) - beat > timedelta(seconds=STALE_AFTER_S)


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class HistoryFilter:
    """What the history list is asked for: a search, a state, a verdict, a page.

    ``state`` is one of :data:`HISTORY_STATES` ("" for all); ``verdict`` one of
    :data:`HISTORY_VERDICTS`; ``q`` matches the file name or the candidate (ASCII letters
    regardless of case, as SQLite's ``LIKE``).
    """

    q: str = ""
    state: str = ""
    verdict: str = ""
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class ListedRun:
    """One run in the history list: its row, and the summary of its report (from the
    stored report JSON, read by SQLite: no report is loaded here)."""

    record: AnalysisRecord
    group: str  # the transcript's digest (the id while it isn't parsed yet)
    runs: int  # runs of this transcript that match the filter
    candidate: str | None  # the report's candidate (None: no report yet)
    red_flags: int  # shown
    strengths: int  # shown
    insufficient: int  # criteria with insufficient evidence
    resumed_by: str | None


_SHOWN = "json_extract(value, '$.verdict') = 'shown'"
_COUNT = "(SELECT count(*) FROM json_each(a.report, '$.{key}') WHERE {cond})"
_INSUFFICIENT = "json_extract(value, '$.verdict') = 'insufficient_evidence'"
#: The history's state filter: SQL over ``analyses a`` and ``web_uploads u`` (``?`` is
#: the heartbeat before which a web run left ``running`` is taken as cut off).
HISTORY_STATES: dict[str, str] = {
    "done": "a.status = 'ok'",
    # A partial report with no chunk judged shows as failed (AnalysisRecord.judged_nothing).
    "partial": "a.status = 'partial' AND json_extract(a.report, '$.coverage.chunks_ok') IS NOT 0",
    "failed": "((a.status = 'failed' AND coalesce(json_extract(u.question, '$.kind'), '') != 'candidate') "
    "OR (a.status = 'partial' AND json_extract(a.report, '$.coverage.chunks_ok') IS 0))",
    "candidate_needed": "a.status = 'failed' AND json_extract(u.question, '$.kind') = 'candidate'",
    "running": "a.status = 'running' AND (u.analysis_id IS NULL OR u.heartbeat_at >= :cutoff)",
    "interrupted": "(a.status = 'interrupted' OR (a.status = 'running' AND u.analysis_id IS NOT NULL "
    "AND (u.heartbeat_at IS NULL OR u.heartbeat_at < :cutoff)))",
}
HISTORY_VERDICTS: dict[str, str] = {
    "red_flags": f"EXISTS (SELECT 1 FROM json_each(a.report, '$.red_flags') WHERE {_SHOWN})",
    "no_red_flags": "a.report IS NOT NULL AND NOT EXISTS "
    f"(SELECT 1 FROM json_each(a.report, '$.red_flags') WHERE {_SHOWN})",
    "strengths": f"EXISTS (SELECT 1 FROM json_each(a.report, '$.strengths') WHERE {_SHOWN})",
}
#: Earlier runs of one transcript listed under its latest (the rest are counted).
RUNS_SHOWN = 6


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _history_sql(f: HistoryFilter) -> tuple[str, dict[str, object]]:
    """The history query: the page's transcripts (groups of runs with one digest),
    newest first, and up to :data:`RUNS_SHOWN` runs of each."""
    where = ["1 = 1"]
    params: dict[str, object] = {
        "cutoff": (datetime.now(UTC) - timedelta(seconds=STALE_AFTER_S)).isoformat(timespec="milliseconds"),
        "limit": f.per_page + 1,  # one more says whether there is a next page
        "offset": (max(1, f.page) - 1) * f.per_page,
        "shown": RUNS_SHOWN,
    }
    if f.q.strip():
        params["q"] = _like(f.q.strip())
        where.append(
            "(a.source_name LIKE :q ESCAPE '\\' OR json_extract(a.options, '$.candidate') LIKE :q ESCAPE '\\' "
            "OR json_extract(a.report, '$.roles.candidate') LIKE :q ESCAPE '\\')"
        )
    if f.state in HISTORY_STATES:
        where.append(HISTORY_STATES[f.state])
    if f.verdict in HISTORY_VERDICTS:
        where.append(HISTORY_VERDICTS[f.verdict])
    sql = f"""
    WITH matching AS (
        SELECT a.id, a.started_at, a.rowid AS n, coalesce(nullif(a.source_sha256, ''), a.id) AS grp
        FROM analyses a LEFT JOIN web_uploads u ON u.analysis_id = a.id
        WHERE {" AND ".join(where)}
    ), groups AS (
        SELECT grp, max(started_at) AS latest, max(n) AS last_n, count(*) AS runs FROM matching
        GROUP BY grp ORDER BY latest DESC, last_n DESC LIMIT :limit OFFSET :offset
    ), ranked AS (
        SELECT m.id, m.grp, g.runs, g.latest, g.last_n,
               row_number() OVER (PARTITION BY m.grp ORDER BY m.started_at DESC, m.n DESC) AS place
        FROM matching m JOIN groups g ON g.grp = m.grp
    )
    SELECT a.id, a.source_name, a.source_path, a.source_sha256, a.model, a.prompt_version, a.options,
           a.status, a.chunks_planned, a.started_at, a.finished_at, a.resumed_from,
           r.grp, r.runs,
           json_extract(a.report, '$.roles.candidate') AS candidate,
           json_extract(a.report, '$.coverage.chunks_ok') AS chunks_ok,
           json_extract(a.report, '$.usage.estimated_cost_usd') AS cost_usd,
           {_COUNT.format(key="red_flags", cond=_SHOWN)} AS red_flags,
           {_COUNT.format(key="strengths", cond=_SHOWN)} AS strengths,
           {_COUNT.format(key="red_flags", cond=_INSUFFICIENT)}
             + {_COUNT.format(key="strengths", cond=_INSUFFICIENT)} AS insufficient,
           (SELECT b.id FROM analyses b WHERE b.resumed_from = a.id
            ORDER BY b.started_at DESC, b.rowid DESC LIMIT 1) AS resumed_by
    FROM ranked r JOIN analyses a ON a.id = r.id
    WHERE r.place <= :shown
    ORDER BY r.latest DESC, r.last_n DESC, r.place
    """
    return sql, params


def _listed(row: Any) -> ListedRun:
    record = record_of(row, chunks_ok=row["chunks_ok"], cost_usd=row["cost_usd"])
    return ListedRun(
        record=record,
        group=row["grp"],
        runs=row["runs"],
        candidate=row["candidate"],
        red_flags=row["red_flags"],
        strengths=row["strengths"],
        insufficient=row["insufficient"],
        resumed_by=row["resumed_by"],
    )


class WebStore:
    """The store, as the web app uses it. Thread-safe like :class:`Store`."""

    def __init__(self, store: Store, *, trace: bool = True) -> None:
        self.store = store
        self.history = History(store)
        self.trace = trace

    @property
    def spool_dir(self) -> Path:
        """Where uploads are spooled while they arrive: the store's folder, ``uploads/``."""
        return self.store.path.parent / "uploads"

    @classmethod
    def open(cls, path: Path | None = None, *, trace: bool = True) -> WebStore:
        return cls(Store.open(path), trace=trace)

    def close(self) -> None:
        self.store.close()

    @property
    def reviews(self) -> Reviews:
        """People's reviews of the analyses (:mod:`transcript_judge.store.reviews`)."""
        return Reviews(self.store)

    # -- runs ---------------------------------------------------------------------

    @staticmethod
    def new_id() -> str:
        return new_run_id()

    def start(
        self,
        analysis_id: str,
        *,
        upload_name: str,
        model: str,
        prompt_version: str,
        options: dict[str, Any],
        resumed_from: str | None = None,
        spooled: Path | None = None,
        data: bytes | None = None,
        copy_from: str | None = None,
    ) -> None:
        """Record the run (``running``, not parsed yet) and keep its upload: from a spool
        file (copied in 1 MB at a time), from bytes, or from another analysis's upload.

        Raises:
            ValueError: not exactly one source of the upload; ``copy_from`` has none.
            OSError: the spool file can't be read.
        """
        if sum(x is not None for x in (spooled, data, copy_from)) != 1:
            raise ValueError("start() needs exactly one of spooled, data, copy_from")
        if copy_from is not None and self.upload_info(copy_from) is None:
            raise ValueError(f"analysis {copy_from} has no upload to copy")
        self.history.start(
            RunStart(
                id=analysis_id,
                source_name=upload_name,
                source_path=f"upload:{upload_name}",
                source_sha256=NOT_PARSED_YET,
                model=model,
                prompt_version=prompt_version,
                chunks_planned=0,
                options=options,
                resumed_from=resumed_from,
            )
        )
        with self.store.transaction() as c:
            c.execute(
                "INSERT INTO web_uploads (analysis_id, upload_name, heartbeat_at) VALUES (?, ?, ?)",
                (analysis_id, upload_name, now_iso()),
            )
            if copy_from is not None:  # SQLite copies the blob; it never passes through Python
                c.execute(
                    "INSERT INTO web_blobs (analysis_id, kind, data) "
                    "SELECT ?, kind, data FROM web_blobs WHERE analysis_id = ? AND kind = 'upload'",
                    (analysis_id, copy_from),
                )
            elif data is not None:
                c.execute(
                    "INSERT INTO web_blobs (analysis_id, kind, data) VALUES (?, 'upload', ?)", (analysis_id, data)
                )
            else:
                assert spooled is not None
                _copy_spooled(c, analysis_id, spooled)

    def planned(self, analysis_id: str, *, digest: str, chunks: int, turns: bytes | None = None) -> None:
        """The job parsed and planned the upload: record the transcript's digest (what
        ``--resume`` matches on), the number of chunks, and the parsed turns (compact)."""
        with self.store.transaction() as c:
            c.execute(
                "UPDATE analyses SET source_sha256 = ?, chunks_planned = ? WHERE id = ?",
                (digest, chunks, analysis_id),
            )
            c.execute("DELETE FROM web_blobs WHERE analysis_id = ? AND kind = 'turns'", (analysis_id,))
            if turns is not None:
                c.execute(
                    "INSERT INTO web_blobs (analysis_id, kind, data) VALUES (?, 'turns', ?)", (analysis_id, turns)
                )

    def turns(self, analysis_id: str) -> bytes | None:
        """The parsed turns the job kept (None: not parsed yet, or a store from before)."""
        return self._blob(analysis_id, "turns")

    def _blob(self, analysis_id: str, kind: str) -> bytes | None:
        return self.store.read_blob("web_blobs", "data", "analysis_id = ? AND kind = ?", (analysis_id, kind))

    def reopen(self, analysis_id: str, options: dict[str, Any]) -> bool:
        """Run a run that stopped to ask a question again, under the same id, with the
        answer in its ``options``. False if it isn't waiting for an answer."""
        with self.store.transaction() as c:
            row = c.execute(
                "SELECT u.question FROM web_uploads u JOIN analyses a ON a.id = u.analysis_id "
                "WHERE u.analysis_id = ? AND a.status = 'failed'",
                (analysis_id,),
            ).fetchone()
            if row is None or not row["question"]:
                return False
            c.execute(
                "UPDATE analyses SET status = 'running', finished_at = NULL, options = ? WHERE id = ?",
                (json.dumps(options, sort_keys=True), analysis_id),
            )
            c.execute(
                "UPDATE web_uploads SET error = NULL, question = NULL, heartbeat_at = ? WHERE analysis_id = ?",
                (now_iso(), analysis_id),
            )
            c.execute("DELETE FROM web_blobs WHERE analysis_id = ? AND kind = 'turns'", (analysis_id,))
        return True

    def wrap_llm(
        self,
        llm: LLM,
        *,
        analysis_id: str,
        fingerprint: str,
        on_call: Callable[[dict[str, Any]], None] | None = None,
    ) -> tuple[TracingLLM, Callable[[], None]]:
        """The run's LLM stack, the CLI's own (:func:`.runs.run_stack`).

        Returns:
            The stack, and a closer for its trace file.
        """
        writer = TraceWriter(default_trace_path()) if self.trace else None
        tracer = run_stack(
            llm, self.store, analysis_id=analysis_id, fingerprint=fingerprint, writer=writer, on_call=on_call
        )
        return tracer, (writer.close if writer is not None else _nothing)

    def finish(self, analysis_id: str, report: Report) -> None:
        self.history.finish(analysis_id, report)

    def fail(self, analysis_id: str, message: str, *, question: dict[str, Any] | None = None) -> None:
        """Mark the run failed, with the reason; ``question`` when an answer from the
        user (e.g. which speaker is the candidate) would let it go on."""
        self.history.mark(analysis_id, "failed")
        with self.store.transaction() as c:
            c.execute(
                "UPDATE web_uploads SET error = ?, question = ? WHERE analysis_id = ?",
                (message, json.dumps(question) if question is not None else None, analysis_id),
            )

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
        # Only the ids of runs still marked running: not every report of the history.
        rows = self.store.query(
            "SELECT id FROM analyses WHERE status = 'running' ORDER BY started_at DESC, rowid DESC LIMIT 500"
        )
        for analysis_id in (str(r["id"]) for r in rows):
            if analysis_id in live:
                continue
            info = self.upload_info(analysis_id)
            if info is not None and info.stale():
                self.interrupt(analysis_id)
                cut.append(analysis_id)
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

    def history_page(self, f: HistoryFilter) -> tuple[list[ListedRun], bool]:
        """One page of the history, by transcript (:func:`_history_sql`): the runs, and
        whether there is a next page. Bounded: ``per_page`` transcripts, and at most
        :data:`RUNS_SHOWN` runs of each."""
        sql, params = _history_sql(f)
        rows = self.store.query(sql, params)  # type: ignore[arg-type]
        groups: list[str] = []
        for row in rows:
            if row["grp"] not in groups:
                groups.append(row["grp"])
        kept = set(groups[: f.per_page])
        return [_listed(r) for r in rows if r["grp"] in kept], len(groups) > f.per_page

    def upload_info(self, analysis_id: str) -> UploadInfo | None:
        rows = self.store.query(
            "SELECT u.analysis_id, upload_name, length(b.data) AS size, error, heartbeat_at, question "
            "FROM web_uploads u LEFT JOIN web_blobs b ON b.analysis_id = u.analysis_id AND b.kind = 'upload' "
            "WHERE u.analysis_id = ?",
            (analysis_id,),
        )
        if not rows:
            return None
        r = rows[0]
        question = json.loads(r["question"]) if r["question"] else None
        return UploadInfo(r["analysis_id"], r["upload_name"], r["size"], r["error"], r["heartbeat_at"], question)

    def upload_data(self, analysis_id: str) -> bytes | None:
        """The uploaded file as received (None if the web app didn't start this analysis)."""
        return self._blob(analysis_id, "upload")

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
                c.execute(f"DELETE FROM web_blobs WHERE analysis_id IN ({marks})", gone.analyses)
                c.execute(f"DELETE FROM web_uploads WHERE analysis_id IN ({marks})", gone.analyses)
        return gone
