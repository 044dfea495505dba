"""Headers on every response, request body limits, CSRF tokens and a per-client rate limit."""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fangdu.web.problems import WebProblem, problem_response

# Nothing from elsewhere, no inline script or style; data: images are the explanations.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "geolocation=(), microphone=(), camera=(), payment=()",
}
CSRF_COOKIE = "fd_csrf"
CSRF_FIELD = "csrf_token"


class SecurityHeaders:
    """Adds the security headers to every response, and ``no-store`` unless a route chose its
    own caching: pages show private records and must not stay in shared caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if scope.get("scheme") == "https":  # then keep to https from now on
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if scope["path"].startswith("/static/"):
                    headers.setdefault("cache-control", "public, max-age=3600")
                headers.setdefault("cache-control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # A bug: answer a bare 500 problem (with the headers above); the server logs it.
            if not started:
                await problem_response(500)(scope, receive, send_with_headers)
            raise


class BodyLimit:
    """Refuses request bodies over a limit that depends on the path, before and while reading.

    A declared Content-Length over the limit fails the first read; a body without one (chunked)
    is counted as it streams and fails as soon as it passes the limit, so nothing larger than
    the limit ever reaches the temporary file of an upload. The 413 is raised inside the app,
    so its handlers answer it as a problem or an error page like any other error.
    """

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        too_large = StarletteHTTPException(413, f"the request is larger than {limit} bytes")
        refuse_now = declared.isdigit() and int(declared) > limit
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            if refuse_now:
                raise too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large
            return message

        await self.app(scope, counting_receive, send)


# -- CSRF ------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token forms of this response carry: the browser's cookie, or a new one (which
    :func:`fangdu.web.pages.common.render` then sets as the cookie)."""
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        token = cookie if _well_formed(cookie) else secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return token


def new_csrf_token(request: Request) -> str:
    """A fresh token, e.g. at sign-in, so a token planted before it is worthless after."""
    request.state.csrf_token = secrets.token_urlsafe(32)
    return request.state.csrf_token


def _well_formed(token: str) -> bool:
    return 40 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


async def verify_csrf(request: Request) -> None:
    """Every state-changing form: its hidden field must equal the CSRF cookie (double submit),
    and a browser that names the page it came from must name this site."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        expected = f"{request.url.scheme}://{request.url.netloc}"
        if origin != expected:
            raise WebProblem(403, "cross-site form submission refused", kind="csrf")
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if (
        not isinstance(sent, str)
        or not _well_formed(cookie)
        or not hmac.compare_digest(sent.encode(), cookie.encode())
    ):
        raise WebProblem(
            403, "the form's security token is missing or stale: reload the page", kind="csrf"
        )


# -- rate limit ------------------------------------------------------------------------------


class RateLimiter:
    """At most ``per_minute`` events per key in any sliding minute (in memory, one process)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one event, or raise a 429 problem saying when to retry."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - 60:
                events.popleft()
            if len(events) >= self.per_minute:
                retry = max(1, math.ceil(events[0] + 60 - now))
                raise WebProblem(
                    429,
                    f"too many checks: try again in {retry} s",
                    kind="rate-limited",
                    headers={"Retry-After": str(retry)},
                )
            events.append(now)
            if len(self._events) > 10_000:  # forget idle clients
                for stale in [k for k, v in self._events.items() if not v or v[-1] <= now - 60]:
                    del self._events[stale]
