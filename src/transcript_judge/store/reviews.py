"""People's reviews of analyses, in the store (tables ``review_findings`` and
``review_notes``, migration 4): the rows of :class:`~transcript_judge.review.Review`.

Each write is its own short transaction. Deleting an analysis (``forget``, or the web
page's delete) deletes its review by cascade. The shape and its checks are
:mod:`transcript_judge.review`'s; this module only reads and writes rows (imported from
here, not from the package, so that the store stays cheap to import).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ..review import FindingReview, OverallNote, Review
from .cache import Store

__all__ = ["Reviews"]


def _iso(at: datetime) -> str:
    """Stored in UTC, whatever offset it was given in (the page says "UTC")."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


class Reviews:
    """The reviews in a :class:`~transcript_judge.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, analysis_id: str) -> Review:
        """The analysis's review (empty when nobody has reviewed it)."""
        rows = self.store.query(
            "SELECT criterion_id, decision, verdict, note, reviewer, reviewed_at FROM review_findings "
            "WHERE analysis_id = ? ORDER BY rowid",
            (analysis_id,),
        )
        findings = {
            r["criterion_id"]: FindingReview(
                criterion_id=r["criterion_id"],
                decision=r["decision"],
                verdict=r["verdict"],
                note=r["note"],
                reviewer=r["reviewer"],
                reviewed_at=datetime.fromisoformat(r["reviewed_at"]),
            )
            for r in rows
        }
        notes = self.store.query(
            "SELECT note, reviewer, reviewed_at FROM review_notes WHERE analysis_id = ?", (analysis_id,)
        )
        overall = None
        if notes:
            n = notes[0]
            overall = OverallNote(
                note=n["note"], reviewer=n["reviewer"], reviewed_at=datetime.fromisoformat(n["reviewed_at"])
            )
        return Review(analysis_id=analysis_id, findings=findings, overall=overall)

    def save_finding(self, analysis_id: str, entry: FindingReview) -> None:
        """Record (or replace) the review of one finding."""
        with self.store.transaction() as c:
            c.execute(
                "INSERT INTO review_findings (analysis_id, criterion_id, decision, verdict, note, reviewer, "
                "reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (analysis_id, criterion_id) DO UPDATE SET "
                "decision = excluded.decision, verdict = excluded.verdict, note = excluded.note, "
                "reviewer = excluded.reviewer, reviewed_at = excluded.reviewed_at",
                (
                    analysis_id,
                    entry.criterion_id,
                    entry.decision,
                    entry.verdict,
                    entry.note,
                    entry.reviewer,
                    _iso(entry.reviewed_at),
                ),
            )

    def clear_finding(self, analysis_id: str, criterion_id: str) -> bool:
        """Delete the review of one finding; False if there was none."""
        with self.store.transaction() as c:
            gone = c.execute(
                "DELETE FROM review_findings WHERE analysis_id = ? AND criterion_id = ?", (analysis_id, criterion_id)
            ).rowcount
        return gone > 0

    def save_overall(self, analysis_id: str, note: OverallNote | None) -> None:
        """Record (or replace) the overall note; None deletes it."""
        with self.store.transaction() as c:
            if note is None:
                c.execute("DELETE FROM review_notes WHERE analysis_id = ?", (analysis_id,))
                return
            c.execute(
                "INSERT INTO review_notes (analysis_id, note, reviewer, reviewed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (analysis_id) DO UPDATE SET note = excluded.note, reviewer = excluded.reviewer, "
                "reviewed_at = excluded.reviewed_at",
                (analysis_id, note.note, note.reviewer, _iso(note.reviewed_at)),
            )

    def reviewed(self) -> list[str]:
        """The ids of every analysis with a review of at least one finding, oldest analysis first."""
        rows = self.store.query(
            "SELECT a.id FROM analyses a WHERE EXISTS (SELECT 1 FROM review_findings r WHERE r.analysis_id = a.id) "
            "ORDER BY a.started_at, a.rowid"
        )
        return [r["id"] for r in rows]

    def count(self, analysis_ids: Sequence[str] | None = None) -> int:
        """How many review entries (reviewed findings and overall notes) these analyses
        have; every analysis's without ``analysis_ids``."""
        if analysis_ids is not None and not analysis_ids:
            return 0
        where, ids = "", tuple(analysis_ids or ())
        if ids:
            where = f" WHERE analysis_id IN ({','.join('?' * len(ids))})"
        findings = self.store.query(f"SELECT count(*) FROM review_findings{where}", ids)
        notes = self.store.query(f"SELECT count(*) FROM review_notes{where}", ids)
        return int(findings[0][0]) + int(notes[0][0])
