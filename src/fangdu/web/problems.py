"""Every error as RFC 9457 problem details, or as an error page for a browser.

Programs (the API, or anything that does not ask for HTML) get ``application/problem+json``
with type, title, status and detail; a browser navigating the site gets the same facts as a
page in its language. Domain errors map to HTTP statuses here and nowhere else.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from fangdu.accounts import AuthError, Throttled
from fangdu.errors import Conflict, FangduError, ImageRejected, InputError, NotFound

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "urn:fangdu:problem:"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        default="about:blank",
        description="URI naming the kind of problem; about:blank: nothing beyond the HTTP status",
    )
    title: str = Field(description="short summary of the kind of problem")
    status: int = Field(description="the HTTP status code")
    detail: str | None = Field(default=None, description="what went wrong this time")


# Shown in the API's OpenAPI description of each operation's errors.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": "problem details (RFC 9457)",
    },
}


class WebProblem(Exception):
    """A problem raised by the web layer itself (permission, rate limit, upload size...)."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or HTTPStatus(status).phrase)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.headers = headers or {}


class LoginRequired(WebProblem):
    """No signed-in account (a browser is sent to the login page instead)."""

    def __init__(self, detail: str = "sign in first") -> None:
        super().__init__(401, detail, kind="login-required")


def forbidden(detail: str = "your role may not do this") -> WebProblem:
    return WebProblem(403, detail, kind="forbidden")


def problem_for(exc: BaseException) -> tuple[int, str | None, str | None, dict[str, str]]:
    """(status, kind, detail, headers) for any exception the handlers see."""
    if isinstance(exc, WebProblem):
        return exc.status, exc.kind, exc.detail, exc.headers
    if isinstance(exc, Throttled):
        return 429, "throttled", str(exc), {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, AuthError):
        return 401, "unauthorised", str(exc), {}
    if isinstance(exc, ImageRejected):
        return 422, "image-rejected", exc.reason, {}
    if isinstance(exc, InputError):
        return 400, "bad-input", str(exc), {}
    if isinstance(exc, NotFound):
        return 404, "not-found", str(exc), {}
    if isinstance(exc, Conflict):
        return 409, "conflict", str(exc), {}
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
        return exc.status_code, None, detail, dict(exc.headers or {})
    if isinstance(exc, RequestValidationError):
        return 422, "validation", "the request does not match the schema", {}
    return 500, None, None, {}


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=_TYPE_BASE + kind if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        **(extra or {}),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def wants_html(request: Request) -> bool:
    """A browser on a page, not a program: the API always answers with problem details."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem (or an error page)."""

    async def handle(request: Request, exc: Exception) -> Response:
        status, kind, detail, headers = problem_for(exc)
        if wants_html(request):
            from fangdu.web.pages.common import error_page  # the page layer builds on this one

            return error_page(request, exc, status, detail, headers)
        extra = None
        if isinstance(exc, RequestValidationError):
            extra = {
                "errors": [
                    {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                    for e in exc.errors()
                ]
            }
        return problem_response(status, detail, kind=kind, headers=headers, extra=extra)

    # Anything else is a bug: SecurityHeaders answers it with a bare 500 problem.
    for kind in (StarletteHTTPException, RequestValidationError, WebProblem, FangduError):
        app.add_exception_handler(kind, handle)
