"""The eval-dataset export from the web: the report page's and the history page's forms and
the API's zip, on a real SQLite store. Unzipped, it is what ``eval --dataset`` reads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx

from transcript_judge.evaluation.dataset import load_dataset
from transcript_judge.rubric import load_rubric

from .conftest import MakeApp, running, upload_api, wait_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


async def _reviewed(http: httpx.AsyncClient, *, every: bool) -> tuple[str, dict[str, Any]]:
    """An analysis of the Zoom fixture, with one finding (or every one) reviewed."""
    r = await upload_api(http, (FIXTURES / "interview_zoom.vtt").read_bytes(), "interview_zoom.vtt")
    done = await wait_for(http, r.json()["id"])
    aid = done["id"]
    sheet = (await http.get(f"/api/analyses/{aid}/review")).json()
    rows = sheet["findings"] if every else sheet["findings"][:1]
    for n, row in enumerate(rows):
        # the first finding: the reviewer disagrees (gives the other side of shown / not shown)
        other = "not_shown" if row["model_verdict"] == "shown" else "shown"
        body = {"decision": "disagree", "verdict": other} if n == 0 else {"decision": "agree"}
        url = f"/api/analyses/{aid}/review/findings/{row['criterion_id']}"
        r = await http.put(url, json={**body, "reviewer": "Dana"})
        assert r.status_code == 200, r.text
    return aid, rows[0]


def _unzip(data: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert {"reviewed-dataset/dataset.jsonl", "reviewed-dataset/gate.toml"} <= set(names), names
        assert any(n.startswith("reviewed-dataset/transcripts/") for n in names), names
        archive.extractall(into)
    return into / "reviewed-dataset"


async def test_the_report_page_exports_its_interview_as_an_eval_case(make_app: MakeApp, tmp_path: Path) -> None:
    async with running(make_app()) as http:
        aid, first = await _reviewed(http, every=True)
        page = (await http.get(f"/analyses/{aid}")).text
        assert 'id="review-export"' in page and 'action="/reviews/export"' in page
        assert f'name="ids" value="{aid}"' in page and "not reviewed yet" not in page
        r = await http.get("/reviews/export", params={"ids": aid})
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert "attachment" in r.headers["content-disposition"]
    root = _unzip(r.content, tmp_path)
    (case,) = load_dataset(root, load_rubric()).cases
    assert case.source == "reviews" and case.analysis_id == aid
    assert case.disagreements == [first["criterion_id"]]
    assert case.labels[first["criterion_id"]] is (first["model_verdict"] != "shown")  # the reviewer's verdict


async def test_unreviewed_findings_are_said_on_the_page_and_stop_the_export(make_app: MakeApp, tmp_path: Path) -> None:
    async with running(make_app()) as http:
        aid, _ = await _reviewed(http, every=False)
        page = (await http.get(f"/analyses/{aid}")).text
        assert "10 findings not reviewed yet" in page
        refused = await http.get("/reviews/export", params={"ids": aid})
        assert refused.status_code == 409 and "text/html" in refused.headers["content-type"]
        assert "Nothing exported" in refused.text and f"/analyses/{aid}#review-export" in refused.text
        assert "Traceback" not in refused.text
        api = await http.get("/api/reviews/dataset.zip", params={"ids": aid})
        assert api.status_code == 409 and api.json()["detail"]["code"] == "not_exportable"
        r = await http.get("/reviews/export", params={"ids": aid, "accept_unreviewed": "true"})
        assert r.status_code == 200
    (case,) = load_dataset(_unzip(r.content, tmp_path), load_rubric()).cases
    assert case.unreviewed is not None and len(case.unreviewed) == 10


async def test_the_history_page_exports_every_reviewed_interview(make_app: MakeApp, tmp_path: Path) -> None:
    async with running(make_app()) as http:
        empty = await http.get("/api/reviews/dataset.zip")
        assert empty.status_code == 409 and "No analysis has been reviewed yet" in empty.json()["detail"]["message"]
        one, _ = await _reviewed(http, every=True)
        two, _ = await _reviewed(http, every=True)
        await upload_api(http, (FIXTURES / "interview_zoom.vtt").read_bytes(), "not_reviewed.vtt")
        history = (await http.get("/history")).text
        assert 'id="export"' in history and 'action="/reviews/export"' in history
        r = await http.get("/reviews/export", params={"redact_names": "true"})
        assert r.status_code == 200
        unknown = await http.get("/api/reviews/dataset.zip", params={"ids": "no-such-id"})
        assert unknown.status_code == 409 and "no-such-id" in unknown.json()["detail"]["message"]
    dataset = load_dataset(_unzip(r.content, tmp_path), load_rubric())
    assert sorted(c.analysis_id or "" for c in dataset.cases) == sorted([one, two])
    text = "".join(p.read_text() for p in (tmp_path / "reviewed-dataset" / "transcripts").iterdir())
    assert "Tom Alvarez" not in text  # the speakers' names redacted, as asked
