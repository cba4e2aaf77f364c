"""Safe by default: loopback only without a token, host and cross-site checks, escaping."""

from __future__ import annotations

import re

import httpx
import pytest

from transcript_judge.errors import ConfigError
from transcript_judge.web import WebSettings
from transcript_judge.web.security import safe_filename

from .conftest import BASE, MakeApp, csrf_of, running, upload_api, wait_for
from .support import CANDIDATE, INTERVIEWER, plain, scripted

PAYLOADS = [
    (INTERVIEWER, "Tell me about &lt;script&gt;window.__pwned=1&lt;/script&gt; a system you built?"),
    (
        CANDIDATE,
        'Then we fall back to &lt;img src=x onerror="window.__pwned=2"&gt; a rules-based filter, and we '
        "alert on the fallback rate.",
    ),
    (INTERVIEWER, 'What did you learn? &lt;svg onload="window.__pwned=3"&gt;'),
    (
        CANDIDATE,
        "We found the chunker split every table, so we fixed the parser "
        "&lt;/q&gt;&lt;/a&gt;&lt;iframe src=//evil.example&gt;.",
    ),
]
TOKEN = "s3cret-token-for-tests-0123456789"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_non_loopback_bind_without_a_token_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="token is required"):
        WebSettings(host=host).check()
    with pytest.raises(ConfigError, match="too short"):
        WebSettings(host=host, token="short").check()
    WebSettings(host=host, token=TOKEN).check()
    WebSettings(host="127.0.0.1").check()
    WebSettings(host="::1").check()


