"""A refused upload shows the upload form again: the reason at its top (role="alert"), and
every choice that arrived kept (never the file: a browser can't be given one back)."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import httpx

from .conftest import MakeApp, csrf_of, running
from .support import INTERVIEW, vtt

HTML = {"accept": "text/html"}


def _error_box(page: str) -> str:
    match = re.search(r'<div class="upload-error" id="upload-error" role="alert" tabindex="-1">(.*?)</div>', page, re.S)
    assert match, "the page has no visible upload error"
    return html.unescape(match.group(1))


async def _post(http: httpx.AsyncClient, data: bytes, **fields: str) -> httpx.Response:
    return await http.post("/analyses", files={"file": ("t.vtt", data)}, data=fields, headers=HTML)


async def test_an_empty_file_gives_the_form_back_with_the_choices(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        csrf = csrf_of((await http.get("/")).text)
        fields = {"csrf": csrf, "candidate": 'Tom "T" <Alvarez>', "redact_names": "1", "input_format": "webvtt"}
        r = await _post(http, b"", **fields)
        assert r.status_code == 400
        box = _error_box(r.text)
        assert "t.vtt is empty" in box and "choose the file again" in box
        assert 'value="Tom &#34;T&#34; &lt;Alvarez&gt;"' in r.text  # kept, and escaped
        assert 'name="redact_names" value="1" checked' in r.text
        assert 'name="redact" value="1">' in r.text  # not chosen, not checked
        assert '<option value="webvtt" selected>' in r.text and "<details class=\"advanced\" open>" in r.text
        assert 'action="/analyses"' in r.text and csrf_of(r.text)  # a working form, not a dead end
        assert "<title>Upload refused" in r.text
    assert not list((Path(os.environ["TJ_HOME"]) / "uploads").glob("*"))


async def test_an_unknown_rubric_is_said_and_the_default_offered(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        csrf = csrf_of((await http.get("/")).text)
        r = await _post(http, vtt(INTERVIEW), csrf=csrf, rubric="nope", candidate="Tom")
        assert r.status_code == 400 and "nope" in _error_box(r.text)
        assert re.search(r'<option value="ai_architect"[^>]* selected>', r.text)
        assert 'value="Tom"' in r.text


async def test_a_too_large_upload_is_refused_unread_with_the_form(make_app: MakeApp) -> None:
    async with running(make_app(max_upload_bytes=1024)) as http:
        csrf = csrf_of((await http.get("/")).text)
        r = await _post(http, b"x" * (200 * 1024), csrf=csrf, candidate="Tom")
        assert r.status_code == 413
        box = _error_box(r.text)
        assert "larger than this server's limit of 1 KB" in box and "a larger --max-file-mb" in box
        assert "Choose the file and your options again" in box  # sent after the file, never read
        api = await http.post("/api/analyses", files={"file": ("t.vtt", b"x" * (200 * 1024))})
        assert api.status_code == 413 and "<form" not in api.text  # the API's refusal is unchanged
    assert not list((Path(os.environ["TJ_HOME"]) / "uploads").glob("*"))


async def test_an_expired_form_gives_a_fresh_one(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        await http.get("/")
        r = await _post(http, vtt(INTERVIEW), csrf="stale", candidate="Tom")
        assert r.status_code == 403 and "expired" in _error_box(r.text)
        assert 'value="Tom"' in r.text and csrf_of(r.text) != "stale"
    assert not list((Path(os.environ["TJ_HOME"]) / "uploads").glob("*"))


async def test_a_field_over_its_limit_is_not_echoed(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        csrf = csrf_of((await http.get("/")).text)
        r = await _post(http, vtt(INTERVIEW), csrf=csrf, candidate="Q" * 5000)
        assert r.status_code == 413 and "too long" in _error_box(r.text)
        assert "QQQQQQQQQQ" not in r.text


async def test_an_invalid_page_form_gets_a_page_with_a_way_on(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        csrf = csrf_of((await http.get("/")).text)
        r = await http.post("/analyses/abc/answer", data={"csrf": csrf, "speaker": "S" * 500}, headers=HTML)
        assert r.status_code == 422 and "<h1>Invalid form</h1>" in r.text
        assert 'href="/"' in r.text and "SSSSSSSSSS" not in r.text
