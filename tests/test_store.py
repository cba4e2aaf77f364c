"""The SQLite store: the response cache, history, resume after Ctrl-C and kill -9, forget."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import platformdirs
import pytest
import respx
from pydantic import ValidationError

from clirun import run
from openai_payloads import BASE_URL, answer_for, candidate_lines, ok
from transcript_judge.errors import LLMAuthError, LLMTransientError
from transcript_judge.history import History
from transcript_judge.llm import factory
from transcript_judge.llm.base import ChatRequest, ChatResult, Usage
from transcript_judge.llm.cache import CachingLLM, usable
from transcript_judge.llm.fake import FakeLLM
from transcript_judge.rubric import load_rubric
from transcript_judge.salvage import accepts
from transcript_judge.schema import (
    EVIDENCE_MAX,
    QUOTE_MAX_CHARS,
    REASONING_MAX_CHARS,
    VERDICTS,
    Assessment,
    output_json_schema,
)
from transcript_judge.store import SCHEMA_VERSION, Store, StoreError, home_dir, store_path

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS.parent / "fixtures"
ZOOM = FIXTURES / "interview_zoom.vtt"
RUBRIC = load_rubric()
IDS = RUBRIC.ids
SCHEMA = output_json_schema(RUBRIC)
THREE_CHUNKS = ["--chunk-tokens", "500", "--concurrency", "1"]


def _request(text: str = "hello", repeat: int = 0) -> ChatRequest:
    return ChatRequest(
        model="gpt-4.1-mini",
        messages=({"role": "user", "content": text},),
        schema_name="chunk_judgement",
        json_schema=SCHEMA,
        accept=accepts(IDS),
        repeat_index=repeat,
    )


def _good_result() -> ChatResult:
    return ChatResult(content=answer_for(IDS), usage=Usage(prompt_tokens=1200, completion_tokens=300), model="m")


def good(request: httpx.Request) -> httpx.Response:
    turn, text = candidate_lines(request)[0]
    return ok(answer_for(IDS, {"systems_thinking": (turn, max(text.split(". "), key=len))}))


async def ctrl_c() -> None:
    """Press Ctrl-C while a call is in flight: SIGINT, which asyncio.run turns into
    cancelling the run (and then a KeyboardInterrupt)."""
    signal.raise_signal(signal.SIGINT)
    await asyncio.sleep(30)  # cancelled long before this ends
    raise AssertionError("Ctrl-C did not interrupt the run")


@pytest.fixture
def mocked_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-store-secret")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


# -- the store itself ---------------------------------------------------------------


def test_location_follows_tj_home_then_platform_conventions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TJ_HOME", str(tmp_path / "elsewhere"))
    assert store_path() == tmp_path / "elsewhere" / "store.sqlite3"
    monkeypatch.delenv("TJ_HOME")
    assert home_dir() == Path(platformdirs.user_data_dir("transcript-judge"))


def test_store_is_wal_and_versioned() -> None:
    with Store.open() as store:
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert store.query("PRAGMA busy_timeout")[0][0] >= 5000
    with Store.open() as again:  # re-opening migrates nothing and loses nothing
        assert again.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION


def test_a_newer_or_damaged_store_is_a_clear_error(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer transcript-judge"):
        Store.open(newer)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not usable") as info:
        Store.open(damaged)
    assert info.value.exit_code == 7 and "TJ_HOME" in (info.value.hint or "")


# -- the cache ----------------------------------------------------------------------


async def test_a_hit_is_marked_free_and_keeps_its_usage() -> None:
    with Store.open() as store:
        fake = FakeLLM().enqueue(_good_result())
        llm = CachingLLM(fake, store)
        first = await llm.complete(_request())
        second = await llm.complete(_request())
        assert len(fake.requests) == 1
        assert not first.cache_hit and second.cache_hit
        assert second.latency_s == 0.0 and second.retries == 0
        assert second.usage == first.usage  # so the summary can say what the cache saved
        assert second.content == first.content
        # the key covers everything that shapes a response, the repeat index too
        fake.enqueue(_good_result())
        await llm.complete(_request(repeat=1))
        assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("result", "kept"),
    [
        (ChatResult(content=answer_for(IDS)), True),
        (ChatResult(content="```json\n" + answer_for(IDS) + "\n```"), True),  # JSON-mode fences are fine
        (ChatResult(content=None, refusal="I can't help with that.", finish_reason="refusal"), False),
        (ChatResult(content='{"systems_thinking": {', finish_reason="length"), False),
        (ChatResult(content=None, finish_reason="content_filter"), False),
        (ChatResult(content="  "), False),
        (ChatResult(content='{"systems_thinking": {"evidence": [], "reasoning": "cut'), False),
        # an unknown key is ignored (and counted) by salvage, so the rest is usable
        (ChatResult(content=json.dumps({**json.loads(answer_for(IDS)), "hire": {}})), True),
        (ChatResult(content=json.dumps({cid: {"verdict": "maybe?"} for cid in IDS})), False),
    ],
    ids=["ok", "fenced", "refusal", "length", "content_filter", "empty", "invalid_json", "unknown_id", "no_verdict"],
)
async def test_only_usable_answers_are_cached(result: ChatResult, kept: bool) -> None:
    assert usable(_request(), result) is kept
    with Store.open() as store:
        await CachingLLM(FakeLLM().enqueue(result), store).complete(_request())
        assert store.count_responses() == int(kept)


async def test_errors_are_never_cached_and_no_cache_bypasses_everything() -> None:
    with Store.open() as store:
        llm = CachingLLM(FakeLLM().enqueue(LLMTransientError("503 after retries")), store)
        with pytest.raises(LLMTransientError):
            await llm.complete(_request())
        assert store.count_responses() == 0
        fake = FakeLLM().enqueue(_good_result(), _good_result())
        off = CachingLLM(fake, store, enabled=False)
        await off.complete(_request())
        await off.complete(_request())
        assert len(fake.requests) == 2 and store.count_responses() == 0


async def test_a_cached_answer_todays_validator_rejects_is_asked_again() -> None:
    """An entry an older, looser check let in is a miss, re-asked and overwritten."""
    bad = ChatResult(content=json.dumps({cid: {"verdict": "maybe?"} for cid in IDS}), model="m")
    with Store.open() as store:
        cache = CachingLLM(FakeLLM(), store)
        store.put_response(cache.key(_request()), bad)  # as an older version would have kept it
        fake = FakeLLM().enqueue(_good_result(), _good_result())
        llm = CachingLLM(fake, store)
        first = await llm.complete(_request())
        assert not first.cache_hit and len(fake.requests) == 1 and llm.stale == 1
        second = await llm.complete(_request())
        assert second.cache_hit and len(fake.requests) == 1  # the good answer replaced it


async def test_two_endpoints_never_share_cache_entries() -> None:
    with Store.open() as store:
        a = CachingLLM(
            FakeLLM(endpoint="http://127.0.0.1:8765/v1|structured_output=auto").enqueue(_good_result()), store
        )
        await a.complete(_request())
        other = FakeLLM(endpoint="https://api.openai.com/v1|structured_output=auto").enqueue(
            LLMAuthError("401 from the new server")
        )
        with pytest.raises(LLMAuthError):  # the new server's 401 is not hidden by the old answer
            await CachingLLM(other, store).complete(_request())
        mode = FakeLLM(endpoint="http://127.0.0.1:8765/v1|structured_output=json_object").enqueue(_good_result())
        result = await CachingLLM(mode, store).complete(_request())
        assert not result.cache_hit and len(mode.requests) == 1
        again = await CachingLLM(FakeLLM(endpoint=a.endpoint), store).complete(_request())
        assert again.cache_hit


def test_the_wire_schema_carries_the_validators_limits() -> None:
    """One definition: what the pydantic model refuses, the schema sent to the model forbids."""
    defs = SCHEMA["$defs"]
    assessment = defs["Assessment"]["properties"]
    assert assessment["evidence"]["maxItems"] == EVIDENCE_MAX
    assert assessment["confidence"]["minimum"] == 0.0 and assessment["confidence"]["maximum"] == 1.0
    assert assessment["reasoning"]["maxLength"] == REASONING_MAX_CHARS
    assert assessment["verdict"]["enum"] == list(VERDICTS)
    assert defs["QuoteRef"]["properties"]["text"]["maxLength"] == QUOTE_MAX_CHARS
    assert set(SCHEMA["required"]) == set(IDS) and SCHEMA["additionalProperties"] is False
    four = json.loads(answer_for(IDS, {"systems_thinking": (3, "x")}))
    four["systems_thinking"]["evidence"] *= 4
    with pytest.raises(ValidationError):
        Assessment.model_validate(four["systems_thinking"])


def test_threads_share_a_store() -> None:
    with Store.open() as store:

        def write(n: int) -> None:
            for i in range(50):
                store.put_response(f"t{n}-{i}", _good_result())

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.count_responses() == 400


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys
        from transcript_judge.llm.base import ChatResult
        from transcript_judge.store import Store
        with Store.open() as store:
            for i in range(300):
                store.put_response(f"{sys.argv[1]}-{i}", ChatResult(content="{}", model="m"))
                store.get_response(f"{sys.argv[1]}-{i // 2}")
    """)
    env = {**os.environ}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, name], env=env, stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with Store.open() as store:
        assert store.count_responses() == 600


