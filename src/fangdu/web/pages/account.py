"""Signing in and out, self-service sign-up (applicants), API tokens, and user admin."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from fangdu.accounts import ROLES, Account, AuthError, Throttled
from fangdu.errors import FangduError
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

# The accounts service explains in English, one line; people read these (first match wins).
ACCOUNT_ERRORS = (
    ("is taken", N_("This username is taken.")),
    ("username", N_("Usernames have 3 to 32 characters: letters a–z, digits, '_', '.' or "
                    "'-'.")),
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
    # A new CSRF token with the new session: one planted before sign-in is worth nothing.
    set_cookie(request, response, CSRF_COOKIE, new_csrf_token(request))
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": safe_next(next, ""), "username": ""})


@router.post("/login")
def login(request: Request, username: Text = "", password: Text = "", next: Text = ""
          ) -> Response:
    state = app_state(request)
    context = {"next": safe_next(next, ""), "username": username}
    try:
        account = state.accounts.authenticate(username, password, client=client_address(request))
    except Throttled as exc:
        return render(request, "login.html", {**context, "retry_after": exc.retry_after},
                      status=429, headers={"Retry-After": str(exc.retry_after)})
    except AuthError:
        return render(request, "login.html",
                      {**context, "error": N_("Wrong username or password.")}, status=401)
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
    return render(request, "register_account.html",
                  {"error": None, "values": {"username": "", "display_name": "", "party": ""}})


@router.post("/register-account")
def register_account(
    request: Request,
    username: Text = "",
    display_name: Text = "",
    party: Text = "",
    password: Text = "",
    password2: Text = "",
) -> Response:
    """Anyone may sign up as an applicant; the other roles are given by an administrator."""
    values = {"username": username, "display_name": display_name, "party": party}
    if password != password2:
        return render(request, "register_account.html",
                      {"error": N_("The two passwords differ."), "values": values}, status=400)
    try:
        account = app_state(request).accounts.create(
            username, password, "applicant", display_name=display_name or None,
            party=party or None,
        )
    except FangduError as exc:
        return render(request, "register_account.html",
                      {"error": account_error(exc), "values": values}, status=400)
    return sign_in(request, account, "/apply")


# -- the signed-in person's own page ---------------------------------------------------------


@router.get("/account")
def account_page(request: Request, account: Annotated[Account, Depends(require(Action.OWN_ACCOUNT))]
                 ) -> Response:
    return render(request, "account.html", {"token": None, "error": None})


@router.post("/account/tokens")
def issue_token(
    request: Request,
    account: Annotated[Account, Depends(require(Action.OWN_ACCOUNT))],
    label: Text = "",
) -> Response:
    """A new API token, shown on this page once and never again."""
    try:
        token = app_state(request).accounts.issue_api_token(account.id, label)
    except FangduError:
        return render(request, "account.html",
                      {"token": None, "error": N_("Give the token a label of 1 to 100 "
                                                  "characters.")}, status=400)
    return render(request, "account.html", {"token": token, "error": None})


# -- administrators --------------------------------------------------------------------------


@router.get("/admin/users")
def users(request: Request, account: Annotated[Account, Depends(require(Action.MANAGE_USERS))]
          ) -> Response:
    return _users_page(request)


def _users_page(request: Request, error: str | None = None, created: str | None = None,
                status: int = 200) -> Response:
    return render(request, "admin_users.html",
                  {"users": app_state(request).accounts.list(), "error": error,
                   "created": created}, status=status)


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
            username, password, role, display_name=display_name or None, party=party or None
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
        return _users_page(request, error=N_("You cannot disable your own account."),
                           status=400)
    app_state(request).accounts.set_disabled(user_id, disabled == "1")
    return redirect("/admin/users")
