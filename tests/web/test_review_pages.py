"""The reviewer's controls on the report page, without JavaScript: plain form posts with the
CSRF token, a redirect back to the card, and the saved review (who, when) shown on it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from transcript_judge.store import Store
from transcript_judge.store.reviews import Reviews

from .conftest import MakeApp, csrf_of, running, upload_api, wait_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HTML = {"accept": "text/html"}


async def _report_page(http: httpx.AsyncClient) -> tuple[str, str]:
    r = await upload_api(http, (FIXTURES / "interview_zoom.vtt").read_bytes(), "interview_zoom.vtt")
    aid = (await wait_for(http, r.json()["id"]))["id"]
    return aid, (await http.get(f"/analyses/{aid}", headers=HTML)).text


def _card(page: str, cid: str) -> str:
    start = page.index(f'id="criterion-{cid}"')
    return page[start : page.index("</section>", start)]


async def test_every_card_has_an_accessible_review_form(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        aid, page = await _report_page(http)
        cards = re.findall(r'id="criterion-([a-z_]+)"', page)
        assert len(cards) == 11
        for cid in cards:
            card = _card(page, cid)
            assert f'action="/analyses/{aid}/review/findings/{cid}"' in card and 'name="csrf"' in card
            assert "<fieldset>" in card and "<legend>Your verdict on" in card
            radios = re.findall(r'<input type="radio" id="(rv-[a-z_-]+)" name="verdict" value="([a-z_]+)"', card)
            assert len(radios) == 4
            for radio_id, _ in radios:
                assert f'<label class="review-choice" for="{radio_id}">' in card
            assert card.count("Agree: ") == 1 and card.count("Disagree: ") == 3
            assert card.index("Agree: ") < card.index("Disagree: ")  # agreeing is the first choice
            for field in ("note", "reviewer"):
                assert f'<label for="rv-{cid}-{field}">' in card and f'id="rv-{cid}-{field}"' in card
        overall = page[page.index('id="review-overall"') :]
        assert '<label for="rv-overall-note">' in overall and f'action="/analyses/{aid}/review/overall"' in overall
        # the overall note comes after the findings, before what the interview covered
        assert page.rindex('id="criterion-') < page.index('id="review-overall"') < page.index('id="h-interview"')


async def test_a_form_post_records_the_review_and_returns_to_the_card(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        aid, page = await _report_page(http)
        card = _card(page, "systems_thinking")
        model = "shown" if "Agree: shown" in card else "not_shown"
        other = "not_shown" if model == "shown" else "shown"
        form = {"csrf": csrf_of(page), "verdict": other, "note": "Only one example.", "reviewer": "Dana Reviewer"}
        r = await http.post(f"/analyses/{aid}/review/findings/systems_thinking", data=form)
        assert r.status_code == 303 and r.headers["location"] == f"/analyses/{aid}#criterion-systems_thinking"
        card = _card((await http.get(f"/analyses/{aid}", headers=HTML)).text, "systems_thinking")
        assert "review-disagrees" in card and f"would say <strong>{other.replace('_', ' ')}</strong>" in card
        assert "Dana Reviewer" in card and "UTC</time>" in card and "Only one example." in card
        assert f'value="{other}" required checked' in card  # the form shows what was saved
        assert "Change your review" in card and "Withdraw review" in card

        form = {"csrf": csrf_of(page), "verdict": model, "reviewer": "Dana Reviewer"}  # the model's: agreeing
        assert (await http.post(f"/analyses/{aid}/review/findings/systems_thinking", data=form)).status_code == 303
        with Store.open() as store:
            saved = Reviews(store).get(aid).findings["systems_thinking"]
        assert saved.decision == "agree" and saved.verdict is None

        r = await http.post(
            f"/analyses/{aid}/review/overall", data={"csrf": csrf_of(page), "note": "Invite back.", "reviewer": "Dana"}
        )
        assert r.status_code == 303 and r.headers["location"].endswith("#review-overall")
        page = (await http.get(f"/analyses/{aid}", headers=HTML)).text
        overall = page[page.index('id="review-overall"') :]
        assert "Invite back." in overall and "Reviewed 1 of 11 findings" in overall

        form = {"csrf": csrf_of(page), "withdraw": "1"}
        assert (await http.post(f"/analyses/{aid}/review/findings/systems_thinking", data=form)).status_code == 303
        assert "review-saved" not in _card((await http.get(f"/analyses/{aid}", headers=HTML)).text, "systems_thinking")


async def test_bad_posts_are_refused_with_a_way_back(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        aid, page = await _report_page(http)
        url = f"/analyses/{aid}/review/findings/systems_thinking"
        r = await http.post(url, data={"csrf": "forged", "verdict": "shown"}, headers=HTML)
        assert r.status_code == 403
        r = await http.post(url, data={"csrf": csrf_of(page), "verdict": ""}, headers=HTML)
        assert r.status_code == 400 and "Choose the verdict" in r.text
        assert f'href="/analyses/{aid}#criterion-systems_thinking"' in r.text
        r = await http.post(f"/analyses/{aid}/review/findings/nope", data={"csrf": csrf_of(page), "verdict": "shown"})
        assert r.status_code == 400 and "no finding" in r.text
        r = await http.post(url, data={"csrf": csrf_of(page), "verdict": "bogus"}, headers=HTML)
        assert r.status_code == 400 and "Unknown verdict" in r.text
        r = await http.post("/analyses/ffffffffffff/review/overall", data={"csrf": csrf_of(page), "note": "x"})
        assert r.status_code == 404
        with Store.open() as store:
            assert Reviews(store).get(aid).empty
