"""``transcript-judge serve`` itself: the bind check, the printed URL, a clean Ctrl-C; and
analyses from the command line showing up in the web history (one store)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from transcript_judge.cli import main
from transcript_judge.store import Store

from .conftest import MakeApp, running, serving
from .support import INTERVIEW, scripted, vtt

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
        raise SystemExit(0)
    return int(info.value.code or 0)


def test_serve_refuses_a_public_bind_without_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["serve", "--host", "0.0.0.0", "--port", "0"]) == 7
    err = capsys.readouterr().err
    assert "Refusing to listen on 0.0.0.0" in err and "TJ_WEB_TOKEN" in err


def test_serve_refuses_a_weak_token_and_offers_a_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["serve", "--port", "0", "--token", "x" * 32]) == 7
    err = capsys.readouterr().err
    assert "too easy to guess" in err and "generated now:" in err


def test_serve_is_registered(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--host" in out and "--token" in out and "127.0.0.1" in out


def test_serve_prints_its_url_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TJ_"))}
    env.update(TJ_HOME=str(tmp_path), PYTHONUNBUFFERED="1", COLUMNS="200")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from transcript_judge.cli import main; main()", "serve", "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # bounded by the subprocess starting; fails the test if it dies
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", first)
        assert match, first
        url = match[1]
        for _ in range(100):
            try:
                r = httpx.get(url, timeout=2)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert r.status_code == 200 and "Analyse an interview" in r.text
        assert "KEYWORD BASELINE" in proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=15)
    assert code == 0
    assert proc.stderr is not None and "stopped." in proc.stderr.read()


def test_command_line_analyses_show_in_the_web_history(make_app: MakeApp) -> None:
    assert _run(["analyse", str(FIXTURES / "interview_plain.txt"), "--quiet"]) == 0

    async def check() -> None:
        async with running(make_app()) as http:
            listed = (await http.get("/api/analyses")).json()["analyses"]
            assert len(listed) == 1 and listed[0]["state"] == "done" and not listed[0]["resumable"]
            page = await http.get(f"/analyses/{listed[0]['id']}")
            assert "Interview assessment" in page.text and "transcript isn't kept" in page.text
            assert 'class="quote"' in page.text and '<a class="quote"' not in page.text  # quotes, no links

    asyncio.run(check())


def test_stopping_the_server_ends_event_streams_and_interrupts_jobs(make_app: MakeApp) -> None:
    app = make_app(llm_factory=lambda: scripted(stall_turns={11}))
    ended: list[str] = []
    with serving(app) as url:
        r = httpx.post(url + "api/analyses", files={"file": ("a.vtt", vtt(INTERVIEW))})
        analysis_id = r.json()["id"]

        def listen() -> None:
            with httpx.stream("GET", f"{url}api/analyses/{analysis_id}/events", timeout=20) as events:
                ended.extend(line for line in events.iter_lines() if line.startswith("event:"))

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        time.sleep(0.5)
        stopping = time.monotonic()
    took = time.monotonic() - stopping
    listener.join(timeout=5)
    assert ended == ["event: bye"] and took < 2.0  # no wait for the graceful-shutdown timeout
    with Store.open() as store:
        assert store.query("SELECT status FROM analyses WHERE id = ?", (analysis_id,))[0]["status"] == "interrupted"


def test_the_model_flags_reach_the_client_each_job_builds() -> None:
    from transcript_judge.config import resolve_config
    from transcript_judge.llm.openai_client import OpenAIChatLLM
    from transcript_judge.web.app import default_llm_factory

    assert default_llm_factory(resolve_config()) is None  # nothing configured: the keyword baseline
    factory = default_llm_factory(resolve_config(model="llama3.1", base_url="http://127.0.0.1:11434/v1"))
    assert factory is not None
    llm = factory()
    assert isinstance(llm, OpenAIChatLLM)
    assert llm.settings.model == "llama3.1" and llm.settings.base_url == "http://127.0.0.1:11434/v1"
    asyncio.run(llm.aclose())
