"""Issue 13's whole walk, by keyboard only, at a desktop and a phone viewport, in Debian's
Chromium: upload → progress → scorecard → quote → back → review → export; then the
exported dataset goes to ``transcript-judge eval`` unchanged, which reports agreement with
the reviewer. An axe check runs on the report with the review saved.

Screenshots of every step go to the walk's folder (printed; ``TJ_WALK_SHOTS`` to choose).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from transcript_judge.chunking import ChunkingSettings
from transcript_judge.planning import AnalysisSettings

from .browser_steps import (
    Walk,
    back_to_finding,
    choose_file_by_keyboard,
    export_by_keyboard,
    follow_quote_by_keyboard,
    launch,
    open_upload,
    review_by_keyboard,
    scorecard_first,
    skip_to_main,
    submit_and_watch_progress,
)
from .conftest import MakeApp, serving
from .support import INTERVIEW, slow, vtt
from .test_a11y import check

with contextlib.suppress(ImportError):  # the tests skip without it (see browser_steps.launch)
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

CALL_S = 0.8  # each part's answer takes this long: the progress page is there to be seen




@pytest.fixture(scope="module")
def browser() -> object:
    with launch() as b:
        yield b


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_upload_progress_scorecard_quote_back_review_export_by_keyboard(
    browser: Browser, make_app: MakeApp, viewport: str, tmp_path: Path
) -> None:
    parts = AnalysisSettings(chunking=ChunkingSettings(chunk_tokens=300, overlap_tokens=40), concurrency=1)
    with serving(make_app(llm_factory=lambda: slow(CALL_S), analysis=parts)) as url:
        walk = Walk.start(browser, url, viewport)
        open_upload(walk)
        skip_to_main(walk)
        choose_file_by_keyboard(walk, "interview_tom_alvarez.vtt", vtt(INTERVIEW, seconds_per_turn=120))
        submit_and_watch_progress(walk)
        first = scorecard_first(walk)
        follow_quote_by_keyboard(walk, first)
        back_to_finding(walk, first)
        review_by_keyboard(walk, first, "not_shown", "Only a slogan, no example.")
        bad = check(walk.page, f"report with a review, {viewport}")
        zipped = export_by_keyboard(walk, tmp_path)
        walk.close()
    assert walk.errors == [], walk.errors
    assert bad == [], bad
    print(f"walk screenshots: {walk.shots}")
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(tmp_path)
    # eval as a user runs it (its own process: playwright's loop is running in this one)
    dataset, report = tmp_path / "reviewed-dataset", tmp_path / "e.md"
    command = [sys.executable, "-m", "transcript_judge", "eval", "--dataset", str(dataset), "--tagger", "lexical"]
    env = {**os.environ, "TJ_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    done = subprocess.run([*command, "-o", str(report)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Agreement with reviewers" in done.stdout + done.stderr
    assert "agreement with reviewers" in (tmp_path / "e.md").read_text().lower()
