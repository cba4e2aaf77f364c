"""The web tables: blobs apart from the rows that change, and old stores moved by migration 3."""

from __future__ import annotations

from pathlib import Path

from transcript_judge.store import SCHEMA_VERSION, Store
from transcript_judge.web.storage import WebStore

from .support import INTERVIEW, vtt

# The layout before the blobs had their own table (question and turns were added later).
_OLD_TABLE = """
CREATE TABLE web_uploads (
    analysis_id TEXT PRIMARY KEY REFERENCES analyses(id) ON DELETE CASCADE,
    upload_name TEXT NOT NULL,
    data BLOB NOT NULL,
    error TEXT,
    heartbeat_at TEXT,
    question TEXT,
    turns BLOB
)
"""


def _start(store: WebStore, analysis_id: str, data: bytes) -> None:
    store.start(analysis_id, upload_name="i.vtt", data=data, model="m", prompt_version="p", options={})


def test_the_rows_that_heartbeats_update_hold_no_blob(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as raw:
        store = WebStore(raw, trace=False)
        columns = {r["name"] for r in raw.query("PRAGMA table_info(web_uploads)")}
        assert columns == {"analysis_id", "upload_name", "error", "heartbeat_at", "question"}
        data = vtt(INTERVIEW)
        _start(store, "a1", data)
        store.planned("a1", digest="d", chunks=1, turns=b"turns-1")
        store.planned("a1", digest="d", chunks=1, turns=b"turns-2")  # replaced, not added
        store.heartbeat(["a1"])
        assert store.upload_data("a1") == data and store.turns("a1") == b"turns-2"
        info = store.upload_info("a1")
        assert info is not None and info.size == len(data)
        _start(store, "a2", b"other")
        assert store.upload_data("a2") == b"other" and store.turns("a2") is None
        assert store.upload_data("nope") is None and store.upload_info("nope") is None
        store.forget("a1")
        assert raw.query("SELECT count(*) AS n FROM web_blobs WHERE analysis_id = 'a1'")[0]["n"] == 0
        assert store.upload_data("a2") == b"other"


def test_a_store_in_the_old_layout_is_moved_with_its_uploads_and_turns(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    data = vtt(INTERVIEW)
    with Store.open(path) as raw:
        store = WebStore(raw, trace=False)
        _start(store, "a1", data)
        _start(store, "a2", b"second")
        with raw.transaction() as c:  # rebuild the old table, as a version-2 store has it
            c.execute("DROP TABLE web_blobs")
            c.execute("DROP TABLE web_uploads")
            c.execute(_OLD_TABLE)
            c.execute("PRAGMA user_version = 2")
            c.execute(
                "INSERT INTO web_uploads (analysis_id, upload_name, data, error, heartbeat_at, question, turns) "
                "VALUES ('a1', 'i.vtt', ?, NULL, '2026-01-01T00:00:00+00:00', NULL, ?)",
                (data, b"kept-turns"),
            )
            c.execute(
                "INSERT INTO web_uploads (analysis_id, upload_name, data, error, question) "
                "VALUES ('a2', 'j.vtt', ?, 'it failed', '{\"kind\": \"format\"}')",
                (b"second",),
            )
    with Store.open(path) as raw:  # migration 3 moves it
        store = WebStore(raw, trace=False)
        assert raw.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert "data" not in {r["name"] for r in raw.query("PRAGMA table_info(web_uploads)")}
        assert store.upload_data("a1") == data and store.turns("a1") == b"kept-turns"
        assert store.upload_data("a2") == b"second" and store.turns("a2") is None
        info = store.upload_info("a2")
        assert info is not None and info.name == "j.vtt" and info.error == "it failed"
        assert info.question == {"kind": "format"} and info.size == len(b"second")
    with Store.open(path) as raw:  # and opening it again changes nothing
        assert WebStore(raw, trace=False).upload_data("a1") == data


def test_a_version_2_store_without_web_tables_gets_them(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as raw, raw.transaction() as c:
        c.execute("DROP TABLE web_blobs")
        c.execute("DROP TABLE web_uploads")
        c.execute("PRAGMA user_version = 2")
    with Store.open(path) as raw:
        tables = {r["name"] for r in raw.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"web_uploads", "web_blobs"} <= tables
        store = WebStore(raw, trace=False)
        _start(store, "a1", b"data")
        assert store.upload_data("a1") == b"data"
