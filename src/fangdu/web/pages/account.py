"""Signing in and out, self-service sign-up (applicants), API tokens, and user admin."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from fangdu.accounts import ROLES, TOKEN_SCOPES, Account, AuthError, Throttled
from fangdu.accounts.service import DEVICE_LIFETIME
from fangdu.errors import Conflict, FangduError, NotFound
from fangdu.web.i18n import N_
from fangdu.web.pages.common import redirect, render, safe_next, set_cookie
from fangdu.web.policy import Action, allowed
from fangdu.web.security import CSRF_COOKIE, new_csrf_token, verify_csrf
from fangdu.web.state import (
    SESSION_COOKIE,
    RecordId,
    app_state,
    client_address,
    require,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Text = Annotated[str, Form(max_length=1024)]

# The browser's device cookie (OWASP): it keeps a known browser signing in while strangers'
# failed guesses slow down only the strangers. Not removed at sign-out: it is not a session.
DEVICE_COOKIE = "fd_device"
TOKEN_DAYS = (30, 90, 365)  # the lifetimes offered on the account page
TOKEN_SCOPE_LABELS = {
    "check": N_("Check designs against the register"),
    "apply": N_("File and follow applications"),
    "review": N_("Review applications"),
    "rights": N_("Look up rights (banks, courts, mediators)"),
    "read": N_("Read works and the log"),
    "schedule": N_("Plan dye-house vats"),
    "trade": N_("Check and plan market-procurement exports"),
}

# The accounts service explains in English, one line; people read these (first match wins).
ACCOUNT_ERRORS = (
    ("is taken", N_("This username is taken.")),
    ("username", N_("Usernames have 3 to 32 characters: letters a–z, digits, '_', '.' or '-'.")),
    ("password too short", N_("The password is too short: at least 10 characters.")),
    ("password too long", N_("The password is too long.")),
    ("only digits", N_("The password must not be only digits.")),
    ("must not be the username", N_("The password must not be the username.")),
    ("at most", N_("A name is too long: at most 200 characters.")),
)


def account_error(exc: FangduError) -> str:
    """The msgid that explains why an account could not be created."""
    text = str(exc)
    for needle, message in ACCOUNT_ERRORS:
        if needle in text:
            return message
    return N_("The account could not be created.")


def landing(account: Account) -> str:
    """Where a person goes after signing in: the work their role does."""
    if allowed(account, Action.REVIEW):
        return "/review"
    if allowed(account, Action.APPLY):
        return "/portfolio"
    return "/"


def sign_in(request: Request, account: Account, next_url: str | None) -> Response:
    state = app_state(request)
    hours = state.web.session_hours
    token = state.accounts.start_session(account.id, lifetime=dt.timedelta(hours=hours))
    response = redirect(safe_next(next_url, landing(account)))
    set_cookie(request, response, SESSION_COOKIE, token, max_age=hours * 3600)
    device = state.accounts.trust_device(account.id, request.cookies.get(DEVICE_COOKIE))
    set_cookie(
        request, response, DEVICE_COOKIE, device, max_age=int(DEVICE_LIFETIME.total_seconds())
    )
    # A new CSRF token with the new session: one planted before sign-in is worth nothing.
    set_cookie(request, response, CSRF_COOKIE, new_csrf_token(request))
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": safe_next(next, ""), "username": ""})


@router.post("/login")
def login(request: Request, username: Text = "", password: Text = "", next: Text = "") -> Response:
    state = app_state(request)
    context = {"next": safe_next(next, ""), "username": username}
    try:
        account = state.accounts.authenticate(
            username,
            password,
            client=client_address(request),
            device=request.cookies.get(DEVICE_COOKIE),
        )
    except Throttled as exc:
        return render(
            request,
            "login.html",
            {**context, "retry_after": exc.retry_after},
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except AuthError:
        return render(
            request,
            "login.html",
            {**context, "error": N_("Wrong username or password.")},
            status=401,
        )
    return sign_in(request, account, next)


@router.post("/logout")
def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        app_state(request).accounts.end_session(token)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/register-account")
def register_form(request: Request) -> Response:
    return render(
        request,
        "register_account.html",
        {"error": None, "values": {"username": "", "display_name": "", "party": ""}},
    )


@router.post("/register-account")
def register_account(
    request: Request,
    username: Text = "",
    display_name: Text = "",
    party: Text = "",
    password: Text = "",
    password2: Text = "",
) -> Response:
    """Anyone may sign up as an applicant; the other roles are given by an administrator.
    The party named here is only a claim: it grants nothing until an administrator verifies it
    (the account page shows its state)."""
    values = {"username": username, "display_name": display_name, "party": party}
    if password != password2:
        return render(
            request,
            "register_account.html",
            {"error": N_("The two passwords differ."), "values": values},
            status=400,
        )
    try:
        account = app_state(request).accounts.create(
            username,
            password,
            "applicant",
            display_name=display_name or None,
            party=party or None,
        )
    except FangduError as exc:
        return render(
            request,
            "register_account.html",
            {"error": account_error(exc), "values": values},
            status=400,
        )
    return sign_in(request, account, "/apply")


# -- the signed-in person's own page ---------------------------------------------------------


def _account_page(
    request: Request,
    account: Account,
    *,
    token: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "account.html",
        {
            "token": token,
            "error": error,
            "done": request.query_params.get("done"),
            "tokens": app_state(request).accounts.api_tokens(account.id),
            "scopes": [(scope, TOKEN_SCOPE_LABELS[scope]) for scope in TOKEN_SCOPES],
            "token_days": TOKEN_DAYS,
        },
        status=status,
    )


@router.get("/account")
def account_page(
    request: Request, account: Annotated[Account, Depends(require(Action.OWN_ACCOUNT))]
) -> Response:
    return _account_page(request, account)


@router.post("/account/tokens")
def issue_token(
    request: Request,
    account: Annotated[Account, Depends(require(Action.OWN_ACCOUNT))],
    label: Text = "",
    scope: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies the default)
    days: Annotated[int, Form()] = 90,
) -> Response:
    """A new API token, shown on this page once and never again."""
    if not scope:
        return _account_page(
            request, account, error=N_("Choose what the token may do."), status=400
        )
    if days not in TOKEN_DAYS:
        return _account_page(
            request, account, error=N_("Choose when the token expires."), status=400
        )
    try:
        token = app_state(request).accounts.issue_api_token(
            account.id, label, scopes=scope, lifetime=dt.timedelta(days=days)
        )
    except FangduError:
        return _account_page(
            request, account, error=N_("Give the token a label of 1 to 100 characters."), status=400
        )
    return _account_page(request, account, token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: RecordId,
    account: Annotated[Account, Depends(require(Action.OWN_ACCOUNT))],
) -> Response:
    try:
        app_state(request).accounts.revoke_api_token_id(account.id, token_id)
    except NotFound:  # someone else's token looks like no token at all
        return _account_page(request, account, error=N_("No such token."), status=404)
    return redirect("/account?done=revoked")


@router.post("/account/party")
def claim_party(
    request: Request,
    account: Annotated[Account, Depends(require(Action.OWN_ACCOUNT))],
    party: Text = "",
) -> Response:
    """State (or change, or drop) the party this account acts for: a new name waits for an
    administrator's verification, and the verified one stops counting meanwhile."""
    try:
        app_state(request).accounts.claim_party(account.id, party)
    except FangduError as exc:
        return _account_page(request, account, error=account_error(exc), status=400)
    return redirect("/account?done=party")


