"""The connection to the store: opening (private, WAL, migrated), transactions and reads.

Safe across concurrent runs: WAL journal, a ``busy_timeout``, one connection per
:class:`Database` guarded by a lock, and every write its own short ``BEGIN IMMEDIATE``
transaction, committed as soon as the data exists. That is what makes Ctrl-C, a crash or
``kill -9`` lose nothing already received.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from ..errors import ConfigError
from .files import open_private, private_dir, private_file, store_path
from .migrations import SCHEMA_VERSION, migrate

__all__ = ["BUSY_TIMEOUT_MS", "Database", "StoreError", "now_iso"]

BUSY_TIMEOUT_MS = 15_000  # a concurrent run holds the write lock for milliseconds at a time


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


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _hint() -> str:
    return "Set TJ_HOME to a writable folder, or move the damaged store.sqlite3 aside."


class Database:
    """A connection to the store's file, without the rows of any one table (those are
    :class:`~transcript_judge.store.Store`'s and its users'). Thread-safe."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Self:
        """Open (creating and migrating as needed) the store at ``path`` or the default.

        Raises:
            StoreError: the folder isn't writable, or the file isn't a usable store.
        """
        path = path or store_path()
        try:
            private_dir(path.parent)
            os.close(open_private(path, os.O_RDWR))  # created 0600: SQLite gives -wal/-shm its mode
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
            migrate(c, version)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
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
