"""The review: its checks against the report, the store (a real SQLite file, also one
written by an older version), ``transcript-judge review``, and ``forget`` deleting it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from clirun import run
from transcript_judge.errors import EXIT_CODES, ReviewError
from transcript_judge.history import History
from transcript_judge.report.model import Report
from transcript_judge.review import (
    MAX_NOTE_CHARS,
    ReviewSheet,
    default_reviewer,
    finding_entry,
    overall_entry,
)
from transcript_judge.store import SCHEMA_VERSION, Store, store_path
from transcript_judge.store.migrations import _MIGRATIONS
from transcript_judge.store.reviews import Reviews

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _analyse() -> str:
    """A keyword-baseline run of the plain-text fixture, saved to the store; its id."""
    assert run(["analyse", str(FIXTURES / "interview_plain.txt"), "--quiet"]) == 0
    with Store.open() as store:
        return History(store).recent(1)[0].id


def _report(analysis_id: str) -> Report:
    with Store.open() as store:
        report = History(store).report(analysis_id)
    assert report is not None
    return report


@pytest.fixture
def report() -> Report:
    return _report(_analyse())


def _shown(report: Report) -> str:
    return next(f.criterion_id for f in report.findings if f.verdict == "shown")


# -- the domain ------------------------------------------------------------------------


def test_an_entry_is_checked_against_the_report(report: Report) -> None:
    cid = _shown(report)
    with pytest.raises(ReviewError, match="no finding 'nope'") as info:
        finding_entry(report, "nope", agree=True)
    assert info.value.hint is not None and cid in info.value.hint
    with pytest.raises(ReviewError, match="needs the verdict"):
        finding_entry(report, cid, agree=False)
    with pytest.raises(ReviewError, match="Unknown verdict"):
        finding_entry(report, cid, agree=False, verdict="maybe")
    with pytest.raises(ReviewError, match="that is agreeing"):
        finding_entry(report, cid, agree=False, verdict="shown")
    with pytest.raises(ReviewError, match="takes no verdict"):
        finding_entry(report, cid, agree=True, verdict="not_shown")
    with pytest.raises(ReviewError, match="characters long"):
        finding_entry(report, cid, agree=True, note="x" * (MAX_NOTE_CHARS + 1))
    entry = finding_entry(report, cid, agree=False, verdict="not_shown", note="  too thin  ", reviewer=" Ann  Lee ")
    assert (entry.decision, entry.verdict) == ("disagree", "not_shown")
    assert (entry.note, entry.reviewer) == ("too thin", "Ann Lee")
    assert entry.reviewed_at.tzinfo is not None and entry.reviewed_at.utcoffset() == timedelta(0)
    assert entry.label("shown") == "not_shown"
    assert finding_entry(report, cid, agree=True).label("shown") == "shown"


def test_the_reviewer_is_given_else_tj_reviewer_else_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TJ_REVIEWER", "Env Name")
    monkeypatch.setattr("getpass.getuser", lambda: "osuser")
    assert default_reviewer("Given") == "Given"
    assert default_reviewer(None) == "Env Name"
    monkeypatch.delenv("TJ_REVIEWER")
    assert default_reviewer("  ") == "osuser"

    def no_user() -> str:
        raise OSError("no user")

    monkeypatch.setattr("getpass.getuser", no_user)
    assert default_reviewer() == "unknown"


def test_an_empty_overall_note_clears_it() -> None:
    assert overall_entry("   ") is None
    note = overall_entry("Strong on evals.", reviewer="Ann")
    assert note is not None and note.note == "Strong on evals." and note.reviewer == "Ann"


def test_review_errors_are_usage_errors() -> None:
    assert ReviewError.exit_code == 2 and "review" in EXIT_CODES[2]


# -- the store -------------------------------------------------------------------------


def test_reviews_are_stored_replaced_and_withdrawn(report: Report) -> None:
    cid = _shown(report)
    aid = report.analysis_id
    assert aid is not None
    at = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with Store.open() as store:
        reviews = Reviews(store)
        assert reviews.get(aid).empty and reviews.reviewed() == []
        reviews.save_finding(aid, finding_entry(report, cid, agree=True, reviewer="Ann", now=at))
        reviews.save_finding(aid, finding_entry(report, cid, agree=False, verdict="not_shown", reviewer="Bo", now=at))
        reviews.save_overall(aid, overall_entry("Hire for the platform team.", reviewer="Ann", now=at))
    with Store.open() as store:  # a new connection: it was committed
        review = Reviews(store).get(aid)
        assert list(review.findings) == [cid]
        saved = review.findings[cid]
        assert (saved.decision, saved.verdict, saved.reviewer) == ("disagree", "not_shown", "Bo")
        assert saved.reviewed_at == at and saved.reviewed_at.utcoffset() == timedelta(0)  # kept in UTC
        assert saved.reviewed_at.hour == 7
        assert review.overall is not None and review.overall.note == "Hire for the platform team."
        assert Reviews(store).reviewed() == [aid] and Reviews(store).count([aid]) == 2
        sheet = ReviewSheet.of(report, review)
        assert sheet.reviewed == 1 and sheet.total == len(report.findings) and sheet.disagreements == [cid]
        assert Reviews(store).clear_finding(aid, cid) and not Reviews(store).clear_finding(aid, cid)
        Reviews(store).save_overall(aid, None)
        assert Reviews(store).get(aid).empty


def test_the_store_refuses_a_row_that_breaks_the_shape(report: Report) -> None:
    with Store.open() as store, pytest.raises(sqlite3.IntegrityError), store.transaction() as c:
        c.execute(
            "INSERT INTO review_findings (analysis_id, criterion_id, decision, verdict, reviewer, reviewed_at) "
            "VALUES (?, 'x', 'agree', 'shown', 'a', 'now')",
            (report.analysis_id,),
        )


def test_a_store_of_version_3_opens_migrated_with_its_analyses(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for version in (1, 2, 3):
        step = _MIGRATIONS[version]
        script = step(conn) if callable(step) else step
        conn.executescript(script)
    conn.execute(
        "INSERT INTO analyses (id, source_name, source_path, source_sha256, model, prompt_version, status, "
        "chunks_planned, started_at) VALUES ('old1', 'a.txt', '/a.txt', 'x', 'm', 'p', 'ok', 1, '2026-01-01')"
    )
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    assert SCHEMA_VERSION == 4
    with Store.open(path) as store:
        assert store.query("PRAGMA user_version")[0][0] == 4
        assert store.query("SELECT id FROM analyses")[0]["id"] == "old1"
        assert Reviews(store).get("old1").empty
        with store.transaction() as c:
            c.execute(
                "INSERT INTO review_notes (analysis_id, note, reviewer, reviewed_at) "
                "VALUES ('old1', 'n', 'r', '2026-01-02T00:00:00+00:00')"
            )
        assert Reviews(store).count() == 1
        History(store).forget("old1")
        assert Reviews(store).count() == 0  # by cascade


# -- the command line ------------------------------------------------------------------


def test_review_command_records_shows_and_refuses(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the table on one line a row
    aid = _analyse()
    report = _report(aid)
    cid = _shown(report)
    other = next(f.criterion_id for f in report.findings if f.criterion_id != cid)
    capsys.readouterr()
    assert run(["review", aid[:6], "--criterion", cid, "--disagree", "--verdict", "not_shown", "--note", "n1",
                "--reviewer", "Ann"]) == 0  # fmt: skip
    assert run(["review", aid, "--criterion", other, "--agree", "--overall-note", "Good call."]) == 0
    capsys.readouterr()
    assert run(["review", aid, "--json"]) == 0
    sheet = json.loads(capsys.readouterr().out)
    rows = {r["criterion_id"]: r for r in sheet["findings"]}
    assert rows[cid]["model_verdict"] == "shown" and rows[cid]["review"]["verdict"] == "not_shown"
    assert rows[cid]["review"]["reviewer"] == "Ann" and rows[cid]["review"]["note"] == "n1"
    assert rows[other]["review"]["decision"] == "agree" and sheet["overall"]["note"] == "Good call."
    assert sheet["reviewed"] == 2 and sheet["disagreements"] == [cid]

    assert run(["review", aid]) == 0
    table = capsys.readouterr().out
    assert "model's verdict" in table and "disagrees:" in table and "Good call." in table

    for bad in (
        ["--criterion", "nope", "--agree"],
        ["--criterion", cid, "--disagree"],
        ["--criterion", cid],
        ["--agree"],
        ["--criterion", cid, "--agree", "--verdict", "shown"],
        ["--criterion", cid, "--clear", "--agree"],
    ):
        capsys.readouterr()
        assert run(["review", aid, *bad]) == 2, bad
        assert "error:" in capsys.readouterr().err
    assert run(["review", "ffffffffffff"]) == 2
    assert run(["review", aid, "--criterion", cid, "--clear"]) == 0
    with Store.open() as store:
        assert cid not in Reviews(store).get(aid).findings


def test_show_writes_the_review_beside_the_report(tmp_path: Path) -> None:
    aid = _analyse()
    cid = _shown(_report(aid))
    assert run(["review", aid, "--criterion", cid, "--disagree", "--verdict", "insufficient_evidence"]) == 0
    out = tmp_path / "r.md"
    assert run(["show", aid, "-o", str(out)]) == 0
    text = out.read_text()
    assert "## Reviewer's review" in text and "| Model's verdict | Reviewer |" in text
    assert "**disagrees: insufficient evidence**" in text


def test_forget_deletes_the_review_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    aid = _analyse()
    cid = _shown(_report(aid))
    assert run(["review", aid, "--criterion", cid, "--agree", "--overall-note", "ok"]) == 0
    capsys.readouterr()
    assert run(["forget", aid]) == 0
    assert "its review deleted (2 entries)" in capsys.readouterr().err
    conn = sqlite3.connect(store_path())
    assert conn.execute("SELECT count(*) FROM review_findings").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM review_notes").fetchone()[0] == 0
    conn.close()


def test_review_and_export_import_neither_the_sdk_nor_the_web_stack(tmp_path: Path) -> None:
    from test_lazy_imports import _loaded

    assert _loaded(["review", "--help"], tmp_path) == []
    assert _loaded(["review", "ffffffffffff"], tmp_path) == []  # opens the store, refuses the ID
    assert _loaded(["export-dataset", str(tmp_path / "out"), "--all-reviewed"], tmp_path) == []
