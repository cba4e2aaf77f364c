"""The history by candidate: who, when, the verdicts, search and filter, re-runs of one
transcript grouped, times for the browser to localise, operator columns behind a toggle,
and a bounded list read from the store's rows (no report is loaded to draw it)."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from transcript_judge.history import History
from transcript_judge.store import Store
from transcript_judge.web.listing import STATE_CHOICES, VERDICT_CHOICES, interview_date
from transcript_judge.web.storage import HISTORY_STATES, HISTORY_VERDICTS, HistoryFilter, WebStore

from .conftest import MakeApp, running, upload_api, wait_for
from .support import CANDIDATE, INTERVIEW, scripted, vtt


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-id="\w+" class="(?:latest|rerun)">.*?</tr>', page, flags=re.S)


def _text(fragment: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", fragment).split()))


async def _three_runs_and_two_others(http: httpx.AsyncClient) -> dict[str, str]:
    ids = {}
    for n in range(3):
        ids[f"h01-{n}"] = (await upload_api(http, vtt(INTERVIEW), "h01.vtt")).json()["id"]
        await wait_for(http, ids[f"h01-{n}"])
    other = [(who, f"{text} Right." if who == CANDIDATE else text) for who, text in INTERVIEW]
    ids["zoom"] = (await upload_api(http, vtt(other), "GMT20240312-150000_Recording.transcript.vtt")).json()["id"]
    await wait_for(http, ids["zoom"])
    ids["bad"] = (await upload_api(http, b"hello there", "notes.txt")).json()["id"]
    await wait_for(http, ids["bad"])
    return ids


async def test_history_is_by_candidate_with_reruns_grouped_and_operator_columns_behind_a_toggle(
    make_app: MakeApp,
) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        ids = await _three_runs_and_two_others(http)
        report = (await http.get(f"/api/analyses/{ids['h01-2']}/report.json")).json()
        page = (await http.get("/history")).text

    rows = _rows(page)
    assert len(rows) == 5
    latest = next(r for r in rows if ids["h01-2"] in r)
    # the latest run of h01.vtt heads its group; the two before are marked as earlier runs
    assert 'class="latest"' in latest and "3 runs of this transcript" in latest
    assert sum(1 for r in rows if 'class="rerun"' in r and "Earlier run" in r) == 2
    assert page.count('<tbody class="group') == 3
    # the candidate, the file, and a verdict summary counted from the report itself
    shown_red = sum(f["verdict"] == "shown" for f in report["red_flags"])
    shown_good = sum(f["verdict"] == "shown" for f in report["strengths"])
    insufficient = sum(f["verdict"] == "insufficient_evidence" for f in report["red_flags"] + report["strengths"])
    red = f"{shown_red} red flag{'s' if shown_red != 1 else ''}"
    good = f"{shown_good} strength{'s' if shown_good != 1 else ''} shown"
    summary = f"{red} · {good} · {insufficient} insufficient"
    assert CANDIDATE in _text(latest) and "h01.vtt" in _text(latest) and summary in _text(latest)
    # the interview date from a Zoom recording's file name
    zoom = next(r for r in rows if ids["zoom"] in r)
    assert '<time datetime="2024-03-12"' in zoom and "12 Mar 2024" in zoom
    bad = next(r for r in rows if ids["bad"] in r)
    assert "Candidate not known" in bad and "no verdicts" in bad and "state-failed" in bad
    # times: UTC text for readers without script, the ISO instant for the script to localise
    started = re.search(r'<time class="local" datetime="([^"]+)">([^<]+) UTC</time>', latest)
    assert started and started.group(1).endswith("+00:00")
    assert started.group(2) == started.group(1)[:16].replace("T", " ")
    # operator columns are there, hidden until asked for (a checkbox that needs no script)
    assert '<th scope="col" class="op">Model</th>' in page and f'<code>{ids["h01-2"]}</code>' in page
    assert 'id="history-ops"' in page and "show-ops" not in page
    for header in ("Candidate", "Interview", "Verdicts", "Status", "Analysed"):
        assert f'<th scope="col">{header}</th>' in page


async def test_search_and_filters_are_query_parameters(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        ids = await _three_runs_and_two_others(http)

        async def listed(**params: str) -> set[str]:
            page = (await http.get("/history", params=params)).text
            return set(re.findall(r'<tr data-id="([0-9a-f]+)"', page))

        assert await listed(q="tom ALVAREZ") == {ids[k] for k in ("h01-0", "h01-1", "h01-2", "zoom")}  # the candidate
        assert await listed(q="h01") == {ids["h01-0"], ids["h01-1"], ids["h01-2"]}  # the file name
        assert await listed(q="100%_") == set()  # LIKE's wildcards are the user's text
        assert await listed(state="failed") == {ids["bad"]}
        assert await listed(state="done", q="gmt") == {ids["zoom"]}
        assert await listed(verdict="red_flags") == {ids[k] for k in ("h01-0", "h01-1", "h01-2", "zoom")}
        assert await listed(verdict="no_red_flags") == set()
        assert await listed(state="bogus") == set(ids.values())  # an unknown choice is no filter
        none = (await http.get("/history", params={"q": "nobody"})).text
        assert "No analyses match this search." in none
        ops = (await http.get("/history", params={"ops": "1", "q": "h01"})).text
        assert "show-ops" in ops and 'id="history-ops" checked' in ops
        # the form remembers what was asked
        kept = (await http.get("/history", params={"q": "h01", "state": "done", "verdict": "red_flags"})).text
        assert 'value="h01"' in kept and '<option value="done" selected>' in kept
        assert '<option value="red_flags" selected>' in kept and 'href="/history"' in kept  # "Clear"
        # the upload page shows the start of the same list, its search going to /history
        index = (await http.get("/")).text
        assert 'action="/history"' in index and "3 runs of this transcript" in index


async def test_the_list_reads_no_report_and_pages_are_bounded(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        first = (await upload_api(http, vtt(INTERVIEW), "h01.vtt")).json()["id"]
        await wait_for(http, first)
    with Store.open() as store:
        row = store.query("SELECT * FROM analyses WHERE id = ?", (first,))[0]
        with store.transaction() as c:  # 45 more transcripts, 3 runs each, with that report
            for n in range(135):
                c.execute(
                    "INSERT INTO analyses (id, source_name, source_path, source_sha256, model, prompt_version, "
                    "options, status, chunks_planned, started_at, report) VALUES (?, ?, 'p', ?, 'm', 'v', '{}', 'ok', "
                    "3, ?, ?)",
                    (
                        f"bulk{n:08d}",
                        f"c{n % 45}.vtt",
                        f"d{n % 45}",
                        f"2026-01-01T00:{n // 45:02d}:{n % 45:02d}+00:00",
                        row["report"],
                    ),
                )
    web = WebStore.open()
    try:
        runs, more = web.history_page(HistoryFilter(per_page=20))
        assert more and len({r.group for r in runs}) == 20 and all(r.runs == 3 for r in runs[1:])
        page3, more3 = web.history_page(HistoryFilter(page=3, per_page=20))
        assert not more3 and len({r.group for r in page3}) == 6  # 46 transcripts: 20 + 20 + 6
        assert not {r.group for r in runs} & {r.group for r in page3}
        heads = [r for r in runs if r.group == "d44"]
        times = [r.record.started_at for r in heads]
        assert len(times) == 3 and times == sorted(times, reverse=True)  # the latest run first
    finally:
        web.close()

    def no_reports(*args: object, **kwargs: object) -> None:
        raise AssertionError("the history list must not load reports")

    monkeypatch.setattr(History, "report", no_reports)
    monkeypatch.setattr(json, "loads", _only_small(json.loads))
    async with running(make_app()) as http:
        page = (await http.get("/history", params={"page": "2"})).text
    assert len(_rows(page)) == 60, _text(page)[:3000]
    assert "Page 2" in page and 'rel="prev"' in page and 'rel="next"' in page


def _only_small(loads):  # type: ignore[no-untyped-def]
    """json.loads that refuses a report-sized document (the list parses options only)."""

    def guarded(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(text, str | bytes) and len(text) > 2000:
            raise AssertionError("the history list parsed a report in Python")
        return loads(text, *args, **kwargs)

    return guarded


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("interview_2024-03-12_jane.vtt", date(2024, 3, 12)),
        ("GMT20240312-150000_Recording.transcript.vtt", date(2024, 3, 12)),
        ("screen 2023_11_02.docx", date(2023, 11, 2)),
        ("call-20250101.txt", date(2025, 1, 1)),
        ("h01.vtt", None),
        ("2024-13-45.vtt", None),  # not a date
        ("order 120240312999.txt", None),  # digits inside a longer number
    ],
)
def test_the_interview_date_comes_from_the_file_name_when_it_has_one(name: str, day: date | None) -> None:
    assert interview_date(name) == day


def test_every_filter_choice_is_a_query_the_store_knows() -> None:
    assert set(STATE_CHOICES) - {""} == set(HISTORY_STATES)
    assert set(VERDICT_CHOICES) - {""} == set(HISTORY_VERDICTS)


async def test_each_state_filter_lists_the_runs_the_page_shows_in_that_state(make_app: MakeApp) -> None:
    now = datetime.now(UTC)
    fresh, stale = now.isoformat(timespec="milliseconds"), (now - timedelta(minutes=5)).isoformat()
    rows = {  # id: (status, heartbeat or None for a command-line run, the question's kind)
        "ok0000000001": ("ok", fresh, None),
        "partial00001": ("partial", fresh, None),
        "nothing00001": ("partial", fresh, None),  # a report with no chunk judged: failed
        "failed000001": ("failed", fresh, None),
        "asks00000001": ("failed", fresh, "candidate"),
        "running00001": ("running", fresh, None),
        "cli000000001": ("running", None, None),
        "stale0000001": ("running", stale, None),
        "interrupted1": ("interrupted", fresh, None),
    }
    async with running(make_app()) as http:  # started first: its recovery has run
        with Store.open() as store, store.transaction() as c:
            for n, (analysis_id, (status, beat, kind)) in enumerate(rows.items()):
                c.execute(
                    "INSERT INTO analyses (id, source_name, source_path, source_sha256, model, prompt_version, "
                    "options, status, chunks_planned, started_at) VALUES (?, ?, 'p', '', 'm', 'v', '{}', ?, 1, ?)",
                    (analysis_id, f"{analysis_id}.vtt", status, f"2026-01-01T00:00:{n:02d}+00:00"),
                )
                if analysis_id.startswith("nothing"):
                    report = json.dumps({"coverage": {"chunks_ok": 0, "chunks_total": 2}})
                    c.execute("UPDATE analyses SET report = ? WHERE id = ?", (report, analysis_id))
                if beat is not None:
                    question = json.dumps({"kind": kind, "speakers": ["A", "B"]}) if kind else None
                    c.execute(
                        "INSERT INTO web_uploads (analysis_id, upload_name, heartbeat_at, question) "
                        "VALUES (?, ?, ?, ?)",
                        (analysis_id, f"{analysis_id}.vtt", beat, question),
                    )
        shown = {}
        for analysis_id in rows:
            shown[analysis_id] = (await http.get(f"/api/analyses/{analysis_id}")).json()["state"]
        listed = {}
        for state in HISTORY_STATES:
            page = (await http.get("/history", params={"state": state})).text
            listed[state] = set(re.findall(r'<tr data-id="(\w+)"', page))
    as_filtered = {"analysing": "running"}  # a run somewhere else: "running" in the filter
    for analysis_id, state in shown.items():
        key = as_filtered.get(state, state)
        assert analysis_id in listed[key], f"{analysis_id} is {state} on its page but not under {key}"
    assert sum(len(ids) for ids in listed.values()) == len(rows)  # each run under exactly one state
    assert shown["nothing00001"] == "failed" and "nothing00001" in listed["failed"]
