"""What the app holds for its life, and who is asking: dependencies shared by pages and API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from babel.support import Translations
from fastapi import Path, Request
from jinja2 import Environment

from fangdu.accounts import Account, Accounts
from fangdu.app import Fangdu
from fangdu.errors import NotFound
from fangdu.ledger.store import LogStore
from fangdu.registry.blobs import BlobStore
from fangdu.registry.checking import CheckService
from fangdu.registry.filing import FilingService
from fangdu.registry.queries import QueryService
from fangdu.registry.schemas import WorkInfo
from fangdu.registry.services import Registry
from fangdu.web.config import WebSettings
from fangdu.web.policy import Action, WorkFacts, allowed, is_filer
from fangdu.web.problems import LoginRequired, WebProblem, forbidden
from fangdu.web.records import PreviewCache
from fangdu.web.security import RateLimiter

# Ids in paths are database integers: anything larger cannot name a row (and must not reach
# the database, which would fail on it rather than find nothing).
MAX_ID = 2**63 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]

SESSION_COOKIE = "fd_session"
LANG_COOKIE = "lang"


@dataclass
class AppState:
    core: Fangdu  # the composition root's parts: registry, accounts, log, blobs
    web: WebSettings
    translations: dict[str, Translations]
    templates: dict[str, Environment]  # one Jinja environment per language
    check_limiter: RateLimiter
    previews: PreviewCache

    @property
    def registry(self) -> Registry:
        return self.core.registry

    @property
    def checking(self) -> CheckService:
        return self.core.checking

    @property
    def filing(self) -> FilingService:
        return self.core.filing

    @property
    def queries(self) -> QueryService:
        return self.core.queries

    @property
    def accounts(self) -> Accounts:
        return self.core.accounts

    @property
    def ledger(self) -> LogStore:
        return self.core.ledger

    @property
    def blobs(self) -> BlobStore:
        return self.core.blobs


def app_state(request: Request) -> AppState:
    return request.app.state.fangdu


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- who is asking -------------------------------------------------------------------------


def current_account(request: Request) -> Account | None:
    """The account signed in by the session cookie (pages only; the API takes tokens)."""
    if not hasattr(request.state, "account"):
        token = request.cookies.get(SESSION_COOKIE)
        request.state.account = (
            app_state(request).accounts.session_account(token) if token else None
        )
    return request.state.account


def require(action: Action) -> Callable[[Request], Account]:
    """A page dependency: the signed-in account, if the policy lets it do ``action``; else sign
    in first (401, a browser is redirected) or 403."""

    def dependency(request: Request) -> Account:
        account = current_account(request)
        if account is None:
            raise LoginRequired()
        if not allowed(account, action):
            raise forbidden()
        return account

    return dependency


def bearer_account(request: Request) -> Account | None:
    """The account of an ``Authorization: Bearer fdt_...`` token; None without the header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    account = None
    if scheme.lower() == "bearer" and token.strip():
        account = app_state(request).accounts.token_account(token.strip())
    if account is None:
        raise WebProblem(
            401,
            "unknown, expired, revoked or malformed API token",
            kind="unauthorised",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return account


def require_token(action: Action) -> Callable[[Request], Account]:
    """An API dependency: a valid token whose account and scopes allow ``action``."""

    def dependency(request: Request) -> Account:
        account = bearer_account(request)
        if account is None:
            raise WebProblem(
                401,
                "this needs an API token: Authorization: Bearer fdt_...",
                kind="unauthorised",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not allowed(account, action):
            raise forbidden()
        return account

    return dependency


def authorize_work(account: Account | None, action: Action, work: WorkInfo) -> None:
    """Raise unless ``account`` may do ``action`` on ``work``. A work the caller may not see is
    not found, so its existence is not confirmed; one they may see but not act on is 403 (or
    sign in first)."""
    facts = WorkFacts(work.status, work.submitted_by)
    if allowed(account, action, facts):
        return
    if not allowed(account, Action.VIEW, facts):
        raise NotFound(f"no work {work.label}")
    if account is None:
        raise LoginRequired()
    if action is Action.DECIDE and is_filer(account, facts):
        raise forbidden("reviewers never decide their own application: another reviewer must")
    raise forbidden()
