"""The review through the JSON API (in-process, a real SQLite store): read, record,
withdraw; its errors and CSRF rule; and the downloads carrying it beside the model's verdicts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from transcript_judge.report.model import Report

from .conftest import MakeApp, csrf_of, running, upload_api, wait_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


async def _done(http: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    r = await upload_api(http, (FIXTURES / "interview_zoom.vtt").read_bytes(), "interview_zoom.vtt")
    done = await wait_for(http, r.json()["id"])
    assert done["state"] == "done"
    report = (await http.get(done["links"]["report_json"])).json()
    return done["id"], report


def _shown(report: dict[str, Any]) -> str:
    return next(f["criterion_id"] for f in report["strengths"] + report["red_flags"] if f["verdict"] == "shown")


async def test_read_record_and_withdraw_a_review(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        aid, report = await _done(http)
        cid = _shown(report)
        sheet = (await http.get(f"/api/analyses/{aid}/review")).json()
        assert sheet["reviewed"] == 0 and sheet["total"] == 11 and sheet["overall"] is None
        assert all(row["review"] is None for row in sheet["findings"])

        url = f"/api/analyses/{aid}/review/findings/{cid}"
        body = {"decision": "disagree", "verdict": "not_shown", "note": "a hunch", "reviewer": "Ann"}
        r = await http.put(url, json=body)
        assert r.status_code == 200, r.text
        row = next(x for x in r.json()["findings"] if x["criterion_id"] == cid)
        assert row["model_verdict"] == "shown" and row["review"]["verdict"] == "not_shown"
        assert row["review"]["reviewer"] == "Ann" and row["review"]["reviewed_at"].endswith("Z")  # UTC
        assert r.json()["disagreements"] == [cid]

        r = await http.put(f"/api/analyses/{aid}/review/overall", json={"note": "Promising.", "reviewer": "Ann"})
        assert r.status_code == 200 and r.json()["overall"]["note"] == "Promising."
        r = await http.put(f"/api/analyses/{aid}/review/overall", json={"note": ""})
        assert r.json()["overall"] is None

        r = await http.delete(url)
        assert r.status_code == 200 and r.json()["reviewed"] == 0


async def test_review_errors_are_problems(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        aid, report = await _done(http)
        cid = _shown(report)
        r = await http.put(f"/api/analyses/{aid}/review/findings/nope", json={"decision": "agree"})
        assert r.status_code == 404 and r.json()["detail"]["code"] == "unknown_criterion"
        r = await http.put(f"/api/analyses/{aid}/review/findings/{cid}", json={"decision": "disagree"})
        assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_review"
        assert "verdict you would give" in r.json()["detail"]["message"]
        url = f"/api/analyses/{aid}/review/findings/{cid}"
        r = await http.put(url, json={"decision": "disagree", "verdict": "shown"})
        assert r.status_code == 422 and "that is agreeing" in r.json()["detail"]["message"]
        r = await http.put(f"/api/analyses/{aid}/review/findings/{cid}", json={"decision": "maybe"})
        assert r.status_code == 422  # the body's shape (FastAPI's validation)
        r = await http.put(f"/api/analyses/{aid}/review/findings/{cid}", json={"decision": "agree", "x": 1})
        assert r.status_code == 422
        assert (await http.get("/api/analyses/ffffffffffff/review")).status_code == 404


async def test_a_run_without_a_report_has_nothing_to_review(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await upload_api(http, b"\x00\x01binary", "x.vtt")
        await wait_for(http, r.json()["id"])
        r = await http.get(f"/api/analyses/{r.json()['id']}/review")
        assert r.status_code == 409 and r.json()["detail"]["code"] == "not_ready"


async def test_a_browser_write_needs_the_csrf_header(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        aid, report = await _done(http)
        page = (await http.get(f"/analyses/{aid}")).text  # now a browser: it holds the CSRF cookie
        url = f"/api/analyses/{aid}/review/findings/{_shown(report)}"
        r = await http.put(url, json={"decision": "agree"})
        assert r.status_code == 403
        r = await http.put(url, json={"decision": "agree"}, headers={"x-csrf-token": csrf_of(page)})
        assert r.status_code == 200
        r = await http.put(url, json={"decision": "agree"}, headers={"origin": "http://evil.example"})
        assert r.status_code == 403  # cross-site, whatever the token


async def test_a_token_server_takes_the_bearer_token(make_app: MakeApp) -> None:
    token = "Ny0aaELAPKju3Ws_SoynIkGw9mnyk93p"  # random, as the server's own hint makes one
    async with running(make_app(token=token)) as http:
        auth = {"authorization": f"Bearer {token}"}
        r = await http.post(
            "/api/analyses",
            files={"file": ("i.vtt", (FIXTURES / "interview_zoom.vtt").read_bytes())},
            headers=auth,
        )
        aid = r.json()["id"]
        for _ in range(400):
            state = (await http.get(f"/api/analyses/{aid}", headers=auth)).json()["state"]
            if state == "done":
                break
            await asyncio.sleep(0.025)
        assert state == "done"
        url = f"/api/analyses/{aid}/review/overall"
        assert (await http.put(url, json={"note": "x"})).status_code == 401
        assert (await http.put(url, json={"note": "x"}, headers=auth)).status_code == 200


async def test_downloads_carry_the_review_beside_the_models_verdicts(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        aid, report = await _done(http)
        plain_json = (await http.get(f"/api/analyses/{aid}/report.json")).json()
        assert "review" not in plain_json  # unreviewed: exactly the report
        cid = _shown(report)
        await http.put(
            f"/api/analyses/{aid}/review/findings/{cid}",
            json={"decision": "disagree", "verdict": "insufficient_evidence", "note": "<b>thin</b>", "reviewer": "Ann"},
        )
        await http.put(f"/api/analyses/{aid}/review/overall", json={"note": "Second round.", "reviewer": "Ann"})

        data = (await http.get(f"/api/analyses/{aid}/report.json")).json()
        review = data.pop("review")
        Report.model_validate(data)  # the report itself is unchanged
        row = next(x for x in review["findings"] if x["criterion_id"] == cid)
        assert row["model_verdict"] == "shown" and row["review"]["verdict"] == "insufficient_evidence"
        assert review["overall"]["note"] == "Second round."

        md = (await http.get(f"/api/analyses/{aid}/report.md")).text
        section = md.split("## Reviewer's review", 1)[1]
        assert "| Finding | Model's verdict | Reviewer | Note | Who, when |" in section
        assert "| shown | **disagrees: insufficient evidence** |" in section and "\\<b\\>thin" in section
        assert "**Overall note** (Ann," in section and "not reviewed" in section

        r = await http.get(f"/api/analyses/{aid}/report.html")
        assert "sandbox" in r.headers["content-security-policy"]
        html = r.text
        assert html.index('id="review"') < html.index("</body>")
        assert "<th>Model's verdict</th><th>Reviewer</th>" in html
        assert "&lt;b&gt;thin&lt;/b&gt;" in html and "<b>thin</b>" not in html
        assert f'href="#criterion-{cid}"' in html and f'id="criterion-{cid}"' in html
        assert json.loads(json.dumps(review))["reviewed"] == 1