# -- interruption and resume ----------------------------------------------------------


def test_ctrl_c_keeps_completed_chunks_and_resume_sends_only_the_rest(
    mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []

    async def interrupted(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 2:
            await ctrl_c()  # while the second chunk is in flight
        return good(request)

    route = mocked_openai.post("/chat/completions").mock(side_effect=interrupted)
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--quiet"]) == 130
    assert "Completed chunks are kept" in capsys.readouterr().err
    with Store.open() as store:
        [first] = History(store).recent()
        assert first.status == "interrupted" and first.chunks_planned == 3
        assert len(History(store).keys(first.id)) == 1  # the answer that arrived is in the store

    route.side_effect = good
    before = route.call_count
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--resume"]) == 0
    assert route.call_count - before == 2  # only the two missing chunks
    err = capsys.readouterr().err
    assert f"picking up run {first.id}" in err and "1 of 3 chunk(s) already answered" in err
    assert "resume: 1 of 3 chunk(s) came from the cache" in err
    with Store.open() as store:
        latest, previous = History(store).recent()[:2]
        assert latest.status == "ok" and latest.resumed_from == first.id and latest.chunks_ok == 3
        assert previous.id == first.id


def test_kill_9_loses_nothing(
    tmp_path: Path, mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    script = textwrap.dedent(f"""
        import os, signal, sys
        import httpx, respx
        sys.path.insert(0, {str(TESTS)!r})
        from openai_payloads import BASE_URL, answer_for, candidate_lines, ok
        from transcript_judge.cli import main
        from transcript_judge.llm import factory
        from transcript_judge.rubric import load_rubric
        IDS = load_rubric().ids
        factory.set_http_client_factory(lambda: httpx.AsyncClient())
        calls = []
        def handler(request):
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally, nothing
            turn, text = candidate_lines(request)[0]
            return ok(answer_for(IDS, {{"systems_thinking": (turn, max(text.split(". "), key=len))}}))
        with respx.mock(base_url=BASE_URL) as router:
            router.post("/chat/completions").mock(side_effect=handler)
            main(["analyse", {str(ZOOM)!r}, "--chunk-tokens", "500", "--concurrency", "1", "--quiet"])
    """)
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-store-secret"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with Store.open() as store:
        [killed] = History(store).recent()
        assert killed.status == "running"  # a killed process can't mark its row
        assert store.count_responses() == 1  # the first chunk's answer survived kill -9

    route = mocked_openai.post("/chat/completions").mock(side_effect=good)
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--resume"]) == 0
    assert route.call_count == 2
    assert f"picking up run {killed.id} (running" in capsys.readouterr().err


def test_a_plain_rerun_uses_the_cache_too(mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]) -> None:
    route = mocked_openai.post("/chat/completions").mock(side_effect=good)
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS]) == 0
    assert route.call_count == 3
    assert "summary: 3 call(s), 0 from cache" in capsys.readouterr().err
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS]) == 0
    assert route.call_count == 3  # nothing paid twice
    err = capsys.readouterr().err
    assert "summary: 3 call(s), 3 from cache, 0 retries, 0 failed chunk(s), 0+0 tokens sent (9000 saved" in err
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--no-cache"]) == 0
    assert route.call_count == 6


