"""The store, the traces and the exports hold transcripts and reports: only their owner may
read them. New folders are 0700 and new files 0600; existing ones are tightened on open."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from clirun import run
from openai_payloads import BASE_URL, answer_for, candidate_lines, ok
from transcript_judge.history import History
from transcript_judge.llm import factory
from transcript_judge.rubric import load_rubric
from transcript_judge.store import Store, home_dir, private_dir, store_path, write_private_text
from transcript_judge.trace import TraceWriter, default_trace_path

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ZOOM = FIXTURES / "interview_zoom.vtt"
MINI = Path(__file__).resolve().parent / "data" / "eval_mini"
IDS = load_rubric().ids


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: what made the store 0755/0644
    yield
    os.umask(old)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    def good(request: httpx.Request) -> httpx.Response:
        turn, text = candidate_lines(request)[0]
        return ok(answer_for(IDS, {"systems_thinking": (turn, max(text.split(". "), key=len))}))

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-permissions")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router.post("/chat/completions").mock(side_effect=good)


def test_a_new_store_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TJ_HOME", str(tmp_path / "fresh" / "home"))
    with Store.open() as store:
        store.query("SELECT 1")
        files = [store_path(), Path(f"{store_path()}-wal"), Path(f"{store_path()}-shm")]
        assert mode(home_dir()) == 0o700
        for f in files:
            assert f.exists() and mode(f) == 0o600, f


def test_an_existing_store_is_tightened_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "old_home"
    monkeypatch.setenv("TJ_HOME", str(home))
    with Store.open():
        pass
    home.chmod(0o755)
    store_path().chmod(0o644)
    for suffix in ("-wal", "-shm"):
        Path(f"{store_path()}{suffix}").touch()
        Path(f"{store_path()}{suffix}").chmod(0o644)
    with Store.open() as store:
        store.query("SELECT 1")
        assert mode(home) == 0o700
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(f"{store_path()}{suffix}")) == 0o600, suffix


def test_an_explicit_store_path_is_private_too(tmp_path: Path) -> None:
    path = tmp_path / "web" / "store.sqlite3"
    with Store.open(path):
        pass
    assert mode(path.parent) == 0o700 and mode(path) == 0o600


def test_a_shared_folder_is_never_tightened(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    private_dir(shared)
    assert mode(shared) == 0o1777


def test_traces_are_private_and_tightened(tmp_path: Path) -> None:
    default = default_trace_path()
    writer = TraceWriter(default)
    writer.write({"a": 1})
    writer.close()
    assert mode(default) == 0o600 and mode(default.parent) == 0o700
    default.chmod(0o644)
    default.parent.chmod(0o755)
    writer = TraceWriter(default)
    writer.write({"a": 2})
    writer.close()
    assert mode(default) == 0o600 and mode(default.parent) == 0o700
    assert len(default.read_text().splitlines()) == 2
    # --trace FILE elsewhere: the file is private; the user's folder is left as it is
    chosen = tmp_path / "mine" / "t.jsonl"
    chosen.parent.mkdir()
    chosen.parent.chmod(0o755)
    writer = TraceWriter(chosen)
    writer.write({"a": 3})
    writer.close()
    assert mode(chosen) == 0o600 and mode(chosen.parent) == 0o755


def test_write_private_text_replaces_loose_files(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    out.write_text("old")
    out.chmod(0o644)
    write_private_text(out, "new")
    assert out.read_text() == "new" and mode(out) == 0o600
    fresh = tmp_path / "fresh.md"
    write_private_text(fresh, "x")
    assert mode(fresh) == 0o600


def test_show_and_the_analyse_trace_write_private_files(service: respx.Route, tmp_path: Path) -> None:
    assert run(["analyse", str(ZOOM), "--quiet"]) == 0
    assert mode(default_trace_path()) == 0o600
    with Store.open() as store:
        [record] = History(store).recent()
    out = tmp_path / "shown.md"
    assert run(["show", record.id, "-o", str(out)]) == 0
    assert mode(out) == 0o600


def test_analyse_reports_are_private(service: respx.Route, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("old")
    out.chmod(0o644)
    assert run(["analyse", str(ZOOM), "--quiet", "-o", str(out)]) == 0
    assert mode(out) == 0o600 and "<html" in out.read_text().lower()


def test_eval_exports_are_private(tmp_path: Path) -> None:
    out, base = tmp_path / "eval.json", tmp_path / "baseline.json"
    args = ["eval", "--dataset", str(MINI), "--tagger", "lexical", "--no-gate"]
    assert run([*args, "-o", str(out), "--save-baseline", str(base)]) == 0
    assert json.loads(out.read_text())["taggers"][0]["tagger"] == "lexical"
    assert mode(out) == 0o600 and mode(base) == 0o600
