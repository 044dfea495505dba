"""Rendering pages: one Jinja environment per language, the cookies every page may set,
labels shared by several pages, and the error page."""

from __future__ import annotations

import datetime as dt
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from babel.dates import format_date, format_datetime
from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from fangdu.accounts import ROLES
from fangdu.web import i18n
from fangdu.web.i18n import N_, Language
from fangdu.web.policy import Action, allowed, has_cases
from fangdu.web.problems import LoginRequired, problem_for
from fangdu.web.security import CSRF_COOKIE, csrf_token
from fangdu.web.state import LANG_COOKIE, app_state, current_account

TEMPLATES = i18n.HERE / "templates"
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+8")  # China keeps no daylight saving time

STATUS_LABELS = {
    "pending": N_("Pending review"),
    "registered": N_("Registered"),
    "rejected": N_("Rejected"),
    "transferred": N_("Transferred"),
    "pledged": N_("Pledged"),
    "disputed": N_("Disputed"),
}
VERDICT_LABELS = {
    "copy": N_("Copy"),
    "similar": N_("Similar"),
    "none": N_("No protectable similarity"),
}
ENTRY_LABELS = {
    "registration": N_("Registration"),
    "application": N_("Application filed"),
    "status_change": N_("Reviewer's decision"),
    "transfer": N_("Transfer"),
    "licence": N_("Licence"),
    "pledge": N_("Pledge"),
    "pledge_release": N_("Pledge released"),
    "correction": N_("Correction"),
}
KIND_LABELS = {"work": N_("Registered work"), "prior_art": N_("Prior art")}
ROLE_LABELS = {
    "applicant": N_("Applicant (designer or merchant)"),
    "reviewer": N_("Reviewer"),
    "mediator": N_("Mediator"),
    "judge": N_("Judge"),
    "bank_officer": N_("Bank officer"),
    "admin": N_("Administrator"),
    "planner": N_("Dye-house planner"),
    "trader": N_("Trade company (market procurement)"),
    "supervisor": N_("Supervisor (disputes)"),
    "market_office": N_("Market office"),
}
CATEGORIES = {
    "floral": N_("Floral"),
    "geometric": N_("Geometric"),
    "paisley": N_("Paisley"),
    "animal": N_("Animal"),
    "abstract": N_("Abstract"),
    "ethnic": N_("Ethnic and traditional"),
    "novelty": N_("Novelty and conversational"),
    "other": N_("Other"),
}
# The registry's decoder refuses in English, one line; people read the first words here.
REJECTIONS = (
    (
        "SVG",
        N_(
            "SVG drawings are not accepted: upload a raster image (PNG, JPEG, TIFF, WebP, "
            "GIF or BMP)."
        ),
    ),
    (
        "not a supported raster image",
        N_("This file is not an image Fangdu can read (PNG, JPEG, TIFF, WebP, GIF or BMP)."),
    ),
    ("empty file", N_("The file is empty.")),
    ("image too large", N_("The image has too many pixels.")),
    ("image too small", N_("The image is too small: at least 32 pixels a side.")),
    ("corrupt or unreadable image", N_("The image is damaged or cannot be read.")),
)
ERROR_TITLES = {
    400: N_("The request could not be used"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    413: N_("The file is too large"),
    422: N_("Refused"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
}
ERROR_EXPLANATIONS = {
    "csrf": N_("The form was too old or came from another site. Reload the page and try again."),
    "forbidden": N_("Your account's role may not open this page."),
    "rate-limited": N_(
        "You have checked many images in a short time. Wait a minute and try again."
    ),
    "throttled": N_("Too many failed sign-ins. Wait a while and try again."),
    "not-found": N_("There is no such record, or it is not public."),
    "bad-input": N_("Something in the request is not valid: check the address or the form."),
    "validation": N_("Something in the request is not valid: check the address or the form."),
    "conflict": N_("This clashes with what is on record, e.g. it was already done."),
    "unauthorised": N_("Your sign-in or API token is not valid."),
}
# By status, where the error has no kind of its own (Starlette's 404, 405, 413).
STATUS_EXPLANATIONS = {
    404: ERROR_EXPLANATIONS["not-found"],
    405: N_("This address does not take that kind of request."),
    413: N_("The upload is larger than the service accepts."),
    500: N_("The error was recorded. Please try again later."),
}


def rejection_message(reason: str) -> str:
    """The msgid explaining an image refusal, chosen by the decoder's reason."""
    for prefix, message in REJECTIONS:
        if reason.startswith(prefix):
            return message
    return N_("The image was refused.")


def make_environment(translations: Translations, language: Language) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    locale = i18n.babel_locale(language)

    def date_filter(value: dt.date | None) -> str:
        return format_date(value, "long", locale=locale) if value else "—"

    def datetime_filter(value: dt.datetime | None) -> str:
        if value is None:
            return "—"
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return format_datetime(value.astimezone(BEIJING), "medium", locale=locale) + " (UTC+8)"

    env.filters["date"] = date_filter
    env.filters["datetime"] = datetime_filter
    env.filters["score"] = lambda value: f"{value:.2f}"
    env.globals.update(
        LANGUAGES=i18n.LANGUAGES,
        STATUS_LABELS=STATUS_LABELS,
        VERDICT_LABELS=VERDICT_LABELS,
        KIND_LABELS=KIND_LABELS,
        ENTRY_LABELS=ENTRY_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        ROLES=ROLES,
        CATEGORIES=CATEGORIES,
        rejection_message=rejection_message,
    )
    return env


def language(request: Request) -> Language:
    if not hasattr(request.state, "language"):
        request.state.language = i18n.negotiate(
            request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
        )
    return request.state.language


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    state = app_state(request)
    lang = language(request)
    token = csrf_token(request)
    account = current_account(request)
    values = {
        "request": request,
        "account": account,
        # Templates show a link or a button only when the policy would let it through.
        "may": lambda action: allowed(account, Action(action)),
        "has_cases": has_cases(account),  # the disputes page (issue 16)
        "lang": lang,
        "csrf_token": token,
        "path": request.url.path,
        **(context or {}),
    }
    html = state.templates[lang.code].get_template(template).render(values)
    response = HTMLResponse(html, status_code=status, headers=headers)
    if request.cookies.get(CSRF_COOKIE) != token:
        set_cookie(request, response, CSRF_COOKIE, token)
    # A page varies with the language and the person: never serve one person's to another.
    response.headers["vary"] = "Cookie, Accept-Language"
    return response


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    """HttpOnly, SameSite=Lax, and Secure behind https (or as configured)."""
    secure = app_state(request).web.secure_cookies
    if secure is None:
        secure = request.url.scheme == "https"
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax"
    )


def redirect(url: str) -> RedirectResponse:
    """After a POST: the browser GETs the result (303), so reloading does not post again."""
    return RedirectResponse(url, status_code=303)


def attachment(data: bytes | str, media_type: str, filename: str) -> Response:
    """A download: the browser saves ``data`` as ``filename`` instead of showing it."""
    return Response(
        data,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


_SAFE_NEXT = re.compile(r"/(?![/\\])[^\s\\]*")


def safe_next(url: str | None, default: str = "/") -> str:
    """Only a path on this site: never an open redirect to another one."""
    return url if url and _SAFE_NEXT.fullmatch(url) else default


def error_page(
    request: Request, exc: BaseException, status: int, detail: str | None, headers: dict[str, str]
) -> Response:
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/login?next={_quote(target)}")
    kind = problem_for(exc)[1]
    title = ERROR_TITLES.get(status) or HTTPStatus(status).phrase
    # People read the page in their language: the English detail stays in the API's problems.
    explanation = (
        rejection_message(detail or "")
        if kind == "image-rejected"
        else ERROR_EXPLANATIONS.get(kind or "") or STATUS_EXPLANATIONS.get(status)
    )
    retry = headers.get("Retry-After") or headers.get("retry-after")
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "explanation": explanation,
            "retry_after": int(retry) if retry and retry.isdigit() else None,
        },
        status=status,
        headers=headers,
    )


def _quote(path: str) -> str:
    return quote(path, safe="/")
