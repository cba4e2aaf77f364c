"""The report page read as a hiring manager reads it (#13): the scorecard first, red flags
shown before strengths shown, a legend, each card's definition, the question each quote
answers, a failed run that says so, and warnings split by who they are for."""

from __future__ import annotations

import json
import re
import sqlite3
from html import unescape

from transcript_judge.llm.base import ChatRequest, ChatResult, Usage
from transcript_judge.llm.fake import FakeLLM, subject_of
from transcript_judge.rubric import load_rubric
from transcript_judge.store import store_path

from .conftest import MakeApp, running, upload_api, wait_for
from .support import CANDIDATE, INTERVIEW, answer, scripted, vtt

RUBRIC = load_rubric()


def _text(html: str) -> str:
    """The page's words, without markup."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


async def _page(make_app: MakeApp, llm: FakeLLM, data: bytes | None = None) -> tuple[str, str, dict[str, object]]:
    async with running(make_app(llm_factory=lambda: llm)) as http:
        created = (await upload_api(http, data or vtt(INTERVIEW), "phone-screen_2026-11-21.vtt")).json()
        done = await wait_for(http, created["id"])
        page = (await http.get(f"/analyses/{created['id']}")).text
        return created["id"], page, done


async def test_the_scorecard_comes_first_then_red_flags_shown_then_strengths_shown(make_app: MakeApp) -> None:
    _, page, done = await _page(make_app, scripted())
    assert done["state"] == "done"
    at = {name: page.index(marker) for name, marker in [
        ("scorecard", 'id="scorecard"'),
        ("flags", 'id="flags-shown"'),
        ("strengths", 'id="strengths-shown"'),
        ("not_shown", 'id="not-shown"'),
        ("transcript", 'id="transcript"'),
    ]}
    assert at["scorecard"] < at["flags"] < at["strengths"] < at["not_shown"] < at["transcript"]
    card = page[at["scorecard"] : page.index("</section>", at["scorecard"])]
    assert CANDIDATE in card and "Interview of 21 November 2026" in card and "length unknown" not in card
    # each line links to its card, with its strongest quote
    assert re.search(r'href="#criterion-model_obsession">Model obsession</a> <q>Honestly I', card)
    assert 'href="#criterion-systems_thinking"' in card
    flags = page[at["flags"] : at["strengths"]]
    assert 'id="criterion-model_obsession"' in flags and 'id="criterion-systems_thinking"' not in flags
    assert page.count('id="criterion-') == len(RUBRIC.criteria)  # each card once, the scorecard only links


async def test_the_legend_explains_every_verdict_label(make_app: MakeApp) -> None:
    from transcript_judge.report.summary import LEGEND

    _, page, _ = await _page(make_app, scripted())
    legend = page[page.index('id="legend"') : page.index("</details>", page.index('id="legend"'))]
    for label in ("shown", "not shown", "probed, not shown", "insufficient evidence", "not probed"):
        assert f'<span class="verdict">{label}</span>' in legend
    labels = {"shown", "not shown", "probed, not shown", "insufficient evidence", "not probed"}
    assert {label for label, _ in LEGEND} == labels


async def test_a_card_expands_to_its_definition_and_near_misses(make_app: MakeApp) -> None:
    _, page, _ = await _page(make_app, scripted())
    start = page.index('id="criterion-model_obsession"')
    card = page[start : page.index("</section>", start)]
    criterion = RUBRIC.get("model_obsession")
    more = card[card.index('<details class="criterion-more">') :]
    assert unescape(criterion.definition) in unescape(more) and "Does not count (near misses)" in more
    assert unescape(criterion.does_not_count[0]) in unescape(more)


async def test_each_quote_shows_the_question_it_answers_in_time_order(make_app: MakeApp) -> None:
    _, page, _ = await _page(make_app, scripted())
    start = page.index('id="criterion-systems_thinking"')
    card = _text(page[start : page.index("</section>", start)])
    asked = r"Asked \d\d:\d\d:\d\d : “And what happens when that model's API is down\?” Then we fall back"
    assert re.search(asked, card)
    html = page[start : page.index("</section>", start)]
    turns = [int(t) for t in re.findall(r'<a class="quote" href="#turn-(\d+)"', html)]
    assert turns == sorted(turns)


def _downgrading(request: ChatRequest) -> ChatResult:
    """The scripted judge, but model_obsession is "shown" with words nobody said."""
    result = answer(request)
    out = json.loads(result.content or "{}")
    if "model_obsession" in out:
        turn = subject_of(request).candidate_lines()[0].turn
        out["model_obsession"] = {
            "evidence": [{"turn": turn, "text": "I always pick whatever tops the leaderboard this week"}],
            "reasoning": "Picks by leaderboard.",
            "verdict": "shown",
            "confidence": 0.9,
        }
    return ChatResult(content=json.dumps(out), usage=Usage(prompt_tokens=2100, completion_tokens=380), model="m")


async def test_a_shown_whose_quotes_could_not_be_verified_says_so_on_its_card(make_app: MakeApp) -> None:
    _, page, _ = await _page(make_app, FakeLLM(_downgrading))
    start = page.index('id="criterion-model_obsession"')
    card = page[start : page.index("</section>", start)]
    assert "Not counted." in card and "none of its quotes could be found" in card
    assert "verdict-shown" not in page[start - 200 : start + 50]
    assert "leaderboard this week" not in page[: page.index('id="operator"')]  # a dropped quote is the operator's


def _unusable(request: ChatRequest) -> ChatResult:
    evidence = [{"turn": 1, "text": f"quote {i}"} for i in range(4)]
    wrong = {"evidence": evidence, "reasoning": "-", "verdict": "maybe", "confidence": 2}
    bad = dict.fromkeys(subject_of(request).criteria, wrong)
    return ChatResult(content=json.dumps(bad), usage=Usage(prompt_tokens=100, completion_tokens=10), model="m")


async def test_a_run_with_no_chunk_judged_is_failed_with_no_verdicts_and_raw_errors_behind_details(
    make_app: MakeApp,
) -> None:
    async with running(make_app(llm_factory=lambda: FakeLLM(_unusable))) as http:
        created = (await upload_api(http, vtt(INTERVIEW))).json()
        done = await wait_for(http, created["id"])
        assert done["state"] == "failed" and done["resumable"]
        page = (await http.get(f"/analyses/{created['id']}")).text
        md = (await http.get(f"/api/analyses/{created['id']}/report.md")).text
        html = (await http.get(f"/api/analyses/{created['id']}/report.html")).text
        history = (await http.get("/")).text
    assert 'class="state state-failed">Failed<' in page and "Partial" not in _text(page)
    assert "Failed: no part of the interview could be judged" in page
    assert 'class="card ' not in page and "Insufficient evidence" not in page and 'id="legend"' not in page
    text = _text(page)
    assert "Part 1 of " in text and "the model's answer wasn't in the form the tool needs" in text
    # the raw validator text is only inside a "details" disclosure
    raw = re.findall(r'<details class="raw"><summary>details</summary><code>(.*?)</code></details>', page, re.S)
    assert raw and all("no usable judgement" in r for r in raw)
    assert "no usable judgement" not in re.sub(r"<details.*?</details>", "", page, flags=re.S)
    assert "Failed: no part of the interview could be judged" in md and "### " not in md
    assert "Failed: no part of the interview could be judged" in html and 'class="card ' not in html
    assert "state-failed" in history


async def test_warnings_are_split_between_the_reader_and_whoever_runs_the_tool(make_app: MakeApp) -> None:
    from transcript_judge.planning import AnalysisSettings

    app = make_app(analysis=AnalysisSettings(tagger="lexical"))
    async with running(app) as http:
        created = (await upload_api(http, vtt(INTERVIEW))).json()
        await wait_for(http, created["id"])
        page = (await http.get(f"/analyses/{created['id']}")).text
        # the same report as if its token count had been estimated: an operator's note
        with sqlite3.connect(store_path()) as db:
            (stored,) = db.execute("SELECT report FROM analyses WHERE id = ?", (created["id"],)).fetchone()
            data = json.loads(stored)
            note = "Token counts are estimates; set TIKTOKEN_CACHE_DIR."
            data["warnings"].append({"kind": "token_estimate", "message": note})
            db.execute("UPDATE analyses SET report = ? WHERE id = ?", (json.dumps(data), created["id"]))
        estimated = (await http.get(f"/analyses/{created['id']}")).text
    operator = page.index('id="operator"')
    assert "OPENAI_API_KEY" not in page[:operator] and "OPENAI_API_KEY" in page[operator:]
    assert "Keyword baseline, not an AI judgement" in page[:operator]
    assert "TIKTOKEN_CACHE_DIR" in estimated[estimated.index('id="operator"') :]
    assert "TIKTOKEN_CACHE_DIR" not in estimated[: estimated.index('id="operator"')]
    head = estimated[: estimated.index('id="scorecard"')]
    assert "warnings</a>" not in head and "warning</a>" in head  # only the inferred candidate is for the reader


async def test_an_old_report_and_an_unknown_rubric_show_without_the_new_parts(make_app: MakeApp) -> None:
    analysis_id, _, _ = await _page(make_app, scripted())
    app = make_app(llm_factory=lambda: scripted())
    async with running(app) as http:
        with sqlite3.connect(store_path()) as db:
            (stored,) = db.execute("SELECT report FROM analyses WHERE id = ?", (analysis_id,)).fetchone()
            data = json.loads(stored)
            data["schema_version"], data["rubric_version"] = "1.1", "0-retired"
            for f in data["strengths"] + data["red_flags"]:
                del f["unverified_shown"]
            db.execute("UPDATE analyses SET report = ? WHERE id = ?", (json.dumps(data), analysis_id))
        old = await http.get(f"/analyses/{analysis_id}")
        md = await http.get(f"/api/analyses/{analysis_id}/report.md")
    assert old.status_code == 200 and md.status_code == 200
    assert 'id="scorecard"' in old.text and 'id="criterion-model_obsession"' in old.text
    assert "criterion-more" not in old.text  # its rubric isn't this server's: no definitions to show
    assert "## Red flags shown" in md.text


def test_the_view_asks_each_question_once_and_takes_the_date_from_the_title() -> None:
    import asyncio

    from transcript_judge import service
    from transcript_judge.ingest import Source
    from transcript_judge.planning import AnalysisSettings
    from transcript_judge.report.model import Quote
    from transcript_judge.web.views import matching_rubric, report_view

    text = "\n\n".join(
        [
            "Int: Tell me about a system you built that failed.",
            "Cand: Our nightly index job skipped a shard.",
            "Cand: So I added a check on document counts and a fallback to the previous index.",
        ]
    )
    transcript, roles = service.read(Source(text.encode(), "i.txt"), service.ReadChoices(candidate="Cand"))
    prepared = service.prepare(
        transcript, roles, source_name="i.txt", rubric=RUBRIC, settings=AnalysisSettings(tagger="lexical")
    )
    report = asyncio.run(service.run(prepared, None)).report
    two = [
        Quote(turn=2, speaker="Cand", timestamp="--:--", text="I added a check on document counts"),
        Quote(turn=1, speaker="Cand", timestamp="--:--", text="Our nightly index job skipped a shard"),
    ]
    first = report.strengths[0].model_copy(update={"verdict": "shown", "quotes": two})
    report = report.model_copy(update={"strengths": [first, *report.strengths[1:]]})
    view = report_view(report, transcript.turns, rubric=matching_rubric(report, [RUBRIC]), title="Screen 2024-05-06")
    card = next(f for s in view.sections for f in s.findings if f.finding.criterion_id == first.criterion_id)
    assert [q.turn for q in card.quotes] == [1, 2]  # time order, not the stored order
    assert card.quotes[0].asked == card.quotes[1].asked and card.quotes[0].asked is not None
    assert card.criterion is not None and view.card is not None and str(view.card.date) == "2024-05-06"
    assert report_view(report, None).sections[0].findings[0].criterion is None  # no rubric: no definitions
    from transcript_judge.report import render

    md = render(report, "md", turns=transcript.turns)
    section = md.split(f'<a id="criterion-{first.criterion_id.replace("_", "-")}"></a>')[1].split("<a id=")[0]
    assert section.count("*Asked [") == 1 and section.count("turn 1]") == 1 and section.count("turn 2]") == 1


async def test_the_markdown_download_shows_the_question_each_quote_answers(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        created = (await upload_api(http, vtt(INTERVIEW))).json()
        await wait_for(http, created["id"])
        md = (await http.get(f"/api/analyses/{created['id']}/report.md")).text
    assert re.search(r"> \*Asked \[\d\d:\d\d:\d\d\]: “And what happens when that model's API is down\?”\*", md)