@router.post("/account/password")
def change_password(
    request: Request,
    account: Annotated[Account, Depends(require(Action.OWN_ACCOUNT))],
    current: Text = "",
    password: Text = "",
    password2: Text = "",
    revoke_tokens: Text = "",
) -> Response:
    """Change one's own password: every other session ends, this browser stays signed in."""
    if password != password2:
        return _account_page(request, account, error=N_("The two passwords differ."), status=400)
    state = app_state(request)
    try:
        state.accounts.change_password(
            account.id,
            current,
            password,
            client=client_address(request),
            revoke_tokens=revoke_tokens == "1",
        )
    except Throttled:
        return _account_page(
            request,
            account,
            error=N_("Too many wrong passwords: wait a little and try again."),
            status=429,
        )
    except AuthError:
        return _account_page(
            request, account, error=N_("The current password is wrong."), status=400
        )
    except FangduError as exc:
        return _account_page(request, account, error=account_error(exc), status=400)
    return sign_in(request, account, "/account?done=password")


# -- administrators --------------------------------------------------------------------------


@router.get("/admin/users")
def users(
    request: Request, account: Annotated[Account, Depends(require(Action.MANAGE_USERS))]
) -> Response:
    return _users_page(request)


def _users_page(
    request: Request, error: str | None = None, created: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "admin_users.html",
        {
            "users": app_state(request).accounts.list(),
            "error": error,
            "created": created,
            "alerts": app_state(request).accounts.alerts(20),
            "claims": app_state(request).accounts.party_claims(),
        },
        status=status,
    )


@router.post("/admin/users")
def create_user(
    request: Request,
    account: Annotated[Account, Depends(require(Action.MANAGE_USERS))],
    username: Text = "",
    display_name: Text = "",
    party: Text = "",
    role: Text = "",
    password: Text = "",
) -> Response:
    if role not in ROLES:
        return _users_page(request, error=N_("Choose a role."), status=400)
    try:
        created = app_state(request).accounts.create(
            username,
            password,
            role,
            display_name=display_name or None,
            party=party or None,
            vouched_by=account.subject,  # the administrator vouches for the party they give
        )
    except FangduError as exc:
        return _users_page(request, error=account_error(exc), status=400)
    return _users_page(request, created=created.username)


@router.post("/admin/users/{user_id}/disabled")
def set_disabled(
    request: Request,
    user_id: RecordId,
    account: Annotated[Account, Depends(require(Action.MANAGE_USERS))],
    disabled: Text = "",
) -> Response:
    if user_id == account.id:
        return _users_page(request, error=N_("You cannot disable your own account."), status=400)
    app_state(request).accounts.set_disabled(user_id, disabled == "1")
    return redirect("/admin/users")


@router.post("/admin/users/{user_id}/party")
def decide_party(
    request: Request,
    user_id: RecordId,
    account: Annotated[Account, Depends(require(Action.MANAGE_USERS))],
    claim: Text = "",
    decision: Text = "",
) -> Response:
    """Verify a party claim after checking the person's identity documents offline, reject
    it, or revoke a verified one. ``claim`` is the name the administrator saw: a claim changed
    meanwhile is not decided. Nobody verifies their own."""
    if decision not in ("verify", "reject"):
        return _users_page(request, error=N_("Choose to verify or reject."), status=400)
    if user_id == account.id:
        return _users_page(request, error=N_("You cannot decide your own party claim."), status=400)
    accounts = app_state(request).accounts
    decide = accounts.verify_party if decision == "verify" else accounts.reject_party
    try:
        decide(user_id, claim, by=account.subject)
    except NotFound:
        return _users_page(request, error=N_("No such account."), status=404)
    except Conflict:
        return _users_page(
            request,
            error=N_("The account claims another party now: look at it again."),
            status=409,
        )
    return redirect("/admin/users")
