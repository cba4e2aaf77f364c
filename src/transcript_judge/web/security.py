"""Safe by default: host and token checks, cross-site protection, upload limits, headers.

One ASGI middleware (:class:`Guard`) runs before every route:

1. **Host**: without a token only loopback names are served, so a DNS-rebinding page
   can't talk to the server under its own name.
2. **Token** (when set): ``Authorization: Bearer <token>``, or the session cookie that
   ``/?token=<token>`` sets; anything else gets 401.
3. **Cross-site posts**: a POST/DELETE whose ``Origin`` (or ``Referer``, or
   ``Sec-Fetch-Site``) says it came from another site is refused. Forms also carry a
   per-session CSRF token (cookie + hidden field, or the ``X-CSRF-Token`` header for
   scripts), checked by :func:`check_form_csrf` / :func:`check_api_csrf`.
4. **Size**: a body over its limit is refused with 413, from its ``Content-Length`` or,
   failing that, while it streams: the upload limit (plus the form's small fields) for the
   two upload routes, :data:`SMALL_BODY` for every other write. The upload form's route
   (:data:`PAGE_UPLOAD`) gets the request flagged (:data:`TOO_LARGE_KEY`) instead, and
   answers with the form again, still without reading the body.
5. **Headers**: a strict Content-Security-Policy (no inline script at all), nosniff,
   no framing, no caching of reports.

File names are display names only (:func:`safe_filename`): uploads live in the store,
never on disk under a name a user chose. Messages never echo a request's input whole
(:func:`clip`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from urllib.parse import urlencode, urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import URL
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .settings import WebSettings

__all__ = [
    "AUTH_COOKIE",
    "CSP",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "Guard",
    "UploadTooLarge",
    "check_api_csrf",
    "check_form_csrf",
    "clip",
    "csrf_token",
    "safe_filename",
]

CSRF_COOKIE = "tj_csrf"
AUTH_COOKIE = "tj_auth"
CSRF_HEADER = "x-csrf-token"
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small form fields
SMALL_BODY = 64 * 1024  # any write but an upload: a CSRF token and a speaker name
UPLOAD_ROUTES = frozenset({"/analyses", "/api/analyses"})
PAGE_UPLOAD = "/analyses"  # the upload form: a too-large one gets the form again (see Guard)
TOO_LARGE_KEY = "tj.upload_too_large"
CLIP_CHARS = 200
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_FILENAME_OK = re.compile(r"[^\w.\-+() ]", re.UNICODE)


def clip(text: str, limit: int = CLIP_CHARS) -> str:
    """``text``, cut to ``limit`` characters (with an ellipsis): what an error message may
    quote of something a request sent.

    Example:
        >>> clip("x" * 1000, 5)
        'xxxx…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _megabytes(limit: int) -> str:
    mb = limit / 1_048_576
    return f"{mb:.0f} MB" if mb >= 1 else f"{max(1, round(limit / 1024))} KB"


class UploadTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The upload is larger than this server's limit of {_megabytes(limit)}. "
            "Split the transcript, or start the server with a larger --max-file-mb.",
        )


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, f"The request body is over {SMALL_BODY // 1024} KB: this form takes a few short fields.")


def safe_filename(name: str | None, default: str = "transcript.txt") -> str:
    """A display name from an uploaded file name: no folders, no control characters.

    Example:
        >>> safe_filename("../../etc/passwd")
        'passwd'
        >>> safe_filename("C:\\\\Users\\\\me\\\\interview.vtt")
        'interview.vtt'
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _FILENAME_OK.sub("_", base).strip(" .")
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:110] + dot + ext[:9]) if dot and len(ext) <= 9 else base[:120]
    return base or default


def session_value(token: str) -> str:
    """The cookie that stands for the token in a browser (the token itself never is)."""
    return hmac.new(token.encode(), b"transcript-judge web session", hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """This session's CSRF token (set by :class:`Guard`), for forms and the page's meta tag."""
    return str(request.scope.get("tj.csrf", ""))


def _bearer_ok(request: Request, token: str | None) -> bool:
    if not token:
        return False
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def check_form_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose hidden CSRF field doesn't match the session cookie.

    Raises:
        HTTPException: 403.
    """
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (cookie and submitted and hmac.compare_digest(cookie.encode(), submitted.encode())):
        raise HTTPException(403, "This form has expired or came from another site. Reload the page and try again.")


def check_api_csrf(request: Request, token: str | None) -> None:
    """For JSON API writes: scripts with the bearer token pass; a browser (it sends
    cookies or an Origin) must also send the CSRF token in ``X-CSRF-Token``.

    Raises:
        HTTPException: 403.
    """
    if _bearer_ok(request, token):
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    browser = bool(cookie or request.cookies.get(AUTH_COOKIE) or "origin" in request.headers)
    if not browser:
        return  # curl and scripts on this machine (loopback) or with the bearer token
    header = request.headers.get(CSRF_HEADER, "")
    if not (cookie and header and hmac.compare_digest(cookie.encode(), header.encode())):
        raise HTTPException(403, f"Missing or wrong {CSRF_HEADER} header for a browser request.")