@pytest.mark.parametrize("token", ["a" * 40, "abcdabcdabcdabcd", "0123456789abcdef", "password12345678", "short"])
def test_weak_tokens_are_refused_even_on_loopback_and_a_strong_one_is_offered(token: str) -> None:
    from transcript_judge.web.settings import token_problem

    with pytest.raises(ConfigError, match=r"too short|too easy to guess") as info:
        WebSettings(token=token).check()
    found = re.search(r"generated now: (\S+)", info.value.hint or "")
    assert found is not None
    offered = found[1]
    assert offered != token and token_problem(offered) is None
    WebSettings(host="0.0.0.0", token=offered).check()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/abs/path/interview.vtt", "interview.vtt"),
        ("<img src=x onerror=alert(1)>.vtt", "_img src_x onerror_alert(1)_.vtt"),
        ("..", "transcript.txt"),
        ("", "transcript.txt"),
        ("a\x00b\nc.txt", "abc.txt"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


async def test_transcript_text_is_escaped_everywhere(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        r = await upload_api(http, plain(PAYLOADS), "payload.txt")
        done = await wait_for(http, r.json()["id"])
        page = await http.get(f"/analyses/{done['id']}")
    html = page.text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "<script>window" not in html and "<img src=x" not in html and "<svg" not in html
    assert 'onerror="window' not in html and "<iframe" not in html
    assert "&lt;/q&gt;&lt;/a&gt;&lt;iframe src=//evil.example&gt;" in html  # inside a quote: still text
    # and nothing inline could run even if it slipped through
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/app\.js\")", html)


async def test_the_downloadable_html_report_escapes_transcript_text(make_app: MakeApp) -> None:
    async with running(make_app(llm_factory=lambda: scripted())) as http:
        r = await upload_api(http, plain(PAYLOADS), "payload.txt")
        done = await wait_for(http, r.json()["id"])
        html = (await http.get(done["links"]["report_html"])).text
    assert "<script>window" not in html and "<img src=x" not in html


async def test_unknown_host_names_are_refused_without_a_token(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        assert (await http.get("/")).status_code == 200
        r = await http.get("/", headers={"host": "attacker.example:8000"})
        assert r.status_code == 400 and "only to its own address" in r.text
        assert (await http.get("/", headers={"host": "localhost:8000"})).status_code == 200
        assert (await http.get("/", headers={"host": "[::1]:8000"})).status_code == 200


async def test_forms_need_the_session_csrf_token(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        csrf = csrf_of((await http.get("/")).text)
        files = {"file": ("i.txt", plain(PAYLOADS))}
        r = await http.post("/analyses", files=files, data={"csrf": "forged"})
        assert r.status_code == 403
        r = await http.post("/analyses", files=files)
        assert r.status_code == 403
        r = await http.post("/analyses", files=files, data={"csrf": csrf}, headers={"origin": "https://evil.example"})
        assert r.status_code == 403 and "Cross-site" in r.text
        r = await http.post("/analyses", files=files, data={"csrf": csrf}, headers={"sec-fetch-site": "cross-site"})
        assert r.status_code == 403
        r = await http.post("/analyses", files=files, data={"csrf": csrf}, headers={"origin": BASE})
        assert r.status_code == 303
        analysis_id = r.headers["location"].rsplit("/", 1)[-1]
        await wait_for(http, analysis_id)
        r = await http.post(f"/analyses/{analysis_id}/delete", data={"csrf": "nope"})
        assert r.status_code == 403
        r = await http.post(f"/analyses/{analysis_id}/delete", data={"csrf": csrf})
        assert r.status_code == 303 and (await http.get(f"/api/analyses/{analysis_id}")).status_code == 404


async def test_the_api_refuses_cross_site_and_cookie_only_browser_writes(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await upload_api(http, plain(PAYLOADS))
        assert r.status_code == 202  # a script on this machine: no cookies, no Origin
        r = await http.post(
            "/api/analyses", files={"file": ("i.txt", plain(PAYLOADS))}, headers={"origin": "http://evil.example"}
        )
        assert r.status_code == 403
        csrf = csrf_of((await http.get("/")).text)  # now the client holds the session cookie, like a browser
        assert (await upload_api(http, plain(PAYLOADS))).status_code == 403
        r = await http.post("/api/analyses", files={"file": ("i.txt", plain(PAYLOADS))}, headers={"x-csrf-token": csrf})
        assert r.status_code == 202


async def test_token_mode(make_app: MakeApp) -> None:
    app = make_app(host="0.0.0.0", token=TOKEN)
    async with running(app) as http:
        assert (await http.get("/api/analyses")).status_code == 401
        page = await http.get("/")
        assert page.status_code == 401 and "Token required" in page.text
        assert (await http.get("/?token=wrong")).status_code == 401
        ok = await http.get("/api/analyses", headers={"authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        r = await http.post(
            "/api/analyses",
            files={"file": ("i.txt", plain(PAYLOADS))},
            headers={"authorization": f"Bearer {TOKEN}", "host": "192.168.1.20:8000"},
        )
        assert r.status_code == 202  # any Host name: the token is the guard
        assert (await http.get("/static/app.css")).status_code == 200

        r = await http.get(f"/?token={TOKEN}")
        assert r.status_code == 303 and r.headers["location"] == "/" and "tj_auth=" in r.headers["set-cookie"]
        assert TOKEN not in r.headers["set-cookie"]
        assert (await http.get("/")).status_code == 200  # the session cookie now stands for the token


async def test_security_headers_on_every_page(make_app: MakeApp) -> None:
    async with running(make_app()) as http:
        r = await http.get("/")
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_the_app_refuses_unsafe_settings() -> None:
    from transcript_judge.web import create_app

    with pytest.raises(ConfigError):
        create_app(WebSettings(host="0.0.0.0"))


async def test_the_login_form_uses_the_token_query(make_app: MakeApp) -> None:
    async with running(make_app(host="0.0.0.0", token=TOKEN), follow_redirects=True) as http:
        r = await http.get("/", params={"token": TOKEN})
        assert r.status_code == 200 and "Analyse an interview" in r.text
        assert isinstance(r.history[0], httpx.Response) and r.history[0].status_code == 303
