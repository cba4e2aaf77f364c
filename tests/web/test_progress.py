"""The job page's progress, in the reader's words: parts and their minutes, elapsed time,
an estimate made from the calls so far (never a made-up one), plain retry waits, and the
operator's counts behind a disclosure. Times are given to the code, never read off a clock."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
import respx

from openai_payloads import BASE_URL, chat_request, error, ok
from transcript_judge.chunking import Chunk, ChunkLine
from transcript_judge.events import Event
from transcript_judge.llm.openai_client import ClientSettings, OpenAIChatLLM
from transcript_judge.planning import AnalysisSettings
from transcript_judge.transcript import Turn
from transcript_judge.web.jobs import Job
from transcript_judge.web.pipeline import UploadOptions
from transcript_judge.web.progress import PartClock, PartSpan, describe, duration_words, part_spans

from .conftest import MakeApp, running, upload_api, wait_for
from .support import INTERVIEW, answer, scripted, vtt

SPANS = [PartSpan(0.0, 1860.0), PartSpan(1860.0, 3540.0)]  # minutes 0–31, 31–59


def test_a_part_says_its_minutes_and_parts_that_meet_share_one() -> None:
    assert SPANS[0].minutes() == "minutes 0–31" and SPANS[1].minutes() == "minutes 31–59"
    assert PartSpan(601.0, 1320.5).minutes() == "minutes 10–22"
    assert PartSpan(5.0, 20.0).minutes() == "minutes 0–1"  # never "minutes 0–0"
    assert PartSpan(None, None).minutes() == ""  # a source without times says none


def test_part_spans_run_from_the_first_own_line_to_the_last_turns_end() -> None:
    turns = [Turn(i, "A" if i % 2 else "B", f"t{i}", start=60.0 * i, end=60.0 * i + 55) for i in range(6)]

    def line(t: int, overlap: bool = False) -> ChunkLine:
        turn = turns[t]
        return ChunkLine(turn=t, speaker=turn.speaker, role="candidate", text="x", start=turn.start, overlap=overlap)

    chunks = [
        Chunk(index=0, lines=(line(0), line(1), line(2)), tokens=10),
        Chunk(index=1, lines=(line(2, overlap=True), line(3), line(4), line(5)), tokens=10),
    ]
    spans = part_spans(chunks, turns)
    assert spans == [PartSpan(0.0, 175.0), PartSpan(180.0, 355.0)]  # the overlap line isn't the part's start


def test_durations_read_as_a_person_says_them() -> None:
    said = [duration_words(s) for s in (0, 45.9, 65, 3599, 3725)]
    assert said == ["0 s", "45 s", "1 min 05 s", "59 min 59 s", "1 h 02 min"]


def test_the_estimate_waits_for_a_part_and_for_a_fresh_call() -> None:
    clock = PartClock(spans=list(SPANS))
    clock.on_started(0, now=100.0)
    clock.on_started(1, now=100.0)
    said = describe(clock, elapsed_s=3.0, now=103.0, wait=None, at_model=[100.0])
    assert said["left"] == "estimating…" and said["left_s"] is None
    assert said["bar"] is None  # an indeterminate bar, not one stuck at 0
    # a part served from the cache says nothing about how long the model takes
    clock.on_call(0.01, cache_hit=True, still_at_model=1)
    clock.on_done(0, "ok")
    said = describe(clock, elapsed_s=4.0, now=104.0, wait=None, at_model=[103.0])
    assert said["left"] == "estimating…" and said["parts_read"] == 1 and said["bar"] == 0.5


def test_the_estimate_comes_from_the_calls_so_far_one_at_a_time() -> None:
    clock = PartClock(spans=[*SPANS, PartSpan(3540.0, 4000.0)])
    for i in range(3):
        clock.on_started(i, now=0.0)  # the pipeline queues every part at once
    said = describe(clock, elapsed_s=1.0, now=1.0, wait=None, at_model=[0.0])
    assert said["headline"] == "Reading part 1 of 3 (minutes 0–31)…"  # one call at the model: one part
    assert [p["status"] for p in said["parts"]] == ["reading", "waiting", "waiting"]
    clock.on_call(60.0, cache_hit=False, still_at_model=0)
    clock.on_done(0, "ok")
    said = describe(clock, elapsed_s=70.0, now=70.0, wait=None, at_model=[60.0])
    # two parts left at 60 s a call, one at a time, the next 10 s under way: 110 s
    assert said["left_s"] == 110.0 and said["left"] == "about 2 min left"
    assert said["headline"] == "Reading part 2 of 3 (minutes 31–59)…"
    assert said["bar"] == round(70 / 180, 3)


def test_parts_read_at_once_are_estimated_at_once() -> None:
    clock = PartClock(spans=list(SPANS))
    clock.on_started(0, now=0.0)
    clock.on_started(1, now=0.0)
    clock.on_call(30.0, cache_hit=False, still_at_model=1)  # the other call is still out
    clock.on_done(0, "ok")
    said = describe(clock, elapsed_s=30.0, now=30.0, wait=None, at_model=[0.0])
    assert said["left_s"] == 0.0 and said["left"] == "less than a minute left"  # not "30 s more"
    assert said["headline"] == "Reading part 2 of 2 (minutes 31–59)…"


def test_a_split_part_is_still_one_part_and_the_bar_never_goes_back() -> None:
    clock = PartClock(spans=list(SPANS))
    clock.on_started(0, now=0.0)
    clock.on_split(0)  # too long: read in two pieces
    clock.on_started(0, now=1.0)
    clock.on_started(0, now=1.0)
    clock.on_call(10.0, cache_hit=False, still_at_model=1)
    clock.on_done(0, "ok")
    assert clock.finished == set()  # one piece of two
    clock.on_call(10.0, cache_hit=False, still_at_model=0)
    clock.on_done(0, "ok")
    assert clock.finished == {0}
    first = describe(clock, elapsed_s=20.0, now=20.0, wait=None)["bar"]
    clock.on_started(1, now=20.0)
    clock.fresh_s *= 10  # calls got slower: a longer estimate
    later = describe(clock, elapsed_s=21.0, now=21.0, wait=None, at_model=[20.0])["bar"]
    assert first is not None and later == first


def test_a_rate_limit_wait_says_so_plainly_and_counts_down() -> None:
    job = Job("a1", UploadOptions())
    job.planned(2, SPANS)
    job.progress.state = "analysing"
    job.on_event(Event("chunk_started", 2, 0))
    job.on_retry(12.0, 2, 9, True)
    now = job.progress.wait["until"] - 12.0  # type: ignore[index]
    said = job.progress.snapshot(now)["said"]
    assert said["waiting"] == "Waiting for the model service (rate limited), retrying in 12 s."
    later = job.progress.snapshot(now + 11.5)["said"]
    assert later["waiting"] == "Waiting for the model service (rate limited), retrying in 1 s."
    done = job.progress.snapshot(now + 13)["said"]
    assert done["waiting"] == "Waiting for the model service (rate limited); trying again now…"
    # the operator's note keeps the retry count; the reader's words don't carry it
    assert job.progress.retry_note == "rate limit: retry 2 of 9, waiting 12.0 s"
    assert "retry 2 of 9" not in " ".join(str(v) for v in said.values())


def test_a_server_error_wait_is_not_called_a_rate_limit() -> None:
    job = Job("a1", UploadOptions())
    job.planned(1, SPANS[:1])
    job.progress.state = "analysing"
    job.on_retry(2.0, 1, 4, False)
    said = job.progress.snapshot(job.progress.wait["until"] - 2.0)["said"]  # type: ignore[index]
    assert said["waiting"] == "Waiting for the model service (it answered with an error), retrying in 2 s."
    assert job.progress.state == "retrying"


def _reader_text(html: str) -> str:
    """The job panel's text outside the operator's disclosure."""
    panel = html[html.index('id="job"') :]
    panel = re.sub(r'<details class="operator".*?</details>', "", panel, flags=re.S)
    return re.sub(r"<[^>]+>", " ", panel)


async def test_the_job_page_speaks_the_readers_language_and_works_without_script(make_app: MakeApp) -> None:
    release = asyncio.Event()
    app = make_app(llm_factory=lambda: scripted(stall_turns={1}, release=release))
    async with running(app) as http:
        analysis_id = (await upload_api(http, vtt(INTERVIEW, seconds_per_turn=120))).json()["id"]
        body = await wait_for(http, analysis_id, {"analysing"})
        for _ in range(200):
            body = (await http.get(f"/api/analyses/{analysis_id}")).json()
            if body["progress"]["said"] and body["progress"]["said"]["parts_read"] >= 1:
                break
            await asyncio.sleep(0.025)
        said = body["progress"]["said"]
        assert said["parts_total"] == 3 and said["parts"][0]["minutes"] == "minutes 0–10"
        page = (await http.get(f"/analyses/{analysis_id}")).text
        reader = _reader_text(page)
        assert re.search(r"Reading part \d of 3 \(minutes \d+–\d+\)…", reader)
        assert "Elapsed" in reader and ("left" in reader or "estimating…" in reader or "almost done" in reader)
        assert re.search(r"\d of 3 parts read", reader)
        for word in ("chunk", "cache", "call(s)", "prompt", body["prompt_version"]):
            assert word not in reader, f"{word!r} is operator language"
        details = re.search(r'<details class="operator".*?</details>', page, flags=re.S)
        assert details and "Details for whoever runs the tool" in details.group(0)
        assert "model call(s)" in details.group(0) and "chunk 0:" in details.group(0)
        assert body["prompt_version"] in details.group(0)
        assert '<meta http-equiv="refresh" content="3">' in page  # no script: the page refreshes
        bar = re.search(r'<progress id="job-bar" max="1" value="([0-9.]+)"', page)
        assert bar and 0 < float(bar.group(1)) < 1  # a part is read: the bar isn't at 0
        release.set()
        assert (await wait_for(http, analysis_id))["state"] == "done"


# The 429 as api.openai.com sends it (the body and headers of tests/web/test_jobs.py's
# _FIRST_FAILURE, from tests/openai_payloads.py): Retry-After 20 s.
@respx.mock(base_url=BASE_URL)
async def test_a_rate_limited_run_says_so_on_the_page(
    respx_mock: respx.MockRouter, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transcript_judge import limiter

    waiting, release = asyncio.Event(), asyncio.Event()

    async def held(seconds: float) -> None:  # the wait is under way until the test lets it end
        waiting.set()
        await release.wait()

    monkeypatch.setattr(limiter, "_sleep", held)
    sent: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(1)
        if len(sent) == 1:
            limited = "Rate limit reached for gpt-4.1-mini."
            return error(429, limited, code="rate_limit_exceeded", headers={"retry-after": "20"})
        return ok(answer(chat_request(request)).content)

    respx_mock.post("/chat/completions").mock(side_effect=handler)
    app = make_app(
        llm_factory=lambda: OpenAIChatLLM(
            ClientSettings(model="gpt-4.1-mini", api_key="sk-test"), http_client=httpx.AsyncClient()
        ),
        analysis=AnalysisSettings(),  # default chunking: one part, one call
    )
    async with running(app) as http:
        analysis_id = (await upload_api(http, vtt(INTERVIEW))).json()["id"]
        await asyncio.wait_for(waiting.wait(), 10)
        page = (await http.get(f"/analyses/{analysis_id}")).text
        reader = _reader_text(page)
        assert re.search(r"Waiting for the model service \(rate limited\)\s*, retrying in (2[0-5]|1\d) s\.", reader)
        assert "retry 1 of" not in reader and "retries" not in reader  # counts are the operator's
        assert "rate limit: retry 1 of 9" in page  # ... in the details
        release.set()
        assert (await wait_for(http, analysis_id))["state"] == "done"
