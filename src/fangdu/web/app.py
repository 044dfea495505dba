"""The web service: one Registry for the app's life, pages, the JSON API and the static log."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from fangdu import __version__
from fangdu.app import Fangdu
from fangdu.config import Settings
from fangdu.web import api, i18n, problems, rights_api, schedule_api, trade_api
from fangdu.web.config import WebSettings
from fangdu.web.demo import seed_demo
from fangdu.web.pages import (
    account,
    apply,
    common,
    public,
    review,
    rights,
    schedule,
    trade,
    verify,
)
from fangdu.web.pages import disputes as dispute_pages
from fangdu.web.records import PreviewCache
from fangdu.web.security import BodyLimit, RateLimiter, SecurityHeaders
from fangdu.web.state import AppState
from fangdu.web.uploads import FORM_OVERHEAD, SMALL_BODY

UPLOAD_PATHS = frozenset(
    {
        "/check",
        "/apply",
        "/api/v1/check",
        "/api/v1/works",
        # the planner's tables and instances, goods lists (limited again by their routes)
        "/schedule",
        "/api/v1/schedule/solve",
        "/api/v1/schedule/validate",
        "/trade",
        "/api/v1/trade/check",
        "/api/v1/trade/plan",
        # a monitor batch of market photos, the respondent's licence or invoice (issue 16)
        "/disputes/monitor",
        "/respond/answer",
    }
)


def takes_upload(path: str) -> bool:
    """Forms and API calls that carry files: contract documents go with rights records."""
    return path in UPLOAD_PATHS or (
        path.startswith(("/works/", "/api/v1/rights/works/"))
        and path.rsplit("/", 1)[-1]
        in ("licence", "transfer", "pledge", "pledge-registration", "consent", "release")
    )


class HeadAsGet:
    """Every GET route answers HEAD, as HTTP wants (link checkers, monitors and caches use it):
    the GET's status and headers, no body. FastAPI routes answer only the methods they name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(
    settings: Settings,
    *,
    demo: bool = False,
    web: WebSettings | None = None,
    password_hasher: PasswordHasher | None = None,
) -> FastAPI:
    """The service over the registry ``settings`` describe; ``demo`` seeds an empty one.

    ``password_hasher`` is for tests (cheap Argon2 parameters).
    """
    web = web or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        core = await run_in_threadpool(
            functools.partial(Fangdu.build, settings, password_hasher=password_hasher)
        )
        # Timestamps and cosignatures from a thread of their own: no request waits for them.
        core.registry.start_publisher()
        try:
            translations = i18n.load_translations()
            app.state.fangdu = AppState(
                core=core,
                web=web,
                translations=translations,
                templates={
                    language.code: common.make_environment(translations[language.code], language)
                    for language in i18n.LANGUAGES
                },
                check_limiter=RateLimiter(web.check_per_minute),
                previews=PreviewCache(core),
            )
            if demo:
                await run_in_threadpool(seed_demo, core.registry, core.accounts)
            yield
        finally:
            core.close()

    app = FastAPI(
        title="Fangdu 纺都",
        version=__version__,
        summary="Textile pattern registry, AI duplicate check and evidence log",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the stock pages load scripts from a CDN: /api lists the operations
        redoc_url=None,
    )
    app.state.demo = demo
    problems.install(app)
    upload_limit = settings.max_image_bytes + FORM_OVERHEAD
    app.add_middleware(
        BodyLimit, limit_for=lambda path: upload_limit if takes_upload(path) else SMALL_BODY
    )
    app.add_middleware(SecurityHeaders)
    hosts = web.host_allow_list()
    if hosts:
        # The Host header must not choose the address certificates' QR codes point to.
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)
    app.add_middleware(HeadAsGet)
    if web.trusted_proxies:
        # Outermost: the client's address and scheme are settled before anything uses them.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=web.trusted_proxies)
    app.mount("/static", StaticFiles(directory=i18n.HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(api.log_router)
    app.include_router(schedule_api.router)
    app.include_router(trade_api.router)
    app.include_router(rights_api.router)
    for pages in (public, account, apply, review, verify, schedule, trade, rights):
        app.include_router(pages.router)
    app.include_router(dispute_pages.router)
    return app


def from_environment() -> FastAPI:
    """The app of one worker process of `fangdu serve --workers N` (settings from FANGDU_*)."""
    return create_app(Settings(), web=WebSettings())