def _same_origin(value: str, host: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def _cross_site(request: Request) -> str | None:
    """Why an unsafe request looks cross-site, or None."""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if origin is not None:
        return None if _same_origin(origin, host) else f"Origin {clip(origin, 80)!r}"
    referer = request.headers.get("referer")
    if referer and not _same_origin(referer, host):
        return "Referer from another site"
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return "Sec-Fetch-Site"
    return None


class Guard:
    """The middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings
        self.max_upload_body = settings.max_upload_bytes + FORM_OVERHEAD
        self._session = session_value(settings.token) if settings.token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refuse(request)
        if refusal is not None:
            await self._respond(refusal, scope, receive, send)
            return
        csrf = request.cookies.get(CSRF_COOKIE, "")
        path = scope["path"]
        # Pages get a session CSRF token; API and static responses don't set one, so a
        # script keeping cookies never turns into a "browser" that must send the header.
        fresh = not _TOKEN_SHAPE.match(csrf) and not path.startswith(("/api/", "/static/"))
        if fresh:
            csrf = secrets.token_urlsafe(32)
        scope["tj.csrf"] = csrf
        length = request.headers.get("content-length", "")
        scope[TOO_LARGE_KEY] = path == PAGE_UPLOAD and length.isdigit() and int(length) > self.max_upload_body
        received = 0
        upload = path in UPLOAD_ROUTES
        limit = self.max_upload_body if upload else SMALL_BODY

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise UploadTooLarge(self.settings.max_upload_bytes) if upload else BodyTooLarge()
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode().lower() for k, _ in headers}
                for name, value in _HEADERS.items():
                    if name not in present:
                        headers.append((name.encode(), value.encode()))
                if "cache-control" not in present and not path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                if fresh:
                    cookie = f"{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        # Reading past the limit raises UploadTooLarge / BodyTooLarge (HTTPExceptions: a 413).
        await self.app(scope, limited_receive, send_with_headers)

    def _refuse(self, request: Request) -> Response | None:
        s = self.settings
        host = request.headers.get("host", "")
        name = URL(f"http://{host}/").hostname or ""
        if not host or not s.host_allowed(name):
            return PlainTextResponse(
                "This server answers only to its own address (e.g. http://127.0.0.1). "
                "Start it with --allowed-host NAME to accept another name.",
                400,
            )
        path = request.url.path
        api = path.startswith("/api/") or path == "/openapi.json"
        if s.token and not self._authenticated(request) and not path.startswith("/static/"):
            given = request.query_params.get("token")
            if request.method == "GET" and given and hmac.compare_digest(given.encode(), s.token.encode()):
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = path + ("?" + urlencode(rest) if rest else "")
                response = RedirectResponse(target, 303)
                response.set_cookie(AUTH_COOKIE, self._session or "", httponly=True, samesite="strict", path="/")
                return response
            if api:
                return JSONResponse({"detail": "A token is required: Authorization: Bearer <token>."}, 401)
            return HTMLResponse(_LOGIN_PAGE, 401)
        if request.method not in SAFE_METHODS:
            why = _cross_site(request)
            if why is not None:
                return PlainTextResponse(f"Cross-site request refused ({why}).", 403)
            length = request.headers.get("content-length", "")
            if path in UPLOAD_ROUTES:
                # The form's own route refuses it too, unread, but as the form again (the
                # choices can't be kept: they were sent after the file). Flagged in __call__.
                if length.isdigit() and int(length) > self.max_upload_body and path != PAGE_UPLOAD:
                    return PlainTextResponse(str(UploadTooLarge(s.max_upload_bytes).detail), 413)
            elif length.isdigit() and int(length) > SMALL_BODY:
                return PlainTextResponse(str(BodyTooLarge().detail), 413)
        return None

    def _authenticated(self, request: Request) -> bool:
        if _bearer_ok(request, self.settings.token):
            return True
        cookie = request.cookies.get(AUTH_COOKIE, "")
        return bool(self._session and cookie and hmac.compare_digest(cookie.encode(), self._session.encode()))

    async def _respond(self, response: Response, scope: Scope, receive: Receive, send: Send) -> None:
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("cache-control", "no-store")
        await response(scope, receive, send)


_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>transcript-judge: token required</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css"></head>
<body><main class="narrow"><h1>Token required</h1>
<p>This server was started with a token. Open the link that <code>transcript-judge serve</code> printed,
or enter the token here.</p>
<form method="get" action="/"><label>Token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Open</button></form></main></body></html>
"""
