"""The store's schema, as the migrations that build it: ``PRAGMA user_version`` says which
have run, and :func:`migrate` runs the rest, in order, inside the caller's transaction.

Every table the tool owns is created here, by a migration (the web app's too, since
version 3), so a store of any age opens as the current schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["SCHEMA_VERSION", "migrate"]

SCHEMA_VERSION = 4

_WEB_TABLES = """
CREATE TABLE web_uploads (
    analysis_id TEXT PRIMARY KEY REFERENCES analyses(id) ON DELETE CASCADE,
    upload_name TEXT NOT NULL,
    error TEXT,
    heartbeat_at TEXT,
    question TEXT
);
CREATE TABLE web_blobs (
    analysis_id TEXT NOT NULL REFERENCES web_uploads(analysis_id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('upload', 'turns')),
    data BLOB NOT NULL,
    PRIMARY KEY (analysis_id, kind)
)
"""
# The web app's first layout (blobs in web_uploads; question and turns came later), moved.
_WEB_MOVE = """
ALTER TABLE web_uploads RENAME TO web_uploads_v2;
{tables};
INSERT INTO web_uploads (analysis_id, upload_name, error, heartbeat_at, question)
    SELECT analysis_id, upload_name, error, heartbeat_at, {question} FROM web_uploads_v2;
INSERT INTO web_blobs (analysis_id, kind, data) SELECT analysis_id, 'upload', data FROM web_uploads_v2;
INSERT INTO web_blobs (analysis_id, kind, data)
    SELECT analysis_id, 'turns', {turns} FROM web_uploads_v2 WHERE {turns} IS NOT NULL;
DROP TABLE web_uploads_v2
"""


def _migrate_v3(c: sqlite3.Connection) -> str:
    """The statements of migration 3 for this store."""
    columns = {r[1] for r in c.execute("PRAGMA table_info(web_uploads)")}
    if not columns:
        return _WEB_TABLES
    if "data" not in columns:  # already this layout (created by the web app, unmigrated)
        return ""
    return _WEB_MOVE.format(
        tables=_WEB_TABLES.strip(),
        question="question" if "question" in columns else "NULL",
        turns="turns" if "turns" in columns else "NULL",
    )


#: Each version's statements, or a function of the store that returns them.
_MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], str]] = {
    1: """
    CREATE TABLE responses (
        key TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at TEXT NOT NULL,
        hits INTEGER NOT NULL DEFAULT 0,
        last_hit_at TEXT
    );
    CREATE TABLE analyses (
        id TEXT PRIMARY KEY,
        source_name TEXT NOT NULL,
        source_path TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL,
        chunks_planned INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        resumed_from TEXT,
        report TEXT
    );
    CREATE INDEX analyses_by_source ON analyses(source_sha256, started_at);
    CREATE TABLE analysis_keys (
        analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        PRIMARY KEY (analysis_id, key)
    );
    CREATE INDEX analysis_keys_by_key ON analysis_keys(key);
    """,
    # v2: which structured-output wire format each endpoint accepted, so a run doesn't
    # pay for the negotiation twice. Cache keys now include the endpoint: entries keyed
    # the old way can never be read again, so they are dropped rather than kept as dead
    # weight.
    2: """
    CREATE TABLE endpoint_modes (
        endpoint TEXT PRIMARY KEY,
        mode TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    DELETE FROM analysis_keys;
    DELETE FROM responses;
    """,
    # v3: the web app's tables, which it used to create itself. The upload and the parsed
    # turns are in a table of their own: SQLite rewrites a whole row to update one column,
    # and with them in ``web_uploads`` every heartbeat re-wrote a 25 MB upload.
    3: _migrate_v3,  # a store may already hold the web app's first layout
    # v4: a person's review of an analysis (:mod:`transcript_judge.review`): one row per
    # reviewed finding, one for the overall note; deleting the analysis deletes them. (IF NOT
    # EXISTS: a store whose user_version was set back keeps the tables it has.)
    4: """
    CREATE TABLE IF NOT EXISTS review_findings (
        analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        criterion_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('agree', 'disagree')),
        verdict TEXT,
        note TEXT NOT NULL DEFAULT '',
        reviewer TEXT NOT NULL,
        reviewed_at TEXT NOT NULL,
        PRIMARY KEY (analysis_id, criterion_id),
        CHECK ((decision = 'agree') = (verdict IS NULL))
    );
    CREATE TABLE IF NOT EXISTS review_notes (
        analysis_id TEXT PRIMARY KEY REFERENCES analyses(id) ON DELETE CASCADE,
        note TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        reviewed_at TEXT NOT NULL
    );
    """,
}


def migrate(c: sqlite3.Connection, version: int) -> None:
    """Bring a store at schema ``version`` to :data:`SCHEMA_VERSION`, one version at a time."""
    for target in range(version + 1, SCHEMA_VERSION + 1):
        step = _MIGRATIONS[target]
        script = step(c) if callable(step) else step
        for statement in script.split(";"):
            if statement.strip():
                c.execute(statement)
        c.execute(f"PRAGMA user_version = {target}")