def test_resume_with_nothing_to_resume_runs_in_full(
    mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    mocked_openai.post("/chat/completions").mock(side_effect=good)
    assert run(["analyse", str(ZOOM), "--resume"]) == 0
    assert "no unfinished run of this transcript" in capsys.readouterr().err
    assert run(["analyse", str(ZOOM), "--resume", "--no-cache"]) == 7


def test_resume_warns_when_settings_changed(
    mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    mocked_openai.post("/chat/completions").mock(side_effect=lambda r: ok(None, refusal="no"))
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--quiet"]) == 3  # partial: something to resume
    mocked_openai.post("/chat/completions").mock(side_effect=good)
    assert run(["analyse", str(ZOOM), "--chunk-tokens", "600", "--resume"]) == 0
    assert "cached answers won't match" in capsys.readouterr().err


# -- history, show, forget ------------------------------------------------------------


def test_history_show_and_forget(
    mocked_openai: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    route = mocked_openai.post("/chat/completions").mock(side_effect=good)
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--quiet"]) == 0  # A: sends 3
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--quiet"]) == 0  # B: all 3 from the cache
    assert route.call_count == 3
    capsys.readouterr()

    assert run(["history", "--json"]) == 0
    b, a = json.loads(capsys.readouterr().out)
    assert a["status"] == b["status"] == "ok" and a["source_name"] == "interview_zoom.vtt"
    assert a["model"] == "gpt-4.1-mini" and a["prompt_version"].startswith("p-") and a["chunks_ok"] == 3
    assert run(["history"]) == 0
    assert a["id"][:8] in capsys.readouterr().out

    assert run(["show", a["id"][:6]]) == 0
    assert "Systems thinking" in capsys.readouterr().out
    out = tmp_path / "a.md"
    assert run(["show", a["id"], "-o", str(out)]) == 0
    assert "Interview assessment: interview_zoom.vtt" in out.read_text()
    assert run(["show", a["id"], "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["analysis_id"] == a["id"]

    # A's responses were also used by B: forgetting A keeps them
    assert run(["forget", a["id"]]) == 0
    assert "0 cached response(s) deleted; 3 kept" in capsys.readouterr().err
    with Store.open() as store:
        assert store.count_responses() == 3
    assert run(["show", a["id"]]) == 2
    assert "no analysis" in capsys.readouterr().err
    # forgetting B, the last user, deletes them, so a re-run pays again
    assert run(["forget", b["id"]]) == 0
    assert "3 cached response(s) deleted" in capsys.readouterr().err
    with Store.open() as store:
        assert store.count_responses() == 0 and History(store).recent() == []
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--quiet"]) == 0
    assert route.call_count == 6


def test_forget_takes_the_interrupted_runs_it_resumed(
    mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []

    async def once_then_ctrl_c(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) > 1:
            await ctrl_c()
        return good(request)

    route = mocked_openai.post("/chat/completions").mock(side_effect=once_then_ctrl_c)
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--quiet"]) == 130
    route.side_effect = good
    assert run(["analyse", str(ZOOM), *THREE_CHUNKS, "--resume", "--quiet"]) == 0
    with Store.open() as store:
        latest = History(store).recent()[0]
    capsys.readouterr()
    assert run(["forget", latest.id]) == 0
    err = capsys.readouterr().err
    assert "forgot analysis" in err
    assert "Not touched: trace files in" in err and "report files written with -o" in err  # says what it keeps
    with Store.open() as store:
        assert History(store).recent() == [] and store.count_responses() == 0


def test_show_an_unfinished_run_says_how_to_finish_it(
    mocked_openai: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    async def interrupted(request: httpx.Request) -> httpx.Response:
        await ctrl_c()
        return good(request)

    mocked_openai.post("/chat/completions").mock(side_effect=interrupted)
    assert run(["analyse", str(ZOOM), "--quiet"]) == 130
    with Store.open() as store:
        [record] = History(store).recent()
    capsys.readouterr()
    assert run(["show", record.id]) == 2
    err = capsys.readouterr().err
    assert "has no report: it is interrupted" in err and "--resume" in err and "Traceback" not in err
