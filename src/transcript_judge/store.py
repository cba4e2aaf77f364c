"""The embedded SQLite store: cached model responses and the history of analyses.

One file, ``<home>/store.sqlite3``, where home is ``TJ_HOME`` or else the platform's user
data folder (``platformdirs.user_data_dir("transcript-judge")``).

Safe across concurrent runs: WAL journal, a ``busy_timeout``, one connection per
:class:`Store` guarded by a lock, and every write its own short ``BEGIN IMMEDIATE``
transaction, committed as soon as the data exists. That is what makes Ctrl-C, a crash or
``kill -9`` lose nothing already received. The schema is versioned with
``PRAGMA user_version`` and migrated forward on open.

Schema (version 3)::

    responses(key TEXT PK, model, result JSON, created_at, hits, last_hit_at)
    endpoint_modes(endpoint TEXT PK, mode, updated_at)                 (since version 2)
    analyses(id TEXT PK, source_name, source_path, source_sha256, model, prompt_version,
             options JSON, status, chunks_planned, started_at, finished_at,
             resumed_from, report JSON)
    analysis_keys(analysis_id -> analyses.id ON DELETE CASCADE, key, PK(analysis_id, key))
    web_uploads(analysis_id PK -> analyses.id ON DELETE CASCADE, upload_name, error,
                heartbeat_at, question JSON)                           (since version 3)
    web_blobs(analysis_id -> web_uploads ON DELETE CASCADE, kind, data BLOB,
              PK(analysis_id, kind))                                   (since version 3)

``responses`` is the cache (see :mod:`transcript_judge.llm.cache`); ``analyses`` and
``analysis_keys`` are the history (see :mod:`transcript_judge.history`); ``web_*`` are
the web app's uploads (see :mod:`transcript_judge.web.storage`). Every table the tool
owns is created here, by a migration.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import platformdirs

from .errors import ConfigError
from .llm.base import ChatResult

__all__ = [
    "SCHEMA_VERSION",
    "Store",
    "StoreError",
    "home_dir",
    "now_iso",
    "open_private_append",
    "private_dir",
    "private_file",
    "store_path",
    "write_private_text",
]

SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 15_000  # a concurrent run holds the write lock for milliseconds at a time

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
}

def _set_wal(c: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode = WAL``, waiting out another process that is creating the
    same store: SQLite answers this pragma "database is locked" at once, without its busy
    handler, while that process holds the new file's lock (two runs started together)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            c.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class StoreError(ConfigError):
    """The store can't be opened or written (exit code 7, like other setup problems)."""


def home_dir() -> Path:
    """The folder for the store and traces: ``TJ_HOME``, else the user data folder."""
    env = os.environ.get("TJ_HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("transcript-judge"))


def store_path() -> Path:
    return home_dir() / "store.sqlite3"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _hint() -> str:
    return "Set TJ_HOME to a writable folder, or move the damaged store.sqlite3 aside."


# -- private files: the store, traces and exports hold transcripts and reports -------------

_PRIVATE_DIR, _PRIVATE_FILE = 0o700, 0o600


def _tighten(path: Path, wanted: int) -> None:
    """chmod ``path`` to ``wanted`` if it is looser; never a shared (sticky) folder such as
    /tmp or the user's home, and never an error: permissions are best effort."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        st = path.stat()
        if path.is_dir() and (st.st_mode & stat.S_ISVTX or path.resolve() == Path.home().resolve()):
            return
        if stat.S_IMODE(st.st_mode) & ~wanted:
            path.chmod(stat.S_IMODE(st.st_mode) & wanted)


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (and its parents) if missing; the folder itself ends up 0700.

    Args:
        tighten: also tighten a folder that already existed (the tool's own folders);
            ``False`` for a folder the user chose, which is only created 0700 if missing.

    Raises:
        OSError: it can't be created.
    """
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True, mode=_PRIVATE_DIR)
    if tighten or not existed:
        _tighten(path, _PRIVATE_DIR)
    return path


def private_file(path: Path) -> None:
    """Make an existing file owner-only (0600); a missing one is ignored."""
    if path.exists():
        _tighten(path, _PRIVATE_FILE)


def _open_private(path: Path, flags: int) -> int:
    fd = os.open(path, flags | os.O_CREAT, _PRIVATE_FILE)
    if os.name == "posix":
        with contextlib.suppress(OSError):  # an existing file keeps its mode through os.open
            os.fchmod(fd, _PRIVATE_FILE)
    return fd


def open_private_append(path: Path) -> IO[str]:
    """Open ``path`` to append text, created (or tightened to) 0600."""
    return os.fdopen(_open_private(path, os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8")


def write_private_text(path: Path, text: str | Iterable[str]) -> None:
    """Write an export (a report, a baseline) readable only by its owner (0600): a text,
    or its pieces (written as they come)."""
    with os.fdopen(_open_private(path, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as fh:
        if isinstance(text, str):
            fh.write(text)
        else:
            fh.writelines(text)


class Store:
    """A connection to the store. Thread-safe; open one per process (or per run).

    Example:
        >>> with Store.open() as store:  # doctest: +SKIP
        ...     store.get_response(request.key())
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the store at ``path`` or the default.

        Raises:
            StoreError: the folder isn't writable, or the file isn't a usable store.
        """
        path = path or store_path()
        try:
            private_dir(path.parent)
            os.close(_open_private(path, os.O_RDWR))  # created 0600: SQLite gives -wal/-shm its mode
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes
            # the lock up front instead of failing half-way with SQLITE_BUSY.
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"Can't open the store at {path}: {e}", hint=_hint()) from e
        store = cls(conn, path)
        try:
            store._configure()
            for suffix in ("-wal", "-shm", "-journal"):  # an older store's may be 0644
                private_file(Path(f"{path}{suffix}"))
            store._migrate()
        except sqlite3.Error as e:
            conn.close()
            raise StoreError(f"The store at {path} is not usable: {e}", hint=_hint()) from e
        return store

    def _configure(self) -> None:
        c = self._conn
        c.row_factory = sqlite3.Row
        c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _set_wal(c)
        # NORMAL is durable against process death (Ctrl-C, kill -9) in WAL mode; only a
        # power cut can drop the last transactions.
        c.execute("PRAGMA synchronous = NORMAL")
        c.execute("PRAGMA foreign_keys = ON")

    def _migrate(self) -> None:
        with self.transaction() as c:
            version = int(c.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"The store at {self.path} was written by a newer transcript-judge "
                    f"(schema {version}; this version knows {SCHEMA_VERSION}).",
                    hint="Upgrade transcript-judge, or set TJ_HOME to another folder.",
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                step = _MIGRATIONS[target]
                script = step(c) if callable(step) else step
                for statement in script.split(";"):
                    if statement.strip():
                        c.execute(statement)
                c.execute(f"PRAGMA user_version = {target}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, committed on exit (rolled back on error)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query (WAL readers never block writers)."""
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def read_blob(self, table: str, column: str, where: str, params: tuple[object, ...]) -> bytes | None:
        """One blob, read with incremental blob I/O (one copy in memory, where a ``SELECT``
        makes SQLite's and then Python's), from the first row matching ``where``; None if
        there is none. ``table``, ``column`` and ``where`` are the caller's SQL, never input."""
        with self._lock:
            row = self._conn.execute(f"SELECT rowid FROM {table} WHERE {where}", params).fetchone()
            if row is None:
                return None
            with self._conn.blobopen(table, column, row[0], readonly=True) as blob:
                return blob.read()

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
