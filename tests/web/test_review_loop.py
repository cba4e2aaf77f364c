"""The whole loop on a real SQLite store: upload (keyword baseline), review through the API
and the command line, ``export-dataset``, then ``eval --dataset`` unchanged on the export:
its numbers are agreement with the reviewers (a disagreement lowers them)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from clirun import run
from transcript_judge.evaluation.dataset import load_dataset
from transcript_judge.planning import AnalysisSettings
from transcript_judge.rubric import load_rubric
from transcript_judge.web import create_app

from .conftest import running, settings, upload_api, wait_for
from .support import CANDIDATE, INTERVIEW, vtt

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


async def _upload_and_review(agree_all: list[bytes]) -> list[dict[str, Any]]:
    """Upload each transcript through the web API and agree with every finding; the reports."""
    app = create_app(settings(analysis=AnalysisSettings()))  # the default chunking, as eval's
    reports = []
    async with running(app) as http:
        for n, data in enumerate(agree_all):
            created = (await upload_api(http, data, f"interview{n}.vtt")).json()
            done = await wait_for(http, created["id"])
            assert done["state"] == "done", done
            report = (await http.get(done["links"]["report_json"])).json()
            for f in report["strengths"] + report["red_flags"]:
                url = f"/api/analyses/{created['id']}/review/findings/{f['criterion_id']}"
                r = await http.put(url, json={"decision": "agree", "reviewer": "Web Reviewer"})
                assert r.status_code == 200, r.text
            reports.append(report)
    return reports


def _eval(out: Path, tmp_path: Path) -> dict[str, Any]:
    result = tmp_path / f"eval-{out.name}.json"
    assert run(["eval", "--dataset", str(out), "--tagger", "lexical", "-o", str(result)]) == 0
    data: dict[str, Any] = json.loads(result.read_text())
    return data


def test_reviewed_analyses_become_a_dataset_that_eval_scores_as_agreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = asyncio.run(
        _upload_and_review([(FIXTURES / "interview_zoom.vtt").read_bytes(), vtt(INTERVIEW)])
    )
    a, b = first["analysis_id"], second["analysis_id"]
    shown = next(f for f in second["strengths"] + second["red_flags"] if f["verdict"] == "shown")
    # the command line overrules the model on one finding of the second interview
    assert run(["review", b, "--criterion", shown["criterion_id"], "--disagree", "--verdict", "not_shown",
                "--note", "Said, not shown.", "--reviewer", "CLI Reviewer"]) == 0  # fmt: skip

    agreed = tmp_path / "agreed"
    assert run(["export-dataset", str(agreed), "--ids", a]) == 0
    report = _eval(agreed, tmp_path)
    assert report["labels"] == "reviews" and report["disagreements"] == 0
    lexical = report["taggers"][0]
    assert lexical["cases_scored"] == 1 and lexical["macro_f1"] == 1.0  # the baseline agrees with itself

    both = tmp_path / "both"
    capsys.readouterr()
    assert run(["export-dataset", str(both), "--ids", f"{a},{b[:7]}"]) == 0
    assert "1 label(s) where the reviewer disagreed" in capsys.readouterr().err
    dataset = load_dataset(both, load_rubric())
    case = next(c for c in dataset.cases if c.id == b)
    assert case.source == "reviews" and case.disagreements == [shown["criterion_id"]] and case.unreviewed == []
    assert case.labels[shown["criterion_id"]] is False and shown["criterion_id"] not in case.evidence
    assert "Said, not shown." in (case.notes or "") and "CLI Reviewer" in (case.notes or "")
    assert case.candidate == CANDIDATE and any(case.evidence.values())

    capsys.readouterr()
    report = _eval(both, tmp_path)
    out = capsys.readouterr().out
    assert "Agreement with reviewers" in out and "overruled the model on 1 label(s)" in out
    assert report["labels"] == "reviews" and report["disagreements"] == 1
    lexical = report["taggers"][0]
    scores = {c["criterion_id"]: c for c in lexical["criteria"]}
    overruled = scores[shown["criterion_id"]]
    assert (overruled["fp"], overruled["fn"]) == (1, 0)  # the model said shown; the reviewer didn't
    assert all(c["fp"] == 0 and c["fn"] == 0 for cid, c in scores.items() if cid != shown["criterion_id"])
    assert lexical["macro_f1"] < 1.0

    md = tmp_path / "eval.md"
    assert run(["eval", "--dataset", str(both), "--tagger", "lexical", "-o", str(md)]) == 0
    assert md.read_text().startswith(f"# Evaluation (agreement with reviewers): {both}")


def test_export_refuses_unreviewed_findings_and_analyses_without_a_stored_transcript(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["analyse", str(FIXTURES / "interview_plain.txt"), "--quiet"]) == 0  # a command-line run
    capsys.readouterr()
    assert run(["history", "--json"]) == 0
    cli_id = json.loads(capsys.readouterr().out)[0]["id"]
    assert run(["review", cli_id, "--criterion", "systems_thinking", "--agree"]) == 0
    out = tmp_path / "out"
    capsys.readouterr()
    assert run(["export-dataset", str(out), "--all-reviewed"]) == 2
    err = capsys.readouterr().err
    assert f"{cli_id}: 10 finding(s) not reviewed" in err and "--accept-unreviewed" in err
    assert run(["export-dataset", str(out), "--all-reviewed", "--accept-unreviewed"]) == 2
    err = capsys.readouterr().err
    assert f"{cli_id}: its transcript isn't in the store (it was run from the command line)" in err
    assert not out.exists()
    assert run(["export-dataset", str(out)]) == 2  # neither --ids nor --all-reviewed
    assert run(["export-dataset", str(out), "--ids", "ffffffffffff"]) == 2


def test_unreviewed_findings_can_take_the_models_verdict_and_redaction_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def upload_one() -> str:
        async with running(create_app(settings(analysis=AnalysisSettings()))) as http:
            created = (await upload_api(http, vtt(INTERVIEW), "tom.vtt")).json()
            done = await wait_for(http, created["id"])
            report = (await http.get(done["links"]["report_json"])).json()
            cid = next(f["criterion_id"] for f in report["strengths"] if f["verdict"] == "shown")
            r = await http.put(f"/api/analyses/{created['id']}/review/findings/{cid}", json={"decision": "agree"})
            assert r.status_code == 200
            return str(created["id"])

    aid = asyncio.run(upload_one())
    out = tmp_path / "redacted"
    assert run(["export-dataset", str(out), "--all-reviewed", "--accept-unreviewed", "--redact-names"]) == 0
    written = (out / "dataset.jsonl").read_text() + (out / "transcripts" / f"{aid}.json").read_text()
    for name in (CANDIDATE, *CANDIDATE.split(), "Maya Chen"):
        assert name not in written
    case = load_dataset(out, load_rubric()).cases[0]
    assert case.candidate.startswith("[NAME_") and len(case.unreviewed or []) == 10
    assert (out / "dataset.jsonl").stat().st_mode & 0o077 == 0  # owner-only, like every file the tool writes
    assert run(["export-dataset", str(out), "--all-reviewed", "--accept-unreviewed"]) == 2  # no overwrite
    assert run(["export-dataset", str(out), "--all-reviewed", "--accept-unreviewed", "--force"]) == 0
    assert CANDIDATE in (out / "dataset.jsonl").read_text()  # without redaction, the names stay
    assert _eval(out, tmp_path)["labels"] == "reviews"
