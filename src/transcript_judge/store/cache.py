"""The store with its own rows: the response cache and what each endpoint accepts.

The cache's policy (what is worth keeping, the key) is :mod:`transcript_judge.llm.cache`'s;
this is where its rows are read and written, each write its own committed transaction.
"""

from __future__ import annotations

import sqlite3

from ..llm.base import ChatResult
from .db import Database, now_iso

__all__ = ["Store"]


class Store(Database):
    """A connection to the store. Thread-safe; open one per process (or per run).

    Example:
        >>> with Store.open() as store:  # doctest: +SKIP
        ...     store.get_response(request.key())
    """

    # -- the response cache ---------------------------------------------------------

    def get_response(self, key: str) -> ChatResult | None:
        """The cached result for a request key, or None. Counts the hit."""
        rows = self.query("SELECT result FROM responses WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            result = ChatResult.model_validate_json(rows[0]["result"])
        except ValueError:
            return None  # written by an incompatible version: treat as a miss, it is rewritten
        with self.transaction() as c:
            c.execute("UPDATE responses SET hits = hits + 1, last_hit_at = ? WHERE key = ?", (now_iso(), key))
        return result

    def put_response(self, key: str, result: ChatResult, *, analysis_id: str | None = None) -> None:
        """Store a result (and link it to an analysis) in one committed transaction."""
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO responses (key, model, result, created_at) VALUES (?, ?, ?, ?)",
                (key, result.model, result.model_dump_json(), now_iso()),
            )
            if analysis_id is not None:
                _link(c, analysis_id, key)

    def link_key(self, analysis_id: str, key: str) -> None:
        """Record that an analysis used a cached response (so ``forget`` can find it)."""
        with self.transaction() as c:
            _link(c, analysis_id, key)

    def count_responses(self) -> int:
        return int(self.query("SELECT COUNT(*) AS n FROM responses")[0]["n"])

    def has_response(self, key: str) -> bool:
        return bool(self.query("SELECT 1 FROM responses WHERE key = ?", (key,)))

    # -- what each endpoint accepts (llm/openai_client.ModeMemory) -------------------

    def get_endpoint_mode(self, endpoint: str) -> str | None:
        rows = self.query("SELECT mode FROM endpoint_modes WHERE endpoint = ?", (endpoint,))
        return str(rows[0]["mode"]) if rows else None

    def put_endpoint_mode(self, endpoint: str, mode: str) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO endpoint_modes (endpoint, mode, updated_at) VALUES (?, ?, ?)",
                (endpoint, mode, now_iso()),
            )


def _link(c: sqlite3.Connection, analysis_id: str, key: str) -> None:
    # Only analyses we know about: a cache used outside an analysis (eval) links nothing.
    c.execute(
        "INSERT OR IGNORE INTO analysis_keys (analysis_id, key) SELECT id, ? FROM analyses WHERE id = ?",
        (key, analysis_id),
    )
